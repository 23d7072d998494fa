package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/lxdng/lxd/daemon/instances"
	"github.com/lxdng/lxd/daemon/migration"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
)

// MigrationService starts the two ends of migrations between servers
// (daemon/migration).
type MigrationService interface {
	// MigrateVolume is the source of a custom volume migration (POST on
	// the volume with "migration": true).
	MigrateVolume(ctx context.Context, ref storage.VolumeRef, req api.StorageVolumePost) (*operations.Op, error)
	// ReceiveVolume is its target (POST .../volumes with source.type
	// "migration").
	ReceiveVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) (*operations.Op, error)
	// MigrateInstance is the source of an instance migration (POST on the
	// instance with "migration": true).
	MigrateInstance(ctx context.Context, project, name string, req migration.InstanceSourceRequest) (*operations.Op, error)
	// ReceiveInstance is its target (POST /1.0/instances with source.type
	// "migration").
	ReceiveInstance(ctx context.Context, project string, req api.InstancesPost, secrets map[string]string) (*operations.Op, error)
	// MoveToMember moves an instance to another cluster member (POST on
	// the instance with ?target=<member> and "migration": true).
	MoveToMember(ctx context.Context, project, name, newName, member string, live bool) (*operations.Op, error)
	// CopyFromMember copies an instance held by another cluster member
	// (handled is false when the copy is local).
	CopyFromMember(ctx context.Context, project string, req api.InstancesPost) (op *operations.Op, handled bool, err error)
}

// instancePostBody is POST /1.0/instances/<name> as LXD clients send it:
// "target" is null or the push target object.
type instancePostBody struct {
	api.InstancePost
	Target json.RawMessage `json:"target"`
}

// readBody reads the request body and leaves it readable again.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, api.BadRequest("Failed to read the request: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return data, nil
}

// decodeInstancePost reads a rename/migration request and its push target
// (nil for none).
func decodeInstancePost(r *http.Request) (api.InstancePost, *api.InstancePostTarget, error) {
	var body instancePostBody
	if err := decodeJSON(r, &body); err != nil {
		return api.InstancePost{}, nil, err
	}
	req := body.InstancePost
	raw := bytes.TrimSpace(body.Target)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return req, nil, nil
	}
	if raw[0] == '"' {
		var member string
		if err := json.Unmarshal(raw, &member); err != nil {
			return req, nil, api.BadRequest("Invalid target: %v", err)
		}
		req.Target = &member
		return req, nil, nil
	}
	var target api.InstancePostTarget
	if err := json.Unmarshal(raw, &target); err != nil {
		return req, nil, api.BadRequest("Invalid migration target: %v", err)
	}
	return req, &target, nil
}

// migrateInstance answers POST /1.0/instances/<name> {"migration": true}.
func (x instanceHandlers) migrateInstance(w http.ResponseWriter, r *http.Request, project, name string, req api.InstancePost, target *api.InstancePostTarget) error {
	if x.migration == nil {
		return api.NotImplemented("Instance migration is not supported")
	}
	sameProject := req.Project == "" || req.Project == project
	if req.Pool != "" && sameProject && target == nil && r.URL.Query().Get("target") == "" {
		// lxc move c1 -s pool (instance_pool_move).
		mv := instances.MovePoolRequest{Name: req.Name, Pool: req.Pool, InstanceOnly: req.InstanceOnly || req.ContainerOnly}
		return x.startOp(w, r, project, "Migrating instance", instOpResources(project, name),
			func(ctx context.Context, op *operations.Op) error {
				return x.svc.MovePool(ctx, project, name, mv, op.SetMetadata)
			})
	}
	if req.Pool != "" || !sameProject {
		return api.NotImplemented("Moving instances between pools or projects is not supported")
	}
	if member := r.URL.Query().Get("target"); member != "" {
		op, err := x.migration.MoveToMember(r.Context(), project, name, req.Name, member, req.Live)
		if err != nil {
			return err
		}
		return renderAsync(w, r, op)
	}
	src := migration.InstanceSourceRequest{Live: req.Live, InstanceOnly: req.InstanceOnly || req.ContainerOnly}
	if target != nil {
		src.Target = &migration.Peer{Operation: target.Operation, Certificate: target.Certificate, Secrets: target.Websockets}
	}
	op, err := x.migration.MigrateInstance(r.Context(), project, name, src)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

// instanceSnapshotPostBody is POST /1.0/instances/<name>/snapshots/<snap>
// as LXD clients send it: "target" is null or the push target object.
type instanceSnapshotPostBody struct {
	api.InstanceSnapshotPost
	Target json.RawMessage `json:"target"`
}

// migrateSnapshot answers POST on a snapshot with "migration": true: the
// snapshot is sent as an instance of its own (lxc copy c1/snap remote:).
func (x instanceHandlers) migrateSnapshot(w http.ResponseWriter, r *http.Request, project, name, snap string) (bool, error) {
	body, err := readBody(r)
	if err != nil {
		return true, err
	}
	var req instanceSnapshotPostBody
	if err := json.Unmarshal(body, &req); err != nil || !req.Migration {
		return false, nil
	}
	if x.migration == nil {
		return true, api.NotImplemented("Snapshot migration is not supported")
	}
	src := migration.InstanceSourceRequest{Snapshot: snap}
	if raw := bytes.TrimSpace(req.Target); len(raw) > 0 && raw[0] == '{' {
		var target api.InstancePostTarget
		if err := json.Unmarshal(raw, &target); err != nil {
			return true, api.BadRequest("Invalid migration target: %v", err)
		}
		src.Target = &migration.Peer{Operation: target.Operation, Certificate: target.Certificate, Secrets: target.Websockets}
	}
	op, err := x.migration.MigrateInstance(r.Context(), project, name, src)
	if err != nil {
		return true, err
	}
	return true, renderAsync(w, r, op)
}

// copyFromMember answers a copy whose source is on another cluster
// member; handled is false for a local copy.
func (x instanceHandlers) copyFromMember(w http.ResponseWriter, r *http.Request, project string, req api.InstancesPost) (bool, error) {
	if x.migration == nil {
		return false, nil
	}
	op, handled, err := x.migration.CopyFromMember(r.Context(), project, req)
	if !handled {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return true, renderAsync(w, r, op)
}

// instanceSourceSecrets is the part of POST /1.0/instances that
// api.InstanceSource does not carry: the source's websocket secrets.
type instanceSourceSecrets struct {
	Source struct {
		Websockets map[string]string `json:"secrets"`
	} `json:"source"`
}

// receiveInstance answers POST /1.0/instances with source.type
// "migration"; body is the raw request.
func (x instanceHandlers) receiveInstance(w http.ResponseWriter, r *http.Request, project string, req api.InstancesPost, body []byte) error {
	if x.migration == nil {
		return api.NotImplemented("Migration sources are not supported")
	}
	var extra instanceSourceSecrets
	if err := json.Unmarshal(body, &extra); err != nil {
		return api.BadRequest("Invalid request: %v", err)
	}
	op, err := x.migration.ReceiveInstance(r.Context(), project, req, extra.Source.Websockets)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

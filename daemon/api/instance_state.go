package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/lxdng/lxd/daemon/instances"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
)

// patch is LXD's synchronous PATCH: present fields replace the current
// ones; config keys and devices are merged by name.
func (x instanceHandlers) patch(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	cur, etag, err := x.svc.Get(r.Context(), project, name)
	if err != nil {
		return err
	}
	if err := checkETag(r, etag); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := decodeJSON(r, &raw); err != nil {
		return err
	}
	var req api.InstancePut
	if err := decodeJSON2(raw, &req); err != nil {
		return err
	}
	put := cur.Writable()
	if _, ok := raw["description"]; ok && len(raw) == 1 {
		if err := x.svc.UpdateDescription(r.Context(), project, name, req.Description); err != nil {
			return err
		}
		return renderEmpty(w)
	}
	mergePatch(&put, req, raw)
	if err := x.svc.Update(r.Context(), project, name, put); err != nil {
		return err
	}
	return renderEmpty(w)
}

// decodeJSON2 re-decodes an already parsed body into v.
func decodeJSON2(raw map[string]json.RawMessage, v any) error {
	data, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return api.BadRequest("%s", err.Error())
	}
	return nil
}

func mergePatch(put *api.InstancePut, req api.InstancePut, raw map[string]json.RawMessage) {
	for k, v := range req.Config {
		put.Config[k] = v
	}
	for k, v := range req.Devices {
		put.Devices[k] = v
	}
	if _, ok := raw["profiles"]; ok && req.Profiles != nil {
		put.Profiles = req.Profiles
	}
	if _, ok := raw["description"]; ok {
		put.Description = req.Description
	}
	if _, ok := raw["ephemeral"]; ok {
		put.Ephemeral = req.Ephemeral
	}
	if req.Architecture != "" {
		put.Architecture = req.Architecture
	}
}

func (x instanceHandlers) getState(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	st, err := x.svc.State(r.Context(), project, PathParam(r, "name"))
	if err != nil {
		return err
	}
	return renderSync(w, st, nil)
}

var stateDescriptions = map[string]string{
	"start": "Starting instance", "stop": "Stopping instance", "restart": "Restarting instance",
	"freeze": "Freezing instance", "unfreeze": "Unfreezing instance",
}

func (x instanceHandlers) putState(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	var req api.InstanceStatePut
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := instances.CheckAction(req.Action); err != nil {
		return err
	}
	if _, _, err := x.svc.Get(r.Context(), project, name); err != nil {
		return err
	}
	c := instances.StateChange{Action: req.Action, Force: req.Force, Stateful: req.Stateful}
	if req.Timeout > 0 {
		c.Timeout = time.Duration(req.Timeout) * time.Second
	}
	res := map[string][]string{"instances": {"/1.0/instances/" + name + projectSuffix(project)}}
	return x.startOp(w, r, project, stateDescriptions[req.Action], res, func(ctx context.Context, op *operations.Op) error {
		return x.svc.ChangeState(ctx, project, name, c, op.SetMetadata)
	})
}

func (x instanceHandlers) listSnapshots(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	if recursion(r) > 0 {
		snaps, err := x.svc.Snapshots(r.Context(), project, name)
		if err != nil {
			return err
		}
		return renderSync(w, snaps, nil)
	}
	names, err := x.svc.SnapshotNames(r.Context(), project, name)
	if err != nil {
		return err
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		// LXD lists snapshot URLs under /1.0/instances even for the alias.
		urls = append(urls, "/1.0/instances/"+name+"/snapshots/"+n+projectSuffix(project))
	}
	return renderSync(w, urls, nil)
}

func (x instanceHandlers) createSnapshot(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	var req api.InstanceSnapshotsPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	sr := instances.SnapshotRequest{Name: req.Name, ExpiresAt: req.ExpiresAt, Stateful: req.Stateful}
	if err := x.svc.PrepareSnapshot(r.Context(), project, name, sr); err != nil {
		return err
	}
	return x.startOp(w, r, project, "Snapshotting instance", instOpResources(project, name),
		func(ctx context.Context, op *operations.Op) error {
			return x.svc.CreateSnapshot(ctx, project, name, sr)
		})
}

func (x instanceHandlers) getSnapshot(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	snap, etag, err := x.svc.Snapshot(r.Context(), project, PathParam(r, "name"), PathParam(r, "snap"))
	if err != nil {
		return err
	}
	return renderSync(w, snap, etag)
}

func (x instanceHandlers) putSnapshot(w http.ResponseWriter, r *http.Request) error {
	return x.updateSnapshot(w, r, false)
}

func (x instanceHandlers) patchSnapshot(w http.ResponseWriter, r *http.Request) error {
	return x.updateSnapshot(w, r, true)
}

// updateSnapshot sets a snapshot's expiry in an operation ("Updating
// snapshot", for PUT and PATCH alike as LXD 5.0.2); a PATCH without
// expires_at keeps the current one.
func (x instanceHandlers) updateSnapshot(w http.ResponseWriter, r *http.Request, patch bool) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name, snap := PathParam(r, "name"), PathParam(r, "snap")
	cur, etag, err := x.svc.Snapshot(r.Context(), project, name, snap)
	if err != nil {
		return err
	}
	if err := checkETag(r, etag); err != nil {
		return err
	}
	var put api.InstanceSnapshotPut
	if patch {
		put.ExpiresAt = cur.ExpiresAt
	}
	if err := decodeJSON(r, &put); err != nil {
		return err
	}
	return x.startOp(w, r, project, "Updating snapshot", instOpResources(project, name),
		func(ctx context.Context, op *operations.Op) error {
			return x.svc.UpdateSnapshot(ctx, project, name, snap, put)
		})
}

func (x instanceHandlers) renameSnapshot(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name, snap := PathParam(r, "name"), PathParam(r, "snap")
	if handled, err := x.migrateSnapshot(w, r, project, name, snap); handled {
		return err
	}
	var req api.InstanceSnapshotPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Migration {
		return api.BadRequest("Snapshot migration is not supported yet")
	}
	if _, _, err := x.svc.Snapshot(r.Context(), project, name, snap); err != nil {
		return err
	}
	return x.startOp(w, r, project, "Renaming snapshot", instOpResources(project, name),
		func(ctx context.Context, op *operations.Op) error {
			return x.svc.RenameSnapshot(ctx, project, name, snap, req.Name)
		})
}

func (x instanceHandlers) deleteSnapshot(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name, snap := PathParam(r, "name"), PathParam(r, "snap")
	if _, _, err := x.svc.Snapshot(r.Context(), project, name, snap); err != nil {
		return err
	}
	return x.startOp(w, r, project, "Deleting snapshot", instOpResources(project, name+"/"+snap),
		func(ctx context.Context, op *operations.Op) error {
			return x.svc.DeleteSnapshot(ctx, project, name, snap)
		})
}

package migration

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// Moves and copies between cluster members use the same migration
// between the members' own APIs, authenticated with the cluster
// certificate (as LXD 5.0.2 does for instances on local storage): the
// source member offers the instance, the target member pulls it.

// Cluster is what moves between members need from the clustering layer.
type Cluster interface {
	// Self is this member's name and cluster address; ok is false when
	// the server is not clustered.
	Self() (name, address string, ok bool)
	// Member returns a client (presenting the cluster certificate, no
	// request timeout) for a member, and its address.
	Member(ctx context.Context, name string) (*client.Client, string, error)
	// Certificate is the cluster certificate (PEM) members present.
	Certificate() string
}

// instanceCreate is POST /1.0/instances with the websocket secrets of a
// migration source (api.InstanceSource does not carry them).
type instanceCreate struct {
	api.InstancesPost
	Source migrationSource `json:"source"`
}

type migrationSource struct {
	api.InstanceSource
	Websockets map[string]string `json:"secrets,omitempty"`
}

// moveTemporaryName is the name the copy has on the target member until
// the source is gone (instance names are unique in a project).
func moveTemporaryName() string { return "lxd-move-of-" + uuid.NewString() }

// MoveToMember moves an instance to another member (POST
// /1.0/instances/<name>?target=<member> {"migration": true}, on the member
// holding it): the target member pulls a copy under a temporary name, the
// source is deleted and the copy takes the name (newName when given).
func (s *Service) MoveToMember(ctx context.Context, project, name, newName, member string, live bool) (*operations.Op, error) {
	if s.cluster == nil || s.instances == nil {
		return nil, api.BadRequest("This server is not clustered")
	}
	self, selfAddr, ok := s.cluster.Self()
	if !ok {
		return nil, api.BadRequest("This server is not clustered")
	}
	if member == self {
		return nil, api.BadRequest("Instance %q is already on cluster member %q", name, member)
	}
	if newName == "" {
		newName = name
	}
	dest, _, err := s.cluster.Member(ctx, member)
	if err != nil {
		return nil, fmt.Errorf("Failed to get target node: %w", err)
	}
	if _, err := s.instances.Export(ctx, project, name, false, live); err != nil {
		return nil, err
	}
	dest = dest.WithProject(project)
	spec := operations.Spec{Project: project, Description: "Migrating instance", Resources: instanceResources(project, name)}
	return s.start(ctx, spec, nil, func(ctx context.Context, op *operations.Op) error {
		tmp := moveTemporaryName()
		if err := s.pushToMember(ctx, dest, project, name, tmp, selfAddr); err != nil {
			return err
		}
		if err := s.instances.Delete(ctx, project, name); err != nil {
			return fmt.Errorf("Failed deleting the source instance after the move: %w", err)
		}
		rename, err := dest.Do(ctx, http.MethodPost, "/1.0/instances/"+url.PathEscape(tmp), api.InstancePost{Name: newName}, "")
		if err != nil {
			return fmt.Errorf("Failed renaming the moved instance: %w", err)
		}
		return rename.Wait(ctx)
	})
}

// pushToMember has dest create tmp as a copy of name, pulled from this
// member. The copy keeps the source's config, volatile keys included.
func (s *Service) pushToMember(ctx context.Context, dest *client.Client, project, name, tmp, selfAddr string) error {
	inst, _, err := s.instances.Get(ctx, project, name)
	if err != nil {
		return err
	}
	srcOp, err := s.MigrateInstance(ctx, project, name, InstanceSourceRequest{})
	if err != nil {
		return err
	}
	req := instanceCreate{InstancesPost: api.InstancesPost{Name: tmp, Type: inst.Type, InstancePut: inst.Writable()}}
	req.Source = migrationSource{InstanceSource: api.InstanceSource{Type: "migration", Mode: "pull",
		Operation: "https://" + selfAddr + srcOp.URL(), Certificate: s.cluster.Certificate()}}
	req.Source.Websockets = stringMap(srcOp.Metadata())
	target, err := dest.Do(ctx, http.MethodPost, "/1.0/instances", req, "")
	if err == nil {
		err = target.Wait(ctx)
	}
	if err != nil {
		_ = srcOp.Cancel()
		return err
	}
	return srcOp.Wait(ctx)
}

func stringMap(md map[string]any) map[string]string {
	out := make(map[string]string, len(md))
	for k, v := range md {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// CopyFromMember handles a copy whose source instance lives on another
// member (POST /1.0/instances {"source": {"type": "copy"}} on the target
// member): the source member offers the instance and this member pulls
// it, as a migration. handled is false when the source is local (or the
// server not clustered): the ordinary copy runs.
func (s *Service) CopyFromMember(ctx context.Context, project string, req api.InstancesPost) (*operations.Op, bool, error) {
	if s.cluster == nil || s.instances == nil || req.Source.Source == "" {
		return nil, false, nil
	}
	self, _, ok := s.cluster.Self()
	if !ok {
		return nil, false, nil
	}
	srcProject := req.Source.Project
	if srcProject == "" {
		srcProject = project
	}
	srcName, snap, _ := strings.Cut(req.Source.Source, "/")
	inst, _, err := s.instances.Get(ctx, srcProject, srcName)
	if err != nil || inst.Location == "" || inst.Location == self {
		return nil, false, nil
	}
	src, srcAddr, err := s.cluster.Member(ctx, inst.Location)
	if err != nil {
		return nil, true, err
	}
	instanceOnly := req.Source.InstanceOnly || req.Source.ContainerOnly
	path := "/1.0/instances/" + url.PathEscape(srcName)
	var body any = api.InstancePost{Migration: true, InstanceOnly: instanceOnly, ContainerOnly: instanceOnly}
	if snap != "" {
		path += "/snapshots/" + url.PathEscape(snap)
		body = map[string]any{"migration": true, "target": nil}
	}
	srcOp, err := src.WithProject(srcProject).Do(ctx, http.MethodPost, path, body, "")
	if err != nil {
		return nil, true, err
	}
	req.Source = api.InstanceSource{Type: "migration", Mode: "pull", Operation: "https://" + srcAddr + "/1.0/operations/" + srcOp.ID,
		Certificate: s.cluster.Certificate(), InstanceOnly: instanceOnly, ContainerOnly: instanceOnly, BaseImage: req.Source.BaseImage}
	op, err := s.ReceiveInstance(ctx, project, req, stringMap(srcOp.Metadata))
	if err != nil {
		_ = srcOp.Cancel(context.WithoutCancel(ctx))
	}
	return op, true, err
}

package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/instances"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// InstanceService is what the instance endpoints need from the instance
// service (daemon/instances.Service).
type InstanceService interface {
	List(ctx context.Context, o instances.ListOpts) ([]api.Instance, error)
	ListFull(ctx context.Context, o instances.ListOpts) ([]api.InstanceFull, error)
	Get(ctx context.Context, project, name string) (api.Instance, any, error)
	GetFull(ctx context.Context, project, name string) (api.InstanceFull, any, error)
	State(ctx context.Context, project, name string) (api.InstanceState, error)
	PrepareCreate(ctx context.Context, project string, req api.InstancesPost) (*instances.CreateJob, error)
	ChangeState(ctx context.Context, project, name string, c instances.StateChange, progress func(map[string]any)) error
	Update(ctx context.Context, project, name string, put api.InstancePut) error
	UpdateDescription(ctx context.Context, project, name, description string) error
	Restore(ctx context.Context, project, name, snap string, stateful bool) error
	CheckRename(ctx context.Context, project, name, newName string) error
	Rename(ctx context.Context, project, name, newName string) error
	MovePool(ctx context.Context, project, name string, req instances.MovePoolRequest, progress func(map[string]any)) error
	CheckDelete(ctx context.Context, project, name string) error
	Delete(ctx context.Context, project, name string) error

	SnapshotNames(ctx context.Context, project, name string) ([]string, error)
	Snapshots(ctx context.Context, project, name string) ([]api.InstanceSnapshot, error)
	Snapshot(ctx context.Context, project, name, snap string) (api.InstanceSnapshot, any, error)
	PrepareSnapshot(ctx context.Context, project, name string, req instances.SnapshotRequest) error
	CreateSnapshot(ctx context.Context, project, name string, req instances.SnapshotRequest) error
	RenameSnapshot(ctx context.Context, project, name, snap, newName string) error
	UpdateSnapshot(ctx context.Context, project, name, snap string, put api.InstanceSnapshotPut) error
	DeleteSnapshot(ctx context.Context, project, name, snap string) error
}

type instanceHandlers struct {
	svc       InstanceService
	ops       *operations.Registry
	migration MigrationService
	// base is "/1.0/instances" or, for the alias, "/1.0/containers": the
	// prefix of the URLs lists answer with.
	base string
}

// instanceRoutes mounts /1.0/instances and its /1.0/containers alias. The
// patterns are flat so the per-instance I/O endpoints can sit beside them.
func instanceRoutes(r chi.Router, d Deps) {
	if d.InstanceService == nil {
		return
	}
	for _, base := range []string{"instances", "containers"} {
		x := instanceHandlers{svc: d.InstanceService, ops: d.Ops, migration: d.Migration, base: "/1.0/" + base}
		p := "/" + base
		r.Get(p, h(trustedOnly, x.list))
		r.Post(p, h(trustedOnly, x.create))
		r.Get(p+"/{name}", h(trustedOnly, x.get))
		r.Put(p+"/{name}", h(trustedOnly, x.put))
		r.Patch(p+"/{name}", h(trustedOnly, x.patch))
		r.Post(p+"/{name}", h(trustedOnly, x.rename))
		r.Delete(p+"/{name}", h(trustedOnly, x.delete))
		r.Get(p+"/{name}/state", h(trustedOnly, x.getState))
		r.Put(p+"/{name}/state", h(trustedOnly, x.putState))
		r.Get(p+"/{name}/snapshots", h(trustedOnly, x.listSnapshots))
		r.Post(p+"/{name}/snapshots", h(trustedOnly, x.createSnapshot))
		r.Get(p+"/{name}/snapshots/{snap}", h(trustedOnly, x.getSnapshot))
		r.Put(p+"/{name}/snapshots/{snap}", h(trustedOnly, x.putSnapshot))
		r.Patch(p+"/{name}/snapshots/{snap}", h(trustedOnly, x.patchSnapshot))
		r.Post(p+"/{name}/snapshots/{snap}", h(trustedOnly, x.renameSnapshot))
		r.Delete(p+"/{name}/snapshots/{snap}", h(trustedOnly, x.deleteSnapshot))
		r.Get(p+"/{name}/backups", h(trustedOnly, x.listBackups))
		r.Post(p+"/{name}/backups", h(trustedOnly, x.createBackup))
	}
}

// projectSuffix is the ?project= LXD appends to URLs outside default.
func projectSuffix(project string) string {
	if project == "" || project == "default" {
		return ""
	}
	return "?project=" + url.QueryEscape(project)
}

// instanceResources lists instances as operations name them: under both
// /1.0/containers and /1.0/instances.
func instOpResources(project string, names ...string) map[string][]string {
	out := map[string][]string{"containers": {}, "instances": {}}
	for _, n := range names {
		out["containers"] = append(out["containers"], "/1.0/containers/"+n+projectSuffix(project))
		out["instances"] = append(out["instances"], "/1.0/instances/"+n+projectSuffix(project))
	}
	return out
}

// startOp runs fn as an operation carrying the caller's identity.
func (x instanceHandlers) startOp(w http.ResponseWriter, r *http.Request, project, desc string, res map[string][]string, fn func(ctx context.Context, op *operations.Op) error) error {
	who := request.From(r.Context())
	op, err := x.ops.Start(r.Context(), operations.Spec{Project: project, Description: desc, Resources: res},
		func(ctx context.Context, op *operations.Op) error { return fn(request.With(ctx, who), op) })
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (x instanceHandlers) listOpts(r *http.Request) (instances.ListOpts, error) {
	if allProjects(r) {
		who := request.From(r.Context())
		o := instances.ListOpts{AllProjects: true}
		if who.Restricted {
			o.Projects = append([]string{}, who.Projects...)
		}
		return o, nil
	}
	project, err := projectParam(r)
	return instances.ListOpts{Project: project}, err
}

func (x instanceHandlers) list(w http.ResponseWriter, r *http.Request) error {
	o, err := x.listOpts(r)
	if err != nil {
		return err
	}
	filter := r.URL.Query().Get("filter")
	if recursion(r) == 2 {
		full, err := x.svc.ListFull(r.Context(), o)
		if err != nil {
			return err
		}
		full, err = filterList(full, filter)
		if err != nil {
			return err
		}
		return renderSync(w, full, nil)
	}
	o.NoState = recursion(r) == 0 && filter == ""
	list, err := x.svc.List(r.Context(), o)
	if err != nil {
		return err
	}
	if list, err = filterList(list, filter); err != nil {
		return err
	}
	if recursion(r) == 1 {
		return renderSync(w, list, nil)
	}
	urls := make([]string, 0, len(list))
	for _, i := range list {
		urls = append(urls, x.base+"/"+i.Name+projectSuffix(i.Project))
	}
	return renderSync(w, urls, nil)
}

func (x instanceHandlers) create(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req api.InstancesPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Source.Type == "migration" {
		return x.receiveInstance(w, r, project, req, body)
	}
	if req.Source.Type == "copy" {
		if handled, err := x.copyFromMember(w, r, project, req); handled {
			return err
		}
	}
	job, err := x.svc.PrepareCreate(r.Context(), project, req)
	if err != nil {
		return err
	}
	return x.startOp(w, r, project, "Creating instance", instOpResources(project, job.Resources...),
		func(ctx context.Context, op *operations.Op) error { return job.Run(ctx, op.SetMetadata) })
}

func (x instanceHandlers) get(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	if recursion(r) > 0 {
		full, etag, err := x.svc.GetFull(r.Context(), project, name)
		if err != nil {
			return err
		}
		return renderSync(w, full, etag)
	}
	inst, etag, err := x.svc.Get(r.Context(), project, name)
	if err != nil {
		return err
	}
	return renderSync(w, inst, etag)
}

func (x instanceHandlers) put(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	_, etag, err := x.svc.Get(r.Context(), project, name)
	if err != nil {
		return err
	}
	if err := checkETag(r, etag); err != nil {
		return err
	}
	var put api.InstancePut
	if err := decodeJSON(r, &put); err != nil {
		return err
	}
	res := instOpResources(project, name)
	if put.Restore != "" {
		return x.startOp(w, r, project, "Restoring snapshot", res, func(ctx context.Context, op *operations.Op) error {
			return x.svc.Restore(ctx, project, name, put.Restore, put.Stateful)
		})
	}
	return x.startOp(w, r, project, "Updating instance", res, func(ctx context.Context, op *operations.Op) error {
		return x.svc.Update(ctx, project, name, put)
	})
}

func (x instanceHandlers) rename(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	req, target, err := decodeInstancePost(r)
	if err != nil {
		return err
	}
	if req.Migration {
		return x.migrateInstance(w, r, project, name, req, target)
	}
	if req.Pool != "" || (req.Project != "" && req.Project != project) || (req.Target != nil && *req.Target != "") {
		return api.BadRequest("Instance migration is not supported yet")
	}
	if err := x.svc.CheckRename(r.Context(), project, name, req.Name); err != nil {
		return err
	}
	return x.startOp(w, r, project, "Renaming instance", instOpResources(project, name),
		func(ctx context.Context, op *operations.Op) error { return x.svc.Rename(ctx, project, name, req.Name) })
}

func (x instanceHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	if err := x.svc.CheckDelete(r.Context(), project, name); err != nil {
		return err
	}
	return x.startOp(w, r, project, "Deleting instance", instOpResources(project, name),
		func(ctx context.Context, op *operations.Op) error { return x.svc.Delete(ctx, project, name) })
}

// listBackups answers the backup list `lxc info` asks for: this server
// keeps no instance backups, so it is always empty.
func (x instanceHandlers) listBackups(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	if _, _, err := x.svc.Get(r.Context(), project, PathParam(r, "name")); err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, []any{}, nil)
	}
	return renderSync(w, []string{}, nil)
}

func (x instanceHandlers) createBackup(w http.ResponseWriter, r *http.Request) error {
	return api.BadRequest("Instance backups are not supported by this server yet")
}

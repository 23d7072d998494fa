package api

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/events"
	"github.com/lxdng/lxd/daemon/instances/rootfs"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// instanceIO serves the per-instance I/O endpoints: exec, console, files,
// logs, metadata and templates.
type instanceIO struct {
	src    InstanceSource
	ops    *operations.Registry
	events *events.Hub
}

// instanceIORoutes mounts the per-instance I/O endpoints. They use full
// patterns so they sit next to the instance service's own /instances
// routes in the same router.
func instanceIORoutes(r chi.Router, d Deps) {
	if d.Instances == nil {
		return
	}
	x := instanceIO{src: d.Instances, ops: d.Ops, events: d.Events}
	r.Post("/instances/{name}/exec", h(trustedOnly, x.exec))
	r.Post("/instances/{name}/console", h(trustedOnly, x.consoleAttach))
	r.Get("/instances/{name}/console", h(trustedOnly, x.consoleLog))
	r.Delete("/instances/{name}/console", h(trustedOnly, x.consoleLogClear))
	r.Get("/instances/{name}/files", h(trustedOnly, x.fileGet))
	r.Head("/instances/{name}/files", h(trustedOnly, x.fileHead))
	r.Post("/instances/{name}/files", h(trustedOnly, x.filePost))
	r.Delete("/instances/{name}/files", h(trustedOnly, x.fileDelete))
	r.Get("/instances/{name}/logs", h(trustedOnly, x.logList))
	r.Get("/instances/{name}/logs/{file}", h(trustedOnly, x.logGet))
	r.Delete("/instances/{name}/logs/{file}", h(trustedOnly, x.logDelete))
	r.Get("/instances/{name}/metadata", h(trustedOnly, x.metadataGet))
	r.Put("/instances/{name}/metadata", h(trustedOnly, x.metadataPut))
	r.Patch("/instances/{name}/metadata", h(trustedOnly, x.metadataPatch))
	r.Get("/instances/{name}/metadata/templates", h(trustedOnly, x.templateGet))
	r.Post("/instances/{name}/metadata/templates", h(trustedOnly, x.templatePost))
	r.Delete("/instances/{name}/metadata/templates", h(trustedOnly, x.templateDelete))
}

// load returns the instance named in the path, in the request's project.
func (x instanceIO) load(r *http.Request) (*InstanceHandle, error) {
	project, err := projectParam(r)
	if err != nil {
		return nil, err
	}
	return x.src.Instance(r.Context(), project, PathParam(r, "name"))
}

// requireRunning answers LXD's 400s for exec and console on an instance
// that does not run, from the status the handle was loaded with (the
// driver refuses a command in a container that stopped since).
func requireRunning(inst *InstanceHandle) error {
	switch inst.Status {
	case api.Running:
		return nil
	case api.Frozen:
		return api.BadRequest("Instance is frozen")
	}
	return api.BadRequest("Instance is not running")
}

// instanceURL is the API path of an instance (plus suffix), with
// ?project= outside the default project, as LXD writes sources.
func instanceURL(inst *InstanceHandle, suffix string) string {
	u := "/1.0/instances/" + url.PathEscape(inst.Ref.Name) + suffix
	if inst.Ref.Project != "" && inst.Ref.Project != "default" {
		u += "?project=" + url.QueryEscape(inst.Ref.Project)
	}
	return u
}

// instanceResources are the operation resources of an instance.
func instanceResources(inst *InstanceHandle) map[string][]string {
	suffix := ""
	if inst.Ref.Project != "" && inst.Ref.Project != "default" {
		suffix = "?project=" + url.QueryEscape(inst.Ref.Project)
	}
	name := url.PathEscape(inst.Ref.Name)
	return map[string][]string{
		"containers": {"/1.0/containers/" + name + suffix},
		"instances":  {"/1.0/instances/" + name + suffix},
	}
}

// lifecycle publishes an instance lifecycle event. who is nil where LXD
// sends no requestor (exec, files, console).
func (x instanceIO) lifecycle(inst *InstanceHandle, action, source string, ctx map[string]any, who *request.Requestor) {
	if x.events == nil {
		return
	}
	e := api.EventLifecycle{Action: action, Source: source, Context: ctx}
	if who != nil {
		e.Requestor = who.Lifecycle()
	}
	x.events.PublishLifecycle(inst.Ref.Project, e)
}

// openRoot mounts the instance volume and opens its root filesystem for
// confined access; release undoes both and must always be called.
func openRoot(ctx context.Context, inst *InstanceHandle, sub string) (*rootfs.Root, func(), error) {
	vol, release, err := inst.MountVolume(ctx)
	if err != nil {
		return nil, nil, err
	}
	// Rootfs trees are stored unshifted (idmapped mounts): on-disk ids are
	// the container's ids.
	root, err := rootfs.Open(filepath.Join(vol, sub), rootfs.IDMap{})
	if err != nil {
		release()
		return nil, nil, err
	}
	return root, func() { root.Close(); release() }, nil
}

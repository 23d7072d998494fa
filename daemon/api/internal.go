package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/shared/api"
)

type internalHandlers struct {
	life  Lifecycle
	hooks InstanceHooks
}

// InstanceHooks is what the driver's hooks report to (`lxd callhook`).
type InstanceHooks interface {
	OnStop(ctx context.Context, project, name, target string)
	// OnStopNS runs while the stop hook waits, with the dying
	// instance's network namespace (a /proc path the hook keeps open).
	OnStopNS(ctx context.Context, project, name, netns string)
}

// internalRoutes are the daemon's own control endpoints, reachable on the
// unix socket only (lxd waitready / shutdown / sql).
func internalRoutes(r chi.Router, d Deps) {
	i := internalHandlers{life: d.Lifecycle, hooks: d.InstanceHooks}
	r.Get("/ready", h(localOnly, i.ready))
	r.Put("/shutdown", h(localOnly, i.shutdown))
	r.Post("/sql", h(localOnly, i.sql))
	r.Get("/containers/{project}/{name}/onstop", h(localOnly, i.onStop))
	r.Get("/containers/{project}/{name}/onstopns", h(localOnly, i.onStopNS))
}

// onStopNS is called by the stop hook of a container, before its
// namespaces are gone; it answers once the work is done.
func (i internalHandlers) onStopNS(w http.ResponseWriter, r *http.Request) error {
	if i.hooks == nil {
		return api.NotFound("not found")
	}
	i.hooks.OnStopNS(r.Context(), PathParam(r, "project"), PathParam(r, "name"), r.URL.Query().Get("netns"))
	return renderEmpty(w)
}

// onStop is called by the post-stop hook of a container; it answers at
// once (the hook blocks the container's runtime).
func (i internalHandlers) onStop(w http.ResponseWriter, r *http.Request) error {
	if i.hooks == nil {
		return api.NotFound("not found")
	}
	i.hooks.OnStop(r.Context(), PathParam(r, "project"), PathParam(r, "name"), r.URL.Query().Get("target"))
	return renderEmpty(w)
}

func (i internalHandlers) ready(w http.ResponseWriter, r *http.Request) error {
	if !i.life.Ready() {
		return api.Unavailable("LXD daemon not ready yet")
	}
	return renderEmpty(w)
}

func (i internalHandlers) shutdown(w http.ResponseWriter, r *http.Request) error {
	if err := i.life.Shutdown(r.Context()); err != nil {
		return err
	}
	return renderEmpty(w)
}

// SQLRequest is the body of POST /internal/sql.
type SQLRequest struct {
	Database string `json:"database"`
	Query    string `json:"query"`
}

func (i internalHandlers) sql(w http.ResponseWriter, r *http.Request) error {
	var req SQLRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	out, err := i.life.SQL(r.Context(), req.Database, req.Query)
	if err != nil {
		return err
	}
	return renderSync(w, out, nil)
}

package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// ProjectService is what the project handlers need.
type ProjectService interface {
	List(ctx context.Context) ([]api.Project, error)
	Get(ctx context.Context, name string) (api.Project, error)
	Create(ctx context.Context, req api.ProjectsPost) error
	Update(ctx context.Context, name string, put api.ProjectPut) error
	CheckRename(ctx context.Context, name string) error
	Rename(ctx context.Context, name, newName string) error
	Delete(ctx context.Context, name string) error
	State(ctx context.Context, name string) (api.ProjectState, error)
}

type projectHandlers struct {
	projects ProjectService
	ops      *operations.Registry
}

func projectRoutes(r chi.Router, d Deps) {
	if d.Projects == nil {
		return
	}
	p := projectHandlers{d.Projects, d.Ops}
	r.Get("/projects", h(trustedOnly, p.list))
	r.Post("/projects", h(adminOnly, p.create))
	r.Get("/projects/{name}", h(trustedOnly, p.get))
	r.Put("/projects/{name}", h(adminOnly, p.put))
	r.Patch("/projects/{name}", h(adminOnly, p.patch))
	r.Post("/projects/{name}", h(adminOnly, p.rename))
	r.Delete("/projects/{name}", h(adminOnly, p.delete))
	r.Get("/projects/{name}/state", h(trustedOnly, p.state))
}

func projectURL(name string) string { return "/1.0/projects/" + url.PathEscape(name) }

// etagProject is the tuple LXD hashes for a project's ETag.
func etagProject(p api.Project) []any { return []any{p.Description, p.Config} }

func (p projectHandlers) list(w http.ResponseWriter, r *http.Request) error {
	all, err := p.projects.List(r.Context())
	if err != nil {
		return err
	}
	who := request.From(r.Context())
	visible := make([]api.Project, 0, len(all))
	for _, pr := range all {
		if who.CanAccessProject(pr.Name) {
			visible = append(visible, pr)
		}
	}
	return renderList(w, r, visible, func(pr api.Project) string { return projectURL(pr.Name) })
}

func (p projectHandlers) get(w http.ResponseWriter, r *http.Request) error {
	name := PathParam(r, "name")
	if err := request.From(r.Context()).CheckProject(name); err != nil {
		return err
	}
	pr, err := p.projects.Get(r.Context(), name)
	if err != nil {
		return err
	}
	return renderSync(w, pr, etagProject(pr))
}

func (p projectHandlers) create(w http.ResponseWriter, r *http.Request) error {
	// An absent config gets LXD's default features, an explicit null
	// none (LXD 5.0.2 behaves so).
	req := api.ProjectsPost{ProjectPut: api.ProjectPut{Config: map[string]string{}}}
	if err := decodeProfileJSON(r, &req); err != nil {
		return err
	}
	if err := p.projects.Create(r.Context(), req); err != nil {
		return err
	}
	return renderCreated(w, projectURL(req.Name))
}

func (p projectHandlers) put(w http.ResponseWriter, r *http.Request) error {
	name := PathParam(r, "name")
	cur, err := p.projects.Get(r.Context(), name)
	if err != nil {
		return err
	}
	if err := checkETag(r, etagProject(cur)); err != nil {
		return err
	}
	var put api.ProjectPut
	if err := decodeProfileJSON(r, &put); err != nil {
		return err
	}
	if err := p.projects.Update(r.Context(), name, put); err != nil {
		return err
	}
	return renderEmpty(w)
}

// patch merges the body's config keys into the project's (LXD 5.0.2
// replaces the whole config on PATCH, dropping feature flags; merging is
// what PATCH means everywhere else) and sets the description when given.
func (p projectHandlers) patch(w http.ResponseWriter, r *http.Request) error {
	name := PathParam(r, "name")
	cur, err := p.projects.Get(r.Context(), name)
	if err != nil {
		return err
	}
	if err := checkETag(r, etagProject(cur)); err != nil {
		return err
	}
	var raw struct {
		Config      map[string]string `json:"config"`
		Description *string           `json:"description"`
	}
	if err := decodeJSON(r, &raw); err != nil {
		return err
	}
	cfg := map[string]string{}
	for k, v := range cur.Config {
		cfg[k] = v
	}
	for k, v := range raw.Config {
		if v == "" {
			delete(cfg, k)
			continue
		}
		cfg[k] = v
	}
	put := api.ProjectPut{Config: cfg, Description: cur.Description}
	if raw.Description != nil {
		put.Description = *raw.Description
	}
	if err := p.projects.Update(r.Context(), name, put); err != nil {
		return err
	}
	return renderEmpty(w)
}

// rename runs as an operation, as in LXD; only the default project is
// refused synchronously.
func (p projectHandlers) rename(w http.ResponseWriter, r *http.Request) error {
	name := PathParam(r, "name")
	var req api.ProjectPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := p.projects.CheckRename(r.Context(), name); err != nil {
		return err
	}
	who := request.From(r.Context())
	op, err := p.ops.Start(r.Context(), operations.Spec{Description: "Renaming project"},
		func(ctx context.Context, op *operations.Op) error {
			return p.projects.Rename(request.With(ctx, who), name, req.Name)
		})
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (p projectHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	if err := p.projects.Delete(r.Context(), PathParam(r, "name")); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (p projectHandlers) state(w http.ResponseWriter, r *http.Request) error {
	name := PathParam(r, "name")
	if err := request.From(r.Context()).CheckProject(name); err != nil {
		return err
	}
	st, err := p.projects.State(r.Context(), name)
	if err != nil {
		return err
	}
	return renderSync(w, st, nil)
}

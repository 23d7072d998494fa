package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// ProjectReader lists and loads projects.
type ProjectReader interface {
	List(ctx context.Context) ([]api.Project, error)
	Get(ctx context.Context, name string) (api.Project, error)
}

type projectReadHandlers struct{ projects ProjectReader }

func projectRoutes(r chi.Router, d Deps) {
	if d.Projects == nil {
		return
	}
	p := projectReadHandlers{d.Projects}
	r.Get("/projects", h(trustedOnly, p.list))
	r.Get("/projects/{name}", h(trustedOnly, p.get))
}

func (p projectReadHandlers) list(w http.ResponseWriter, r *http.Request) error {
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
	if visible, err = filterList(visible, r.URL.Query().Get("filter")); err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, visible, nil)
	}
	urls := make([]string, 0, len(visible))
	for _, pr := range visible {
		urls = append(urls, "/1.0/projects/"+pr.Name)
	}
	return renderSync(w, urls, nil)
}

func (p projectReadHandlers) get(w http.ResponseWriter, r *http.Request) error {
	name := PathParam(r, "name")
	if err := request.From(r.Context()).CheckProject(name); err != nil {
		return err
	}
	pr, err := p.projects.Get(r.Context(), name)
	if err != nil {
		return err
	}
	return renderSync(w, pr, []any{pr.Description, pr.Config})
}

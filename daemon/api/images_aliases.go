package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// ImageAliasService is what the alias handlers need.
type ImageAliasService interface {
	Aliases(ctx context.Context, project string, publicOnly bool) ([]api.ImageAliasesEntry, error)
	Alias(ctx context.Context, project, name string, publicOnly bool) (api.ImageAliasesEntry, error)
	CreateAlias(ctx context.Context, project string, req api.ImageAliasesPost) error
	UpdateAlias(ctx context.Context, project, name string, put api.ImageAliasesEntryPut) error
	RenameAlias(ctx context.Context, project, name, newName string) error
	DeleteAlias(ctx context.Context, project, name string) error
}

type aliasHandlers struct{ aliases ImageAliasService }

func aliasRoutes(r chi.Router, s ImageAliasService) {
	a := aliasHandlers{s}
	r.Get("/images/aliases", h(trustedOnly, a.list))
	r.Post("/images/aliases", h(trustedOnly, a.create))
	r.Get("/images/aliases/{name}", h(untrusted, a.get))
	r.Put("/images/aliases/{name}", h(trustedOnly, a.put))
	r.Patch("/images/aliases/{name}", h(trustedOnly, a.patch))
	r.Post("/images/aliases/{name}", h(trustedOnly, a.rename))
	r.Delete("/images/aliases/{name}", h(trustedOnly, a.delete))
}

// aliasURLFor is an alias's URL in lists and Location headers (no
// ?project=, as in LXD 5.0.2).
func aliasURLFor(name, project string) string { return "/1.0/images/aliases/" + url.PathEscape(name) }

func (a aliasHandlers) list(w http.ResponseWriter, r *http.Request) error {
	project, err := imageProjectParam(r)
	if err != nil {
		return err
	}
	list, err := a.aliases.Aliases(r.Context(), project, false)
	if err != nil {
		return err
	}
	return renderList(w, r, list, func(al api.ImageAliasesEntry) string { return aliasURLFor(al.Name, project) })
}

func (a aliasHandlers) get(w http.ResponseWriter, r *http.Request) error {
	project, err := imageProjectParam(r)
	if err != nil {
		return err
	}
	al, err := a.aliases.Alias(r.Context(), project, PathParam(r, "name"), !request.From(r.Context()).Trusted)
	if err != nil {
		return err
	}
	return renderSync(w, al, al)
}

func (a aliasHandlers) create(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.ImageAliasesPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.aliases.CreateAlias(r.Context(), project, req); err != nil {
		return err
	}
	return renderCreated(w, aliasURLFor(req.Name, project))
}

func (a aliasHandlers) put(w http.ResponseWriter, r *http.Request) error {
	return a.update(w, r, false)
}

func (a aliasHandlers) patch(w http.ResponseWriter, r *http.Request) error {
	return a.update(w, r, true)
}

// update applies PUT or PATCH (fields present replace the current ones).
func (a aliasHandlers) update(w http.ResponseWriter, r *http.Request, partial bool) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	current, err := a.aliases.Alias(r.Context(), project, name, false)
	if err != nil {
		return err
	}
	if err := checkETag(r, current); err != nil {
		return err
	}
	put := api.ImageAliasesEntryPut{}
	if partial {
		put = current.ImageAliasesEntryPut
		fields := map[string]json.RawMessage{}
		if err := decodeJSON(r, &fields); err != nil {
			return err
		}
		for key, raw := range fields {
			var err error
			switch key {
			case "target":
				err = json.Unmarshal(raw, &put.Target)
			case "description":
				err = json.Unmarshal(raw, &put.Description)
			}
			if err != nil {
				return api.BadRequest("%s", err.Error())
			}
		}
	} else if err := decodeJSON(r, &put); err != nil {
		return err
	}
	if err := a.aliases.UpdateAlias(r.Context(), project, name, put); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (a aliasHandlers) rename(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.ImageAliasesEntryPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.aliases.RenameAlias(r.Context(), project, PathParam(r, "name"), req.Name); err != nil {
		return err
	}
	return renderCreated(w, aliasURLFor(req.Name, project))
}

func (a aliasHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	if err := a.aliases.DeleteAlias(r.Context(), project, PathParam(r, "name")); err != nil {
		return err
	}
	return renderEmpty(w)
}

package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/shared/api"
)

// ProfileService is what the profile handlers need. project is the
// request's ?project=; the service maps it to the project holding its
// profiles and returns that one where URLs depend on it.
type ProfileService interface {
	List(ctx context.Context, project string) (string, []api.Profile, error)
	Get(ctx context.Context, project, name string) (string, api.Profile, error)
	Create(ctx context.Context, project string, req api.ProfilesPost) (string, error)
	Update(ctx context.Context, project, name string, put api.ProfilePut) error
	Rename(ctx context.Context, project, name, newName string) (string, error)
	Delete(ctx context.Context, project, name string) error
}

type profileHandlers struct{ profiles ProfileService }

func profileRoutes(r chi.Router, d Deps) {
	if d.Profiles == nil {
		return
	}
	p := profileHandlers{d.Profiles}
	r.Get("/profiles", h(trustedOnly, p.list))
	r.Post("/profiles", h(trustedOnly, p.create))
	r.Get("/profiles/{name}", h(trustedOnly, p.get))
	r.Put("/profiles/{name}", h(trustedOnly, p.put))
	r.Patch("/profiles/{name}", h(trustedOnly, p.patch))
	r.Post("/profiles/{name}", h(trustedOnly, p.rename))
	r.Delete("/profiles/{name}", h(trustedOnly, p.delete))
}

// profileURL is a profile's URL with LXD's ?project= suffix.
func profileURL(project, name string) string {
	u := "/1.0/profiles/" + url.PathEscape(name)
	if project != "default" {
		u += "?project=" + url.QueryEscape(project)
	}
	return u
}

// etagProfile is the tuple LXD hashes for a profile's ETag.
func etagProfile(p api.Profile) []any { return []any{p.Config, p.Description, p.Devices} }

// decodeProfileJSON decodes like decodeJSON, naming struct fields as LXD's
// decoder does (its types do not show the embedded ProfilePut).
func decodeProfileJSON(r *http.Request, v any) error {
	if err := decodeJSON(r, v); err != nil {
		msg := strings.NewReplacer(".ProfilePut.", ".", ".ProjectPut.", ".").Replace(err.Error())
		return api.NewStatusError(api.StatusOf(err), "%s", msg)
	}
	return nil
}

func (p profileHandlers) list(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	eff, all, err := p.profiles.List(r.Context(), project)
	if err != nil {
		return err
	}
	return renderList(w, r, all, func(pr api.Profile) string { return profileURL(eff, pr.Name) })
}

func (p profileHandlers) get(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	_, pr, err := p.profiles.Get(r.Context(), project, PathParam(r, "name"))
	if err != nil {
		return err
	}
	return renderSync(w, pr, etagProfile(pr))
}

func (p profileHandlers) create(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.ProfilesPost
	if err := decodeProfileJSON(r, &req); err != nil {
		return err
	}
	location, err := p.profiles.Create(r.Context(), project, req)
	if err != nil {
		return err
	}
	return renderCreated(w, location)
}

// current loads a profile for PUT/PATCH and checks If-Match against it.
func (p profileHandlers) current(r *http.Request, project, name string) (api.Profile, error) {
	_, pr, err := p.profiles.Get(r.Context(), project, name)
	if err != nil {
		if api.StatusOf(err) == http.StatusNotFound {
			return pr, api.NotFound("Failed to retrieve profile %q: Profile not found", name)
		}
		return pr, err
	}
	return pr, checkETag(r, etagProfile(pr))
}

func (p profileHandlers) put(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	if _, err := p.current(r, project, name); err != nil {
		return err
	}
	var put api.ProfilePut
	if err := decodeProfileJSON(r, &put); err != nil {
		return err
	}
	if err := p.profiles.Update(r.Context(), project, name, put); err != nil {
		return err
	}
	return renderEmpty(w)
}

// patch merges the body into the profile: config keys one by one (an
// empty value removes the key), devices whole by name, description when
// present.
func (p profileHandlers) patch(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	name := PathParam(r, "name")
	cur, err := p.current(r, project, name)
	if err != nil {
		if api.StatusOf(err) == http.StatusNotFound {
			return api.NotFound("Failed to retrieve profile=%q: Profile not found", name)
		}
		return err
	}
	var raw struct {
		Config      map[string]string            `json:"config"`
		Description *string                      `json:"description"`
		Devices     map[string]map[string]string `json:"devices"`
	}
	if err := decodeJSON(r, &raw); err != nil {
		return err
	}
	for k, v := range raw.Config {
		cur.Config[k] = v
	}
	for k, v := range raw.Devices {
		cur.Devices[k] = v
	}
	if raw.Description != nil {
		cur.Description = *raw.Description
	}
	if err := p.profiles.Update(r.Context(), project, name, cur.ProfilePut); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (p profileHandlers) rename(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.ProfilePost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	location, err := p.profiles.Rename(r.Context(), project, PathParam(r, "name"), req.Name)
	if err != nil {
		return err
	}
	return renderCreated(w, location)
}

func (p profileHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	if err := p.profiles.Delete(r.Context(), project, PathParam(r, "name")); err != nil {
		return err
	}
	return renderEmpty(w)
}

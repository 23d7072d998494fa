package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/images"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// ImageService is what the image and alias handlers need
// (daemon/images.Service).
type ImageService interface {
	List(ctx context.Context, project string, allProjects, publicOnly bool) ([]api.Image, error)
	Get(ctx context.Context, project, fp string, publicOnly bool) (api.Image, error)
	ValidSecret(ctx context.Context, project, fp, secret string) bool
	Update(ctx context.Context, project, fp string, put api.ImagePut) error
	Delete(ctx context.Context, project, fp string) (*operations.Op, error)
	Upload(ctx context.Context, req images.UploadRequest) (*operations.Op, error)
	Create(ctx context.Context, project string, req api.ImagesPost) (*operations.Op, error)
	ExportFiles(ctx context.Context, project, fp string, publicOnly bool, secret string) (images.Export, error)
	Push(ctx context.Context, project, fp string, req api.ImageExportPost) (*operations.Op, error)
	CreateSecret(ctx context.Context, project, fp string) (*operations.Op, error)
	Refresh(ctx context.Context, project, fp string) (*operations.Op, error)
	ImageAliasService
}

type imageHandlers struct{ images ImageService }

func imageRoutes(r chi.Router, d Deps) {
	if d.Images == nil {
		return
	}
	ih := imageHandlers{d.Images}
	r.Get("/images", h(untrusted, ih.list))
	r.Post("/images", h(untrusted, ih.create))
	aliasRoutes(r, d.Images)
	r.Get("/images/{fp}", h(untrusted, ih.get))
	r.Put("/images/{fp}", h(trustedOnly, ih.put))
	r.Patch("/images/{fp}", h(trustedOnly, ih.patch))
	r.Delete("/images/{fp}", h(trustedOnly, ih.delete))
	r.Get("/images/{fp}/export", h(untrusted, ih.export))
	r.Post("/images/{fp}/export", h(trustedOnly, ih.push))
	r.Post("/images/{fp}/secret", h(trustedOnly, ih.secret))
	r.Post("/images/{fp}/refresh", h(trustedOnly, ih.refresh))
}

// imageProjectParam is ?project= for image reads: trusted callers must be
// allowed the project; untrusted ones only ever see public images, of any
// project.
func imageProjectParam(r *http.Request) (string, error) {
	if !request.From(r.Context()).Trusted {
		if p := r.URL.Query().Get("project"); p != "" {
			return p, nil
		}
		return "default", nil
	}
	return projectParam(r)
}

// imageURLFor is an image's URL in lists: LXD 5.0.2 does not add
// ?project= there.
func imageURLFor(fp, project string) string { return "/1.0/images/" + fp }

func (ih imageHandlers) list(w http.ResponseWriter, r *http.Request) error {
	project, err := imageProjectParam(r)
	if err != nil {
		return err
	}
	trusted := request.From(r.Context()).Trusted
	list, err := ih.images.List(r.Context(), project, trusted && allProjects(r), !trusted)
	if err != nil {
		return err
	}
	return renderList(w, r, list, func(img api.Image) string { return imageURLFor(img.Fingerprint, project) })
}

// publicOnly says whether the caller sees only public images: untrusted
// callers do, unless they hold the image's download secret.
func (ih imageHandlers) publicOnly(r *http.Request, project, fp string) bool {
	if request.From(r.Context()).Trusted {
		return false
	}
	secret := r.URL.Query().Get("secret")
	return secret == "" || !ih.images.ValidSecret(r.Context(), project, fp, secret)
}

func (ih imageHandlers) get(w http.ResponseWriter, r *http.Request) error {
	project, err := imageProjectParam(r)
	if err != nil {
		return err
	}
	fp := PathParam(r, "fp")
	img, err := ih.images.Get(r.Context(), project, fp, ih.publicOnly(r, project, fp))
	if err != nil {
		return err
	}
	return renderSync(w, img, images.ETag(img))
}

func (ih imageHandlers) put(w http.ResponseWriter, r *http.Request) error {
	return ih.update(w, r, false)
}

func (ih imageHandlers) patch(w http.ResponseWriter, r *http.Request) error {
	return ih.update(w, r, true)
}

// update applies PUT (replace) or PATCH (merge: properties are merged key
// by key, other fields replaced when present).
func (ih imageHandlers) update(w http.ResponseWriter, r *http.Request, partial bool) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	fp := PathParam(r, "fp")
	current, err := ih.images.Get(r.Context(), project, fp, false)
	if err != nil {
		return err
	}
	if err := checkETag(r, images.ETag(current)); err != nil {
		return err
	}
	put := api.ImagePut{Properties: map[string]string{}}
	if partial {
		put = current.Writable()
		fields := map[string]json.RawMessage{}
		if err := decodeJSON(r, &fields); err != nil {
			return err
		}
		if err := patchImage(&put, fields); err != nil {
			return err
		}
	} else if err := decodeJSON(r, &put); err != nil {
		return err
	}
	if err := ih.images.Update(r.Context(), project, current.Fingerprint, put); err != nil {
		return err
	}
	return renderEmpty(w)
}

func patchImage(put *api.ImagePut, fields map[string]json.RawMessage) error {
	props := put.Properties
	for key, raw := range fields {
		var err error
		switch key {
		case "properties":
			var add map[string]string
			if err = json.Unmarshal(raw, &add); err == nil {
				merged := map[string]string{}
				for k, v := range props {
					merged[k] = v
				}
				for k, v := range add {
					merged[k] = v
				}
				put.Properties = merged
			}
		case "public":
			err = json.Unmarshal(raw, &put.Public)
		case "auto_update":
			err = json.Unmarshal(raw, &put.AutoUpdate)
		case "expires_at":
			err = json.Unmarshal(raw, &put.ExpiresAt)
		case "profiles":
			err = json.Unmarshal(raw, &put.Profiles)
		}
		if err != nil {
			return api.BadRequest("%s", err.Error())
		}
	}
	return nil
}

func (ih imageHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	op, err := ih.images.Delete(r.Context(), project, PathParam(r, "fp"))
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (ih imageHandlers) secret(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	op, err := ih.images.CreateSecret(r.Context(), project, PathParam(r, "fp"))
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (ih imageHandlers) refresh(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	op, err := ih.images.Refresh(r.Context(), project, PathParam(r, "fp"))
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (ih imageHandlers) push(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.ImageExportPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	op, err := ih.images.Push(r.Context(), project, PathParam(r, "fp"), req)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

// isUpload tells a file upload from a JSON request by its content type.
func isUpload(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.HasPrefix(ct, "application/octet-stream") || strings.HasPrefix(ct, "multipart/form-data")
}

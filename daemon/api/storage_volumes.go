package api

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
)

func (s storageHandlers) volumeRoutes(r chi.Router) {
	r.Get("/volumes", h(trustedOnly, s.listVolumes))
	r.Post("/volumes", h(trustedOnly, s.createVolume))
	r.Get("/volumes/{type}", h(trustedOnly, s.listVolumes))
	r.Post("/volumes/{type}", h(trustedOnly, s.createVolume))
	r.Route("/volumes/{type}/{name}", func(r chi.Router) {
		r.Get("/", h(trustedOnly, s.getVolume))
		r.Put("/", h(trustedOnly, s.updateVolume(false)))
		r.Patch("/", h(trustedOnly, s.updateVolume(true)))
		r.Post("/", h(trustedOnly, s.postVolume))
		r.Delete("/", h(trustedOnly, s.deleteVolume))
		r.Get("/state", h(trustedOnly, s.volumeState))
		s.snapshotRoutes(r)
	})
}

// volumeRef reads the volume addressed by the URL and the request project.
func volumeRef(r *http.Request) (storage.VolumeRef, error) {
	project, err := projectParam(r)
	if err != nil {
		return storage.VolumeRef{}, err
	}
	ref := storage.VolumeRef{Pool: PathParam(r, "pool"), Project: project, Type: PathParam(r, "type"), Name: PathParam(r, "name")}
	return ref, storage.ValidVolumeType(ref.Type)
}

// volumeETag is LXD's volume ETag tuple.
func volumeETag(v api.StorageVolume) any { return []any{v.Name, v.Type, v.Config} }

func (s storageHandlers) listVolumes(w http.ResponseWriter, r *http.Request) error {
	o := storage.ListVolumesOpts{Type: PathParam(r, "type"), AllProjects: allProjects(r)}
	if !o.AllProjects {
		var err error
		if o.Project, err = projectParam(r); err != nil {
			return err
		}
	}
	vols, err := s.svc.ListVolumes(r.Context(), PathParam(r, "pool"), o)
	if err != nil {
		return err
	}
	if vols, err = filterList(vols, r.URL.Query().Get("filter")); err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, vols, nil)
	}
	pool := url.PathEscape(PathParam(r, "pool"))
	urls := make([]string, 0, len(vols))
	for _, v := range vols {
		urls = append(urls, "/1.0/storage-pools/"+pool+"/volumes/"+v.Type+"/"+volumeListPath(v.Name)+volumeQuery(v))
	}
	return renderSync(w, urls, nil)
}

// volumeQuery is the query a listed volume's URL carries: its project, and
// in a cluster the member holding it (LXD: "?target=m2").
func volumeQuery(v api.StorageVolume) string {
	q := projectQuery(v.Project)
	if v.Location == "" || v.Location == "none" {
		return q
	}
	if q == "" {
		return "?target=" + url.QueryEscape(v.Location)
	}
	return q + "&target=" + url.QueryEscape(v.Location)
}

// volumeListPath turns a listed "vol/snap" into "vol/snapshots/snap".
func volumeListPath(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			return url.PathEscape(name[:i]) + "/snapshots/" + url.PathEscape(name[i+1:])
		}
	}
	return url.PathEscape(name)
}

func projectQuery(project string) string {
	if project == "" || project == "default" {
		return ""
	}
	return "?project=" + url.QueryEscape(project)
}

// createVolume creates an empty custom volume (sync, as LXD on local
// pools) or starts a copy (async "Copying storage volume").
func (s storageHandlers) createVolume(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.StorageVolumesPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if t := PathParam(r, "type"); t != "" {
		if err := storage.ValidVolumeType(t); err != nil {
			return err
		}
		req.Type = t
	}
	pool := PathParam(r, "pool")
	switch req.Source.Type {
	case "":
		if err := s.svc.CreateVolume(r.Context(), pool, project, req); err != nil {
			return err
		}
		return renderEmpty(w)
	case "copy":
		work, err := s.svc.CopyVolume(r.Context(), pool, project, req)
		if err != nil {
			return err
		}
		return s.startOp(w, r, operations.Spec{Project: project, Description: "Copying storage volume"}, work)
	case "migration":
		if s.migration == nil {
			break
		}
		op, err := s.migration.ReceiveVolume(r.Context(), pool, project, req)
		if err != nil {
			return err
		}
		return renderAsync(w, r, op)
	}
	return api.NotImplemented("Storage volume source type %q is not supported", req.Source.Type)
}

func (s storageHandlers) getVolume(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	v, err := s.svc.GetVolume(r.Context(), ref)
	if err != nil {
		return err
	}
	return renderSync(w, v, volumeETag(v))
}

func (s storageHandlers) updateVolume(patch bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ref, err := volumeRef(r)
		if err != nil {
			return err
		}
		cur, err := s.svc.GetVolume(r.Context(), ref)
		if err != nil {
			return err
		}
		if err := checkETag(r, volumeETag(cur)); err != nil {
			return err
		}
		var put api.StorageVolumePut
		if err := decodeJSON(r, &put); err != nil {
			return err
		}
		if err := s.svc.UpdateVolume(r.Context(), ref, put, patch); err != nil {
			return err
		}
		return renderEmpty(w)
	}
}

// postVolume renames a volume (sync 201 + Location, as LXD) or moves it to
// another pool (async "Moving storage volume").
func (s storageHandlers) postVolume(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	var req api.StorageVolumePost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case req.Migration && s.migration != nil:
		if ref.Type != "custom" {
			return api.BadRequest("Migration of storage volumes of type %q is not supported", ref.Type)
		}
		op, err := s.migration.MigrateVolume(r.Context(), ref, req)
		if err != nil {
			return err
		}
		return renderAsync(w, r, op)
	case req.Migration:
		return api.NotImplemented("Storage volume migration is not supported")
	case (req.Project != "" && req.Project != ref.Project) || (req.Pool != "" && req.Pool != ref.Pool):
		if req.Project != "" {
			// The target project is checked like the source one.
			if err := request.From(r.Context()).CheckProject(req.Project); err != nil {
				return err
			}
		}
		to := storage.VolumeMove{Pool: req.Pool, Project: req.Project, Name: req.Name, VolumeOnly: req.VolumeOnly}
		work, err := s.svc.MoveVolume(r.Context(), ref, to)
		if err != nil {
			return err
		}
		return s.startOp(w, r, operations.Spec{Project: ref.Project, Description: "Moving storage volume"}, work)
	}
	if req.Name == "" {
		return api.BadRequest("No name provided")
	}
	location, err := s.svc.RenameVolume(r.Context(), ref, req.Name)
	if err != nil {
		return err
	}
	return renderCreated(w, location)
}

func (s storageHandlers) deleteVolume(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteVolume(r.Context(), ref); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (s storageHandlers) volumeState(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	st, err := s.svc.VolumeState(r.Context(), ref)
	if err != nil {
		return err
	}
	return renderSync(w, st, nil)
}

package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
)

func (s storageHandlers) snapshotRoutes(r chi.Router) {
	r.Get("/snapshots", h(trustedOnly, s.listSnapshots))
	r.Post("/snapshots", h(trustedOnly, s.createSnapshot))
	r.Route("/snapshots/{snap}", func(r chi.Router) {
		r.Get("/", h(trustedOnly, s.getSnapshot))
		r.Put("/", h(trustedOnly, s.updateSnapshot(false)))
		r.Patch("/", h(trustedOnly, s.updateSnapshot(true)))
		r.Post("/", h(trustedOnly, s.renameSnapshot))
		r.Delete("/", h(trustedOnly, s.deleteSnapshot))
	})
}

// snapshotETag is LXD's volume snapshot ETag tuple: [description,
// expires_at] with the zero time for "never".
func snapshotETag(sn api.StorageVolumeSnapshot) any {
	expires := time.Time{}
	if sn.ExpiresAt != nil {
		expires = *sn.ExpiresAt
	}
	return []any{sn.Description, expires}
}

// snapshotOpSpec is the operation LXD runs for snapshot work: its
// resources name the volume under kind ("storage_volumes" or
// "storage_volume_snapshots").
func snapshotOpSpec(project, description, kind, volume string) operations.Spec {
	return operations.Spec{Project: project, Description: description,
		Resources: map[string][]string{kind: {"/1.0/" + kind + "/" + url.PathEscape(volume)}}}
}

func (s storageHandlers) listSnapshots(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	snaps, err := s.svc.ListVolumeSnapshots(r.Context(), ref)
	if err != nil {
		return err
	}
	if snaps, err = filterList(snaps, r.URL.Query().Get("filter")); err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, snaps, nil)
	}
	base := "/1.0/storage-pools/" + url.PathEscape(ref.Pool) + "/volumes/" + ref.Type + "/" + url.PathEscape(ref.Name) + "/snapshots/"
	urls := make([]string, 0, len(snaps))
	for _, sn := range snaps {
		_, name, _ := strings.Cut(sn.Name, "/")
		urls = append(urls, base+url.PathEscape(name))
	}
	return renderSync(w, urls, nil)
}

// createSnapshot is async ("Creating storage volume snapshot"); a taken
// name is refused before the operation starts (409).
func (s storageHandlers) createSnapshot(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	var req api.StorageVolumeSnapshotsPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	work, err := s.svc.CreateVolumeSnapshot(r.Context(), ref, req)
	if err != nil {
		return err
	}
	spec := snapshotOpSpec(ref.Project, "Creating storage volume snapshot", "storage_volumes", ref.Name)
	return s.startOp(w, r, spec, work)
}

func (s storageHandlers) getSnapshot(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	sn, err := s.svc.GetVolumeSnapshot(r.Context(), ref, PathParam(r, "snap"))
	if err != nil {
		return err
	}
	return renderSync(w, sn, snapshotETag(sn))
}

// updateSnapshot: PUT replaces description and expiry; PATCH changes only
// the fields it carries (the body is decoded over the current values).
func (s storageHandlers) updateSnapshot(patch bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ref, err := volumeRef(r)
		if err != nil {
			return err
		}
		name := PathParam(r, "snap")
		cur, err := s.svc.GetVolumeSnapshot(r.Context(), ref, name)
		if err != nil {
			return err
		}
		if err := checkETag(r, snapshotETag(cur)); err != nil {
			return err
		}
		var put api.StorageVolumeSnapshotPut
		if patch {
			put = cur.StorageVolumeSnapshotPut
		}
		if err := decodeJSON(r, &put); err != nil {
			return err
		}
		if err := s.svc.UpdateVolumeSnapshot(r.Context(), ref, name, put); err != nil {
			return err
		}
		return renderEmpty(w)
	}
}

// renameSnapshot is async ("Renaming storage volume snapshot").
func (s storageHandlers) renameSnapshot(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	var req api.StorageVolumeSnapshotPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	work, err := s.svc.RenameVolumeSnapshot(r.Context(), ref, PathParam(r, "snap"), req.Name)
	if err != nil {
		return err
	}
	spec := snapshotOpSpec(ref.Project, "Renaming storage volume snapshot", "storage_volume_snapshots", ref.Name)
	return s.startOp(w, r, spec, work)
}

// deleteSnapshot is async ("Deleting storage volume snapshot").
func (s storageHandlers) deleteSnapshot(w http.ResponseWriter, r *http.Request) error {
	ref, err := volumeRef(r)
	if err != nil {
		return err
	}
	work, err := s.svc.DeleteVolumeSnapshot(r.Context(), ref, PathParam(r, "snap"))
	if err != nil {
		return err
	}
	spec := snapshotOpSpec(ref.Project, "Deleting storage volume snapshot", "storage_volume_snapshots", ref.Name)
	return s.startOp(w, r, spec, work)
}

package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
)

// StorageService is what the storage handlers need from daemon/storage.
type StorageService interface {
	ListPools(ctx context.Context) ([]api.StoragePool, error)
	GetPool(ctx context.Context, name string) (api.StoragePool, error)
	GetPoolOnMember(ctx context.Context, name string) (api.StoragePool, error)
	CreatePoolFor(ctx context.Context, req api.StoragePoolsPost, target string) error
	UpdatePool(ctx context.Context, name string, put api.StoragePoolPut, patch bool) error
	UpdatePoolOnMember(ctx context.Context, name string, put api.StoragePoolPut, patch bool) error
	DeletePool(ctx context.Context, name string) error
	PoolResources(ctx context.Context, name string) (api.ResourcesStoragePool, error)

	ListVolumes(ctx context.Context, pool string, o storage.ListVolumesOpts) ([]api.StorageVolume, error)
	GetVolume(ctx context.Context, ref storage.VolumeRef) (api.StorageVolume, error)
	CreateVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) error
	CopyVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) (storage.Run, error)
	UpdateVolume(ctx context.Context, ref storage.VolumeRef, put api.StorageVolumePut, patch bool) error
	RenameVolume(ctx context.Context, ref storage.VolumeRef, newName string) (string, error)
	MoveVolume(ctx context.Context, ref storage.VolumeRef, to storage.VolumeMove) (storage.Run, error)
	DeleteVolume(ctx context.Context, ref storage.VolumeRef) error
	VolumeState(ctx context.Context, ref storage.VolumeRef) (api.StorageVolumeState, error)

	ListVolumeSnapshots(ctx context.Context, ref storage.VolumeRef) ([]api.StorageVolumeSnapshot, error)
	GetVolumeSnapshot(ctx context.Context, ref storage.VolumeRef, name string) (api.StorageVolumeSnapshot, error)
	CreateVolumeSnapshot(ctx context.Context, ref storage.VolumeRef, req api.StorageVolumeSnapshotsPost) (storage.Run, error)
	UpdateVolumeSnapshot(ctx context.Context, ref storage.VolumeRef, name string, put api.StorageVolumeSnapshotPut) error
	RenameVolumeSnapshot(ctx context.Context, ref storage.VolumeRef, name, newName string) (storage.Run, error)
	DeleteVolumeSnapshot(ctx context.Context, ref storage.VolumeRef, name string) (storage.Run, error)
}

type storageHandlers struct {
	svc       StorageService
	ops       *operations.Registry
	migration MigrationService
}

func storageRoutes(r chi.Router, d Deps) {
	if d.Storage == nil {
		return
	}
	s := storageHandlers{svc: d.Storage, ops: d.Ops, migration: d.Migration}
	r.Get("/storage-pools", h(trustedOnly, s.listPools))
	r.Post("/storage-pools", h(adminOnly, s.createPool))
	r.Route("/storage-pools/{pool}", func(r chi.Router) {
		r.Get("/", h(trustedOnly, s.getPool))
		r.Put("/", h(adminOnly, s.updatePool(false)))
		r.Patch("/", h(adminOnly, s.updatePool(true)))
		r.Delete("/", h(adminOnly, s.deletePool))
		r.Get("/resources", h(trustedOnly, s.poolResources))
		s.volumeRoutes(r)
	})
}

func (s storageHandlers) listPools(w http.ResponseWriter, r *http.Request) error {
	pools, err := s.svc.ListPools(r.Context())
	if err != nil {
		return err
	}
	if pools, err = filterList(pools, r.URL.Query().Get("filter")); err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, pools, nil)
	}
	urls := make([]string, 0, len(pools))
	for _, p := range pools {
		urls = append(urls, "/1.0/storage-pools/"+url.PathEscape(p.Name))
	}
	return renderSync(w, urls, nil)
}

// createPool answers 201 + Location like LXD. In a cluster, ?target=
// names the member whose definition of the pool this is.
func (s storageHandlers) createPool(w http.ResponseWriter, r *http.Request) error {
	var req api.StoragePoolsPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := s.svc.CreatePoolFor(r.Context(), req, r.URL.Query().Get("target")); err != nil {
		return err
	}
	return renderCreated(w, "/1.0/storage-pools/"+url.PathEscape(req.Name))
}

// getPool sends no ETag: LXD 5.0.2 does not. A request with ?target= was
// routed to that member: it shows its own view of the pool.
func (s storageHandlers) getPool(w http.ResponseWriter, r *http.Request) error {
	get := s.svc.GetPool
	if r.URL.Query().Get("target") != "" {
		get = s.svc.GetPoolOnMember
	}
	p, err := get(r.Context(), PathParam(r, "pool"))
	if err != nil {
		return err
	}
	return renderSync(w, p, nil)
}

func (s storageHandlers) updatePool(patch bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var put api.StoragePoolPut
		if err := decodeJSON(r, &put); err != nil {
			return err
		}
		update := s.svc.UpdatePool
		if r.URL.Query().Get("target") != "" {
			update = s.svc.UpdatePoolOnMember
		}
		if err := update(r.Context(), PathParam(r, "pool"), put, patch); err != nil {
			return err
		}
		return renderEmpty(w)
	}
}

func (s storageHandlers) deletePool(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeletePool(r.Context(), PathParam(r, "pool")); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (s storageHandlers) poolResources(w http.ResponseWriter, r *http.Request) error {
	res, err := s.svc.PoolResources(r.Context(), PathParam(r, "pool"))
	if err != nil {
		return err
	}
	return renderSync(w, res, nil)
}

// startOp runs work in an operation on behalf of the request's caller.
func (s storageHandlers) startOp(w http.ResponseWriter, r *http.Request, spec operations.Spec, work storage.Run) error {
	who := request.From(r.Context())
	op, err := s.ops.Start(r.Context(), spec, func(ctx context.Context, op *operations.Op) error {
		return work(request.With(ctx, who))
	})
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

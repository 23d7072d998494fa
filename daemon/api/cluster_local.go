package api

import (
	"context"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/shared/api"
)

// ClusterLocalService answers what members ask each other about the
// objects each one holds or runs itself: the state of its instances, the
// local part of storage pools and networks, image files. Its endpoints
// (/internal/cluster/...) accept only cluster peers.
type ClusterLocalService interface {
	// InstanceStates reports the state of every instance of this member
	// (instances.StateKey keys), full or status only.
	InstanceStates(ctx context.Context, full bool) (map[string]api.InstanceState, error)
	// CreateLocalPool creates this member's part of a clustered pool.
	CreateLocalPool(ctx context.Context, name string) error
	// DeleteLocalPool deletes this member's part of a pool.
	DeleteLocalPool(ctx context.Context, name string) error
	// ImageFile opens part ("meta" or "rootfs") of an image held here.
	ImageFile(ctx context.Context, fp, part string) (io.ReadCloser, error)
	// PullImage makes this member hold an image (pulled from a holder).
	PullImage(ctx context.Context, fp string) error
	// DeleteLocalImage deletes this member's copy of an image.
	DeleteLocalImage(ctx context.Context, fp string) error
	// CreateLocalNetwork starts this member's part of a clustered network.
	CreateLocalNetwork(ctx context.Context, project, name string) error
	// DeleteLocalNetwork deletes this member's part of a network.
	DeleteLocalNetwork(ctx context.Context, project, name string) error
	// NetworkLeases lists the leases of this member's part of a network.
	NetworkLeases(ctx context.Context, project, name string) ([]api.NetworkLease, error)
}

type clusterLocalHandlers struct{ svc ClusterLocalService }

func clusterLocalRoutes(r chi.Router, d Deps) {
	if d.ClusterLocal == nil {
		return
	}
	c := clusterLocalHandlers{d.ClusterLocal}
	r.Get("/cluster/instance-states", h(clusterPeer, c.instanceStates))
	r.Post("/cluster/storage-pools/{pool}", h(clusterPeer, c.pool(c.svc.CreateLocalPool)))
	r.Delete("/cluster/storage-pools/{pool}", h(clusterPeer, c.pool(c.svc.DeleteLocalPool)))
	r.Get("/cluster/images/{fp}/files/{part}", h(clusterPeer, c.imageFile))
	r.Post("/cluster/images/{fp}/pull", h(clusterPeer, c.image(c.svc.PullImage)))
	r.Delete("/cluster/images/{fp}", h(clusterPeer, c.image(c.svc.DeleteLocalImage)))
	r.Post("/cluster/networks/{name}", h(clusterPeer, c.network(c.svc.CreateLocalNetwork)))
	r.Delete("/cluster/networks/{name}", h(clusterPeer, c.network(c.svc.DeleteLocalNetwork)))
	r.Get("/cluster/networks/{name}/leases", h(clusterPeer, c.networkLeases))
}

func (c clusterLocalHandlers) network(fn func(ctx context.Context, project, name string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := fn(r.Context(), r.URL.Query().Get("project"), PathParam(r, "name")); err != nil {
			return err
		}
		return renderEmpty(w)
	}
}

func (c clusterLocalHandlers) networkLeases(w http.ResponseWriter, r *http.Request) error {
	leases, err := c.svc.NetworkLeases(r.Context(), r.URL.Query().Get("project"), PathParam(r, "name"))
	if err != nil {
		return err
	}
	return renderSync(w, leases, nil)
}

func (c clusterLocalHandlers) image(fn func(ctx context.Context, fp string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := fn(r.Context(), PathParam(r, "fp")); err != nil {
			return err
		}
		return renderEmpty(w)
	}
}

// imageFile streams one file of an image to a member pulling it.
func (c clusterLocalHandlers) imageFile(w http.ResponseWriter, r *http.Request) error {
	f, err := c.svc.ImageFile(r.Context(), PathParam(r, "fp"), PathParam(r, "part"))
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return nil
}

func (c clusterLocalHandlers) pool(fn func(ctx context.Context, name string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := fn(r.Context(), PathParam(r, "pool")); err != nil {
			return err
		}
		return renderEmpty(w)
	}
}

func (c clusterLocalHandlers) instanceStates(w http.ResponseWriter, r *http.Request) error {
	states, err := c.svc.InstanceStates(r.Context(), r.URL.Query().Get("full") == "1")
	if err != nil {
		return err
	}
	return renderSync(w, states, nil)
}

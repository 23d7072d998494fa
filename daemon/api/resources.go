package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/shared/api"
)

// ResourceService reports this member's hardware (daemon/resources).
type ResourceService interface {
	Resources(ctx context.Context) (api.Resources, error)
}

// resourceRoutes mounts GET /1.0/resources. Like LXD it is open to every
// trusted caller, restricted ones included, and sends no ETag; ?target= is
// forwarded to the member before it gets here.
func resourceRoutes(r chi.Router, d Deps) {
	if d.Resources == nil {
		return
	}
	r.Get("/resources", h(trustedOnly, func(w http.ResponseWriter, r *http.Request) error {
		res, err := d.Resources.Resources(r.Context())
		if err != nil {
			return err
		}
		return renderSync(w, res, nil)
	}))
}

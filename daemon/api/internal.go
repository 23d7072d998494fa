package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/shared/api"
)

type internalHandlers struct{ life Lifecycle }

// internalRoutes are the daemon's own control endpoints, reachable on the
// unix socket only (lxd waitready / shutdown / sql).
func internalRoutes(r chi.Router, d Deps) {
	i := internalHandlers{d.Lifecycle}
	r.Get("/ready", h(localOnly, i.ready))
	r.Put("/shutdown", h(localOnly, i.shutdown))
	r.Post("/sql", h(localOnly, i.sql))
}

func (i internalHandlers) ready(w http.ResponseWriter, r *http.Request) error {
	if !i.life.Ready() {
		return api.Unavailable("LXD daemon not ready yet")
	}
	return renderEmpty(w)
}

func (i internalHandlers) shutdown(w http.ResponseWriter, r *http.Request) error {
	if err := i.life.Shutdown(r.Context()); err != nil {
		return err
	}
	return renderEmpty(w)
}

// SQLRequest is the body of POST /internal/sql.
type SQLRequest struct {
	Database string `json:"database"`
	Query    string `json:"query"`
}

func (i internalHandlers) sql(w http.ResponseWriter, r *http.Request) error {
	var req SQLRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	out, err := i.life.SQL(r.Context(), req.Database, req.Query)
	if err != nil {
		return err
	}
	return renderSync(w, out, nil)
}

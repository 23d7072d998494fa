package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

type serverHandlers struct{ d Deps }

func serverRoutes(r chi.Router, d Deps) {
	s := serverHandlers{d}
	r.Get("/", h(untrusted, s.get))
	r.Put("/", h(adminOnly, s.put))
	r.Patch("/", h(adminOnly, s.patch))
}

func (s serverHandlers) untrustedView() api.ServerUntrusted {
	return api.ServerUntrusted{
		APIExtensions: s.d.Info.Extensions(), APIStatus: "stable", APIVersion: "1.0",
		Auth: "untrusted", Public: false, AuthMethods: []string{"tls"},
	}
}

func (s serverHandlers) get(w http.ResponseWriter, r *http.Request) error {
	base := s.untrustedView()
	if !request.From(r.Context()).Trusted {
		return renderSync(w, base, nil)
	}
	base.Auth = "trusted"
	cfg := s.d.Config.Snapshot().Render()
	srv := api.Server{
		ServerPut:       api.ServerPut{Config: cfg},
		ServerUntrusted: base,
		Environment:     s.d.Info.Environment(r.Context()),
	}
	if p := r.URL.Query().Get("project"); p != "" {
		srv.Environment.Project = p
	}
	return renderSync(w, srv, cfg)
}

func (s serverHandlers) decode(r *http.Request) (map[string]string, error) {
	var req api.ServerPut
	if err := decodeJSON(r, &req); err != nil {
		return nil, err
	}
	if err := checkETag(r, s.d.Config.Snapshot().Render()); err != nil {
		return nil, err
	}
	return configToStrings(req.Config)
}

func (s serverHandlers) put(w http.ResponseWriter, r *http.Request) error {
	cfg, err := s.decode(r)
	if err != nil {
		return err
	}
	if err := s.d.Config.Replace(r.Context(), cfg); err != nil {
		return err
	}
	s.publishUpdated(r)
	return renderEmpty(w)
}

func (s serverHandlers) patch(w http.ResponseWriter, r *http.Request) error {
	cfg, err := s.decode(r)
	if err != nil {
		return err
	}
	if err := s.d.Config.Patch(r.Context(), cfg); err != nil {
		return err
	}
	s.publishUpdated(r)
	return renderEmpty(w)
}

func (s serverHandlers) publishUpdated(r *http.Request) {
	s.d.Events.PublishLifecycle("", api.EventLifecycle{
		Action: "config-updated", Source: "/1.0", Requestor: request.From(r.Context()).Lifecycle(),
	})
}

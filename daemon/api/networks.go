package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	netsvc "github.com/lxdng/lxd/daemon/network"
	"github.com/lxdng/lxd/shared/api"
)

// NetworkService is what the /1.0/networks handlers need (daemon/network).
type NetworkService interface {
	List(ctx context.Context, project string) ([]api.Network, error)
	Get(ctx context.Context, project, name string) (api.Network, error)
	GetOnMember(ctx context.Context, project, name string) (api.Network, error)
	CreateFor(ctx context.Context, project string, req api.NetworksPost, target string) error
	Update(ctx context.Context, project, name string, req netsvc.UpdateRequest) error
	Rename(ctx context.Context, project, name, newName string) error
	Delete(ctx context.Context, project, name string) error
	State(ctx context.Context, project, name string) (api.NetworkState, error)
	Leases(ctx context.Context, project, name string) ([]api.NetworkLease, error)
}

type networkHandlers struct{ svc NetworkService }

func networkRoutes(r chi.Router, d Deps) {
	if d.Networks == nil {
		return
	}
	n := networkHandlers{d.Networks}
	r.Get("/networks", h(trustedOnly, n.list))
	r.Post("/networks", h(trustedOnly, n.create))
	r.Get("/networks/{name}", h(trustedOnly, n.get))
	r.Put("/networks/{name}", h(trustedOnly, n.update(false)))
	r.Patch("/networks/{name}", h(trustedOnly, n.update(true)))
	r.Post("/networks/{name}", h(trustedOnly, n.rename))
	r.Delete("/networks/{name}", h(trustedOnly, n.delete))
	r.Get("/networks/{name}/state", h(trustedOnly, n.state))
	r.Get("/networks/{name}/leases", h(trustedOnly, n.leases))
}

// networkETag is LXD's ETag tuple for networks.
func networkETag(n api.Network) []any {
	return []any{n.Name, n.Managed, n.Type, n.Description, n.Config}
}

func networkURL(name string) string { return "/1.0/networks/" + url.PathEscape(name) }

// list answers GET /1.0/networks. LXD 5.0.2 ignores ?filter= here (the
// client filters), and so do we.
func (n networkHandlers) list(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	nets, err := n.svc.List(r.Context(), project)
	if err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, nets, nil)
	}
	urls := make([]string, 0, len(nets))
	for _, net := range nets {
		urls = append(urls, networkURL(net.Name))
	}
	return renderSync(w, urls, nil)
}

// networkBody decodes a network body whose config values may be strings,
// numbers or booleans (preseeds send them typed).
type networkBody struct {
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Description string         `json:"description"`
	Config      map[string]any `json:"config"`
}

func decodeNetwork(r *http.Request) (api.NetworksPost, error) {
	var b networkBody
	if err := decodeJSON(r, &b); err != nil {
		return api.NetworksPost{}, err
	}
	cfg, err := configToStrings(b.Config)
	if err != nil {
		return api.NetworksPost{}, err
	}
	return api.NetworksPost{NetworkPut: api.NetworkPut{Config: cfg, Description: b.Description}, Name: b.Name, Type: b.Type}, nil
}

func (n networkHandlers) create(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	req, err := decodeNetwork(r)
	if err != nil {
		return err
	}
	// In a cluster, ?target= names the member whose definition this is.
	if err := n.svc.CreateFor(r.Context(), project, req, r.URL.Query().Get("target")); err != nil {
		return err
	}
	return renderCreated(w, networkURL(req.Name))
}

func (n networkHandlers) get(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	get := n.svc.Get
	if r.URL.Query().Get("target") != "" { // routed here: this member's view
		get = n.svc.GetOnMember
	}
	net, err := get(r.Context(), project, PathParam(r, "name"))
	if err != nil {
		return err
	}
	return renderSync(w, net, networkETag(net))
}

func (n networkHandlers) update(patch bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		project, err := projectParam(r)
		if err != nil {
			return err
		}
		req, err := decodeNetwork(r)
		if err != nil {
			return err
		}
		err = n.svc.Update(r.Context(), project, PathParam(r, "name"), netsvc.UpdateRequest{
			Put:   req.NetworkPut,
			Patch: patch,
			Check: func(cur api.Network) error { return checkETag(r, networkETag(cur)) },
		})
		if err != nil {
			return err
		}
		return renderEmpty(w)
	}
}

func (n networkHandlers) rename(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.NetworkPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := n.svc.Rename(r.Context(), project, PathParam(r, "name"), req.Name); err != nil {
		return err
	}
	return renderCreated(w, networkURL(req.Name))
}

func (n networkHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	if err := n.svc.Delete(r.Context(), project, PathParam(r, "name")); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (n networkHandlers) state(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	st, err := n.svc.State(r.Context(), project, PathParam(r, "name"))
	if err != nil {
		return err
	}
	return renderSync(w, st, nil)
}

func (n networkHandlers) leases(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	leases, err := n.svc.Leases(r.Context(), project, PathParam(r, "name"))
	if err != nil {
		return err
	}
	return renderSync(w, leases, nil)
}

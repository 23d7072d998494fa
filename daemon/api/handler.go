package api

import (
	"net/http"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// handlerFunc is a handler that reports failure by returning an error, which
// the adapter renders in LXD's envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may call a route.
type access int

const (
	trustedOnly access = iota // any trusted caller (project checks in the handler)
	adminOnly                 // trusted and not restricted
	untrusted                 // anyone; the handler limits what untrusted callers see
	localOnly                 // the unix socket only
	clusterPeer               // another member (cluster certificate)
)

// h adapts a handlerFunc with an access rule.
func h(a access, fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who := request.From(r.Context())
		if err := allowed(a, who); err != nil {
			renderError(w, r, err)
			return
		}
		if err := fn(w, r); err != nil {
			renderError(w, r, err)
		}
	}
}

func allowed(a access, who *request.Requestor) error {
	switch a {
	case untrusted:
		return nil
	case clusterPeer:
		return clusterPeerOnly(who)
	case localOnly:
		if who.Protocol != request.ProtocolUnix {
			return api.Forbidden("not authorized")
		}
		return nil
	case adminOnly:
		if !who.Admin() {
			return api.Forbidden("not authorized")
		}
		return nil
	}
	if !who.Trusted {
		return api.Forbidden("not authorized")
	}
	return nil
}

package daemon

import (
	"net/http"
	"sync/atomic"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/shared/api"
)

// frontHandler is what the listeners serve. It routes database upgrades
// (/internal/database) to the cluster transport from the moment the
// listener is up, which a clustered member needs before its database can
// start, and everything else to the API once it exists. While the version
// gate holds this member, it answers 503.
type frontHandler struct {
	database http.Handler
	cluster  *clustering
	next     atomic.Pointer[http.Handler]
}

func newFrontHandler(c *clustering) *frontHandler {
	return &frontHandler{database: c.m.Transport, cluster: c}
}

func (f *frontHandler) set(h http.Handler) { f.next.Store(&h) }

func (f *frontHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == cluster.DatabasePath {
		f.database.ServeHTTP(w, r)
		return
	}
	if msg, _ := f.cluster.waiting.Load().(string); msg != "" {
		forward.WriteError(w, api.Unavailable("%s", msg))
		return
	}
	next := f.next.Load()
	if next == nil {
		forward.WriteError(w, api.Unavailable("LXD daemon not ready yet"))
		return
	}
	(*next).ServeHTTP(w, r)
}

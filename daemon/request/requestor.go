package request

import (
	"context"

	"github.com/lxdng/lxd/shared/api"
)

// Protocols a request can arrive by.
const (
	ProtocolUnix    = "unix"
	ProtocolTLS     = "tls"
	ProtocolCluster = "cluster"
	ProtocolDevLXD  = "devlxd"
)

// Requestor describes the caller of a request.
type Requestor struct {
	Trusted     bool
	Protocol    string
	Username    string // unix user name, or certificate fingerprint
	Address     string // remote address ("@" on the unix socket)
	Restricted  bool
	Projects    []string // projects a restricted certificate may use
	Fingerprint string   // client certificate fingerprint (TLS)
	ClusterPeer bool     // another member of this cluster
	// Forwarded is set on requests proxied from another member, which must
	// never be forwarded again.
	Forwarded bool
}

type key struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Requestor) context.Context {
	return context.WithValue(ctx, key{}, r)
}

// From returns the requestor of ctx, or an untrusted one.
func From(ctx context.Context) *Requestor {
	if r, ok := ctx.Value(key{}).(*Requestor); ok && r != nil {
		return r
	}
	return &Requestor{}
}

// Admin reports whether the caller is trusted without project restrictions.
func (r *Requestor) Admin() bool { return r.Trusted && !r.Restricted }

// CanAccessProject reports whether the caller may use project.
func (r *Requestor) CanAccessProject(project string) bool {
	if !r.Trusted {
		return false
	}
	if !r.Restricted {
		return true
	}
	for _, p := range r.Projects {
		if p == project {
			return true
		}
	}
	return false
}

// CheckProject returns a 403 unless the caller may use project.
func (r *Requestor) CheckProject(project string) error {
	if !r.CanAccessProject(project) {
		return api.Forbidden("not authorized")
	}
	return nil
}

// Lifecycle renders the requestor as lifecycle events carry it.
func (r *Requestor) Lifecycle() *api.EventLifecycleRequestor {
	if r.Protocol == "" {
		return nil
	}
	return &api.EventLifecycleRequestor{Username: r.Username, Protocol: r.Protocol, Address: r.Address}
}

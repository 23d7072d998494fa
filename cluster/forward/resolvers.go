package forward

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Resolver names the member that owns the object a request is about; ok is
// false when it does not know (the request is handled locally). params are
// the {name} segments of the matched pattern.
type Resolver func(r *http.Request, params map[string]string) (member string, ok bool, err error)

type route struct {
	method  string // "" for any
	pattern []string
	resolve Resolver
}

// Resolvers is the registry of object-owner resolvers and of routes where
// ?target= is a parameter rather than a forwarding instruction.
type Resolvers struct {
	mu      sync.RWMutex
	owners  []route
	targets []route
}

// Register adds an owner resolver for pattern (any method). Patterns are
// paths with {name} segments and an optional trailing "/*".
func (rs *Resolvers) Register(pattern string, fn Resolver) {
	rs.mu.Lock()
	rs.owners = append(rs.owners, route{pattern: split(pattern), resolve: fn})
	rs.mu.Unlock()
}

// TargetIsParameter declares that method on pattern uses ?target= as an
// argument (for example POST /1.0/storage-pools?target=m2 defines the
// member-specific config of a pending pool): such requests stay here.
func (rs *Resolvers) TargetIsParameter(method, pattern string) {
	rs.mu.Lock()
	rs.targets = append(rs.targets, route{method: method, pattern: split(pattern)})
	rs.mu.Unlock()
}

// KeepsTarget reports whether r's ?target= is a parameter of its route.
func (rs *Resolvers) KeepsTarget(r *http.Request) bool {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	path := split(r.URL.EscapedPath())
	for _, rt := range rs.targets {
		if (rt.method == "" || rt.method == r.Method) && match(rt.pattern, path) != nil {
			return true
		}
	}
	return false
}

// Owner runs the resolvers whose pattern matches r, in registration
// order, until one knows the owner (or fails): several services may
// resolve the same pattern for different methods.
func (rs *Resolvers) Owner(r *http.Request) (string, bool, error) {
	rs.mu.RLock()
	owners := append([]route(nil), rs.owners...)
	rs.mu.RUnlock()
	path := split(r.URL.EscapedPath())
	for _, rt := range owners {
		params := match(rt.pattern, path)
		if params == nil {
			continue
		}
		name, ok, err := rt.resolve(r, params)
		if ok || err != nil {
			return name, ok, err
		}
	}
	return "", false, nil
}

func split(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// match returns the captured {params} when path matches pattern, else nil.
func match(pattern, path []string) map[string]string {
	params := map[string]string{}
	for i, seg := range pattern {
		if seg == "*" && i == len(pattern)-1 {
			if len(path) <= i {
				return nil
			}
			return params
		}
		if i >= len(path) {
			return nil
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if path[i] == "" {
				return nil
			}
			params[seg[1:len(seg)-1]] = unescape(path[i])
			continue
		}
		if seg != path[i] {
			return nil
		}
	}
	if len(path) != len(pattern) {
		return nil
	}
	return params
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

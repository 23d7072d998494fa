package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

type operationHandlers struct{ ops *operations.Registry }

func operationRoutes(r chi.Router, d Deps) {
	o := operationHandlers{d.Ops}
	r.Get("/operations", h(trustedOnly, o.list))
	r.Get("/operations/{id}", h(trustedOnly, o.get))
	r.Delete("/operations/{id}", h(trustedOnly, o.cancel))
	r.Get("/operations/{id}/wait", h(untrusted, o.wait))
	r.Get("/operations/{id}/websocket", h(untrusted, o.websocket))
}

// lookup finds an operation the caller may see.
func (o operationHandlers) lookup(r *http.Request) (*operations.Op, error) {
	op, err := o.ops.Get(PathParam(r, "id"))
	if err != nil {
		return nil, err
	}
	who := request.From(r.Context())
	if who.Trusted && !who.Admin() && !who.CanAccessProject(op.Project()) {
		return nil, api.NotFound("Operation not found")
	}
	return op, nil
}

func (o operationHandlers) list(w http.ResponseWriter, r *http.Request) error {
	project := ""
	if !allProjects(r) {
		var err error
		if project, err = projectParam(r); err != nil {
			return err
		}
	}
	ops := o.ops.List(project)
	if recursion(r) > 0 {
		return renderSync(w, operations.Grouped(ops, func(op *operations.Op) api.Operation { return op.Render() }), nil)
	}
	return renderSync(w, operations.Grouped(ops, func(op *operations.Op) string { return op.URL() }), nil)
}

func (o operationHandlers) get(w http.ResponseWriter, r *http.Request) error {
	op, err := o.lookup(r)
	if err != nil {
		return err
	}
	return renderSync(w, op.Render(), nil)
}

func (o operationHandlers) cancel(w http.ResponseWriter, r *http.Request) error {
	op, err := o.lookup(r)
	if err != nil {
		return err
	}
	if err := op.Cancel(); err != nil {
		return err
	}
	return renderEmpty(w)
}

// wait blocks until the operation ends or ?timeout= seconds pass (-1 or
// absent: forever), then returns it; a timeout is not an error. Untrusted
// callers may wait on an operation only with its secret (image downloads).
func (o operationHandlers) wait(w http.ResponseWriter, r *http.Request) error {
	op, err := o.lookup(r)
	if err != nil {
		return err
	}
	if !request.From(r.Context()).Trusted && !secretMatches(op, r.URL.Query().Get("secret")) {
		return api.Forbidden("not authorized")
	}
	timeout := -1.0
	if v := r.URL.Query().Get("timeout"); v != "" {
		if timeout, err = strconv.ParseFloat(v, 64); err != nil {
			return api.BadRequest("Invalid timeout %q", v)
		}
	}
	ctx := r.Context()
	if timeout >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(timeout*float64(time.Second)))
		defer cancel()
	}
	select {
	case <-op.Done():
	case <-ctx.Done():
	}
	return renderSync(w, op.Render(), nil)
}

func secretMatches(op *operations.Op, secret string) bool {
	if secret == "" {
		return false
	}
	md := op.Metadata()
	if s, ok := md["secret"].(string); ok && s == secret {
		return true
	}
	if fds, ok := md["fds"].(map[string]string); ok {
		for _, s := range fds {
			if s == secret {
				return true
			}
		}
	}
	return false
}

// websocket attaches to a websocket operation; the secret authenticates the
// caller, so untrusted clients may connect (as LXD allows).
func (o operationHandlers) websocket(w http.ResponseWriter, r *http.Request) error {
	op, err := o.ops.Get(PathParam(r, "id"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("secret") == "" {
		return api.BadRequest("missing secret")
	}
	return op.Connect(w, r)
}

package operations

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// ErrNotCancellable is returned when cancelling an operation that cannot be.
var ErrNotCancellable = api.BadRequest("This operation can't be cancelled")

// Spec describes an operation to start.
type Spec struct {
	Project     string
	Class       string // api.OperationClassTask, Websocket or Token
	Description string
	Resources   map[string][]string
	Metadata    map[string]any
	// Cancellable operations are cancelled through their context.
	Cancellable bool
	// Connect attaches a websocket to a websocket-class operation. It is
	// called with the request that carries ?secret=; it owns the upgrade.
	Connect func(op *Op, w http.ResponseWriter, r *http.Request) error
}

// Op is one operation.
type Op struct {
	id       string
	spec     Spec
	location string
	created  time.Time
	registry *Registry

	mu       sync.Mutex
	status   api.StatusCode
	updated  time.Time
	metadata map[string]any
	err      string
	cancel   context.CancelFunc
	done     chan struct{}
}

// ID returns the operation's UUID.
func (o *Op) ID() string { return o.id }

// Project returns the project the operation belongs to ("" for
// server-wide operations).
func (o *Op) Project() string { return o.spec.Project }

// Class returns the operation class.
func (o *Op) Class() string { return o.spec.Class }

// URL returns the operation's API path.
func (o *Op) URL() string { return "/1.0/operations/" + o.id }

// Render returns the API representation.
func (o *Op) Render() api.Operation {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.renderLocked()
}

func (o *Op) renderLocked() api.Operation {
	md := make(map[string]any, len(o.metadata))
	for k, v := range o.metadata {
		md[k] = v
	}
	if len(md) == 0 {
		md = nil
	}
	return api.Operation{
		ID: o.id, Class: o.spec.Class, Description: o.spec.Description,
		CreatedAt: o.created, UpdatedAt: o.updated,
		Status: o.status.String(), StatusCode: o.status,
		Resources: o.spec.Resources, Metadata: md,
		MayCancel: o.mayCancelLocked(), Err: o.err, Location: o.location,
	}
}

func (o *Op) mayCancelLocked() bool {
	if o.status.IsFinal() {
		return false
	}
	return o.spec.Cancellable || o.spec.Class == api.OperationClassToken
}

// Metadata returns a copy of the current metadata.
func (o *Op) Metadata() map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	md := make(map[string]any, len(o.metadata))
	for k, v := range o.metadata {
		md[k] = v
	}
	return md
}

// SetMetadata merges md into the metadata and emits an operation event.
func (o *Op) SetMetadata(md map[string]any) {
	o.mu.Lock()
	if o.status.IsFinal() {
		o.mu.Unlock()
		return
	}
	if o.metadata == nil {
		o.metadata = map[string]any{}
	}
	for k, v := range md {
		o.metadata[k] = v
	}
	o.updated = time.Now()
	view := o.renderLocked()
	o.mu.Unlock()
	o.registry.emit(o, view)
}

// Status returns the current status code.
func (o *Op) Status() api.StatusCode {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.status
}

// Done is closed when the operation has ended.
func (o *Op) Done() <-chan struct{} { return o.done }

// Wait blocks until the operation ends or ctx is done; it returns the
// operation's error, if any.
func (o *Op) Wait(ctx context.Context) error {
	select {
	case <-o.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != "" {
		return errors.New(o.err)
	}
	return nil
}

// Cancel asks the operation to stop. Token operations end immediately.
func (o *Op) Cancel() error {
	o.mu.Lock()
	if o.status.IsFinal() {
		o.mu.Unlock()
		return nil
	}
	if !o.mayCancelLocked() {
		o.mu.Unlock()
		return ErrNotCancellable
	}
	o.status = api.Cancelling
	cancel := o.cancel
	o.mu.Unlock()
	cancel()
	return nil
}

// Connect attaches a websocket (websocket class only).
func (o *Op) Connect(w http.ResponseWriter, r *http.Request) error {
	if o.spec.Connect == nil {
		return api.BadRequest("Only websocket operations can be connected")
	}
	if o.Status().IsFinal() {
		return api.BadRequest("Operation has already finished")
	}
	return o.spec.Connect(o, w, r)
}

// finish records the outcome and wakes waiters.
func (o *Op) finish(err error, cancelled bool) {
	o.mu.Lock()
	if o.status.IsFinal() {
		o.mu.Unlock()
		return
	}
	switch {
	case cancelled:
		o.status = api.Cancelled
		if err != nil && !errors.Is(err, context.Canceled) {
			o.err = err.Error()
		}
	case err != nil:
		o.status = api.Failure
		o.err = err.Error()
	default:
		o.status = api.Success
	}
	o.updated = time.Now()
	view := o.renderLocked()
	o.mu.Unlock()
	close(o.done)
	o.registry.emit(o, view)
	o.registry.retire(o)
}

func (o *Op) setRunning() {
	o.mu.Lock()
	o.status = api.Running
	o.updated = time.Now()
	view := o.renderLocked()
	o.mu.Unlock()
	o.registry.emit(o, view)
}

package operations

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Publisher receives operation events (daemon/events.Hub satisfies it).
type Publisher interface {
	PublishOperation(project string, op api.Operation)
}

// Recorder is told about operations starting and ending, so that the
// cluster database can route /1.0/operations/<id> to this member. Optional.
type Recorder interface {
	Created(ctx context.Context, op *Op)
	Removed(ctx context.Context, op *Op)
}

// Registry holds the operations of this member.
type Registry struct {
	base      context.Context
	events    Publisher
	recorder  Recorder
	location  func() string
	retention time.Duration

	mu  sync.RWMutex
	ops map[string]*Op
	wg  sync.WaitGroup
}

// NewRegistry returns a registry whose operations run on contexts derived
// from base (the daemon's lifetime). location names this member in rendered
// operations ("none" when not clustered).
func NewRegistry(base context.Context, events Publisher, location func() string) *Registry {
	return &Registry{base: base, events: events, location: location, retention: 10 * time.Second, ops: map[string]*Op{}}
}

// SetRecorder installs a Recorder (when the member joins a cluster).
func (r *Registry) SetRecorder(rec Recorder) {
	r.mu.Lock()
	r.recorder = rec
	r.mu.Unlock()
}

// Start registers an operation and runs fn in the background. The returned
// Op is already Running (websocket and token operations stay Running until
// fn returns).
func (r *Registry) Start(ctx context.Context, s Spec, fn func(ctx context.Context, op *Op) error) (*Op, error) {
	if s.Class == "" {
		s.Class = api.OperationClassTask
	}
	opCtx, cancel := context.WithCancel(r.base)
	now := time.Now()
	op := &Op{
		id: uuid.NewString(), spec: s, location: r.location(), created: now, updated: now,
		registry: r, status: api.Pending, metadata: s.Metadata, cancel: cancel, done: make(chan struct{}),
	}
	opCtx = logctx.WithFields(opCtx, map[string]any{"operation": op.id, "class": s.Class})
	r.mu.Lock()
	r.ops[op.id] = op
	rec := r.recorder
	r.mu.Unlock()
	if rec != nil {
		rec.Created(ctx, op)
	}
	r.emit(op, op.Render())
	op.setRunning()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		err := fn(opCtx, op)
		cancelled := opCtx.Err() != nil && (err == nil || errors.Is(err, context.Canceled))
		if err != nil && !cancelled {
			logctx.From(opCtx).WithError(err).Debug("Operation failed")
		}
		op.finish(err, cancelled)
	}()
	return op, nil
}

// StartToken registers a token operation that stays Running until Complete
// is called, it is cancelled, or expiry passes (zero means never).
func (r *Registry) StartToken(ctx context.Context, s Spec, expiry time.Time) (*Op, error) {
	s.Class = api.OperationClassToken
	return r.Start(ctx, s, func(ctx context.Context, op *Op) error {
		var timer <-chan time.Time
		if !expiry.IsZero() {
			t := time.NewTimer(time.Until(expiry))
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer:
			return errors.New("Token expired")
		}
	})
}

// CompleteToken ends a token operation successfully (the token was used).
func (r *Registry) CompleteToken(op *Op) {
	op.finish(nil, false)
	op.cancel()
}

// Get returns an operation by id.
func (r *Registry) Get(id string) (*Op, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	op, ok := r.ops[id]
	if !ok {
		return nil, api.NotFound("Operation not found")
	}
	return op, nil
}

// List returns the operations of project ("" for all), oldest first.
// Operations that belong to no project (server-wide tokens and tasks) are
// listed in every project, as LXD does.
func (r *Registry) List(project string) []*Op {
	r.mu.RLock()
	out := make([]*Op, 0, len(r.ops))
	for _, op := range r.ops {
		if project == "" || op.spec.Project == "" || op.spec.Project == project {
			out = append(out, op)
		}
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].created.Before(out[j].created) })
	return out
}

// FindToken returns the running token operation whose metadata satisfies
// match.
func (r *Registry) FindToken(match func(md map[string]any) bool) (*Op, bool) {
	for _, op := range r.List("") {
		if op.Class() != api.OperationClassToken || op.Status() != api.Running {
			continue
		}
		if match(op.Metadata()) {
			return op, true
		}
	}
	return nil, false
}

// Wait waits for every running operation's function to return, up to ctx.
func (r *Registry) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Registry) emit(op *Op, view api.Operation) {
	if r.events != nil {
		r.events.PublishOperation(op.spec.Project, view)
	}
}

// retire forgets a finished operation after the retention period, so that
// clients can still query its outcome.
func (r *Registry) retire(op *Op) {
	time.AfterFunc(r.retention, func() {
		r.mu.Lock()
		delete(r.ops, op.id)
		rec := r.recorder
		r.mu.Unlock()
		if rec != nil {
			rec.Removed(context.Background(), op)
		}
	})
}

// Grouped renders a list as LXD does: status (lower case) -> items.
func Grouped[T any](ops []*Op, item func(*Op) T) map[string][]T {
	out := map[string][]T{}
	for _, op := range ops {
		key := strings.ToLower(op.Status().String())
		out[key] = append(out[key], item(op))
	}
	return out
}

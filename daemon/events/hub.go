package events

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/shared/api"
)

// Filter selects the events a subscriber receives.
type Filter struct {
	Types       []string // empty means every type
	Project     string   // "" means the default project
	AllProjects bool
	// LocalOnly drops events that came from other members (eventsync uses
	// it so that members do not echo each other's events).
	LocalOnly bool
}

func (f Filter) match(e api.Event, local string) bool {
	if len(f.Types) > 0 && !contains(f.Types, e.Type) {
		return false
	}
	if f.LocalOnly && e.Location != local {
		return false
	}
	if f.AllProjects || e.Project == "" {
		return true
	}
	project := f.Project
	if project == "" {
		project = "default"
	}
	return e.Project == project
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type subscriber struct {
	filter  Filter
	ch      chan api.Event
	dropped atomic.Int64
}

// Hub fans events out to subscribers.
type Hub struct {
	mu       sync.RWMutex
	subs     map[*subscriber]struct{}
	location atomic.Value // string
	buffer   int
}

// NewHub returns a hub whose subscribers buffer up to buffer events.
func NewHub(buffer int) *Hub {
	h := &Hub{subs: map[*subscriber]struct{}{}, buffer: buffer}
	h.location.Store("none")
	return h
}

// SetLocation sets the member name stamped on local events ("none" when not
// clustered).
func (h *Hub) SetLocation(name string) { h.location.Store(name) }

// Location returns the member name stamped on local events.
func (h *Hub) Location() string { return h.location.Load().(string) }

// Subscribe returns a channel of matching events, closed when ctx ends.
func (h *Hub) Subscribe(ctx context.Context, f Filter) <-chan api.Event {
	s := &subscriber{filter: f, ch: make(chan api.Event, h.buffer)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		delete(h.subs, s)
		close(s.ch)
		h.mu.Unlock()
		if n := s.dropped.Load(); n > 0 {
			logrus.WithField("dropped", n).Warn("Event subscriber fell behind and lost events")
		}
	}()
	return s.ch
}

// Subscribers returns the number of live subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Publish delivers e to every matching subscriber without blocking. Events
// without a location get this member's.
func (h *Hub) Publish(e api.Event) {
	if e.Location == "" {
		e.Location = h.Location()
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = time.Now()
	}
	local := h.Location()
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		if !s.filter.match(e, local) {
			continue
		}
		deliver(s, e)
	}
}

// deliver pushes e, dropping the subscriber's oldest event when it is full.
func deliver(s *subscriber, e api.Event) {
	for {
		select {
		case s.ch <- e:
			return
		default:
		}
		select {
		case <-s.ch:
			s.dropped.Add(1)
		default:
		}
	}
}

// PublishLifecycle publishes a lifecycle event for project.
func (h *Hub) PublishLifecycle(project string, m api.EventLifecycle) {
	h.publishJSON(api.EventTypeLifecycle, project, m)
}

// PublishOperation publishes the current state of an operation.
func (h *Hub) PublishOperation(project string, op api.Operation) {
	h.publishJSON(api.EventTypeOperation, project, op)
}

// PublishLogging publishes a log record (no project, as LXD does).
func (h *Hub) PublishLogging(m api.EventLogging) {
	h.publishJSON(api.EventTypeLogging, "", m)
}

func (h *Hub) publishJSON(kind, project string, v any) {
	if h.Subscribers() == 0 {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		logrus.WithError(err).Error("Failed to encode event")
		return
	}
	h.Publish(api.Event{Type: kind, Metadata: data, Project: project})
}

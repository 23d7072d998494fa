package events

import (
	"context"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

func recv(t *testing.T, ch <-chan api.Event) (api.Event, bool) {
	t.Helper()
	select {
	case e, ok := <-ch:
		return e, ok
	case <-time.After(time.Second):
		return api.Event{}, false
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name   string
		filter Filter
		event  api.Event
		want   bool
	}{
		{"all types default project", Filter{}, api.Event{Type: "lifecycle", Project: "default"}, true},
		{"other project hidden", Filter{}, api.Event{Type: "lifecycle", Project: "p1"}, false},
		{"project selected", Filter{Project: "p1"}, api.Event{Type: "lifecycle", Project: "p1"}, true},
		{"all projects", Filter{AllProjects: true}, api.Event{Type: "operation", Project: "p1"}, true},
		{"logging has no project", Filter{Project: "p1"}, api.Event{Type: "logging"}, true},
		{"type filtered", Filter{Types: []string{"operation"}}, api.Event{Type: "lifecycle", Project: "default"}, false},
		{"local only drops remote", Filter{LocalOnly: true}, api.Event{Type: "lifecycle", Location: "m2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.filter.match(tt.event, "none"); got != tt.want {
				t.Fatalf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPublishSubscribe(t *testing.T) {
	h := NewHub(4)
	ctx, cancel := context.WithCancel(context.Background())
	ch := h.Subscribe(ctx, Filter{})
	h.PublishLifecycle("default", api.EventLifecycle{Action: "instance-created", Source: "/1.0/instances/c1"})
	e, ok := recv(t, ch)
	if !ok || e.Type != "lifecycle" || e.Location != "none" || e.Project != "default" {
		t.Fatalf("got %+v ok=%v", e, ok)
	}
	cancel()
	if _, ok := recv(t, ch); ok {
		t.Fatal("channel not closed after cancel")
	}
}

func TestSlowSubscriberLosesOldest(t *testing.T) {
	h := NewHub(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := h.Subscribe(ctx, Filter{AllProjects: true})
	for i := 0; i < 5; i++ {
		h.Publish(api.Event{Type: "operation", Project: string(rune('a' + i))})
	}
	first, _ := recv(t, ch)
	second, _ := recv(t, ch)
	if first.Project != "d" || second.Project != "e" {
		t.Fatalf("kept %q %q, want the newest d e", first.Project, second.Project)
	}
}

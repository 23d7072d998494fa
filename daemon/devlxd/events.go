package devlxd

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/daemon/events"
	"github.com/lxdng/lxd/shared/api"
)

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// eventTypes parses ?type= (default: config and device).
func eventTypes(r *http.Request) (map[string]bool, error) {
	v := r.URL.Query().Get("type")
	if v == "" {
		return map[string]bool{"config": true, "device": true}, nil
	}
	out := map[string]bool{}
	for _, t := range strings.Split(v, ",") {
		if t != "config" && t != "device" {
			return nil, api.BadRequest("Unknown event type %q", t)
		}
		out[t] = true
	}
	return out, nil
}

// eventStream is GET /1.0/events: a websocket of the instance's config
// (user.* keys) and device changes. Changes are found by diffing the
// instance before and after each lifecycle event about it, so any update
// path of the instance service is covered.
func (s *Server) eventStream(w http.ResponseWriter, r *http.Request, inst *Instance) error {
	types, err := eventTypes(r)
	if err != nil {
		return err
	}
	if s.o.Events == nil {
		return api.NotImplemented("events are not available")
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	go func() {
		// The client only reads; a failed read means it left.
		for {
			if _, _, err := conn.NextReader(); err != nil {
				cancel()
				return
			}
		}
	}()
	sub := s.o.Events.Subscribe(ctx, events.Filter{Types: []string{api.EventTypeLifecycle}, Project: inst.Ref.Project})
	cur := *inst
	for e := range sub {
		if !aboutInstance(e, cur) {
			continue
		}
		next, err := s.o.Lister.DevlxdInstance(ctx, cur.Ref)
		if err != nil {
			continue // deleted or renamed: nothing to report
		}
		for _, msg := range changes(cur, next, types) {
			if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				return nil
			}
		}
		cur = next
	}
	return nil
}

// aboutInstance says whether a lifecycle event's source is the instance
// itself (not a sub-resource).
func aboutInstance(e api.Event, inst Instance) bool {
	var lc api.EventLifecycle
	if err := json.Unmarshal(e.Metadata, &lc); err != nil {
		return false
	}
	path, _, _ := strings.Cut(lc.Source, "?")
	return path == "/1.0/instances/"+url.PathEscape(inst.Ref.Name) || path == "/1.0/instances/"+inst.Ref.Name
}

// changes renders the devlxd events between two states of an instance.
func changes(old, cur Instance, types map[string]bool) [][]byte {
	var out [][]byte
	now := time.Now()
	if types["config"] {
		for _, k := range changedKeys(old.Config, cur.Config) {
			md := map[string]string{"key": k, "old_value": old.Config[k], "value": cur.Config[k]}
			out = append(out, event("config", now, md))
		}
	}
	if types["device"] {
		for _, name := range changedDevices(old.Devices, cur.Devices) {
			action, cfg := "updated", cur.Devices[name]
			if _, ok := old.Devices[name]; !ok {
				action = "added"
			} else if _, ok := cur.Devices[name]; !ok {
				action, cfg = "removed", old.Devices[name]
			}
			out = append(out, event("device", now, map[string]any{"action": action, "name": name, "config": cfg}))
		}
	}
	return out
}

func changedKeys(a, b map[string]string) []string {
	var out []string
	for k := range union(a, b) {
		if visibleKey(k) && a[k] != b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func changedDevices(a, b map[string]map[string]string) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	var out []string
	for k := range seen {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func union(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// event renders one devlxd event as LXD sends it (JSON and a newline).
func event(kind string, at time.Time, md any) []byte {
	data, _ := json.Marshal(md)
	e, _ := json.Marshal(api.Event{Type: kind, Timestamp: at, Metadata: data})
	return append(e, '\n')
}

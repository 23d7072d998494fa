package eventsync

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

type collector struct {
	mu     sync.Mutex
	events []api.Event
}

func (c *collector) Publish(e api.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// peer serves /1.0/events: each connection gets two events, then the peer
// hangs up (so the follower must reconnect).
func peer(t *testing.T, conns *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/1.0/events" || r.URL.Query().Get("all-projects") != "true" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		n := conns.Add(1)
		for _, loc := range []string{"", "m2"} {
			data, _ := json.Marshal(api.Event{Type: "lifecycle", Location: loc, Metadata: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))})
			_ = c.WriteMessage(websocket.TextMessage, data)
		}
		time.Sleep(50 * time.Millisecond)
		c.Close()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSyncerFollowsAndReconnects(t *testing.T) {
	var conns atomic.Int32
	srv := peer(t, &conns)
	pub := &collector{}
	connect := func(address string) (*client.Client, error) { return client.ConnectHTTPS("http://"+address, nil) }
	s := New(pub, connect, logrus.NewEntry(logrus.New()))
	var seen atomic.Int32
	s.OnEvent = func(api.Event) { seen.Add(1) }
	addr := strings.TrimPrefix(srv.URL, "http://")
	s.Update(context.Background(), []Peer{{Name: "m2", Address: addr}})
	deadline := time.Now().Add(5 * time.Second)
	for conns.Load() < 2 || pub.count() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("connections %d, events %d", conns.Load(), pub.count())
		}
		time.Sleep(10 * time.Millisecond)
	}
	pub.mu.Lock()
	for _, e := range pub.events {
		if e.Location != "m2" {
			t.Errorf("event without the peer's location: %+v", e)
		}
	}
	pub.mu.Unlock()
	if seen.Load() < 4 {
		t.Errorf("OnEvent saw %d events", seen.Load())
	}
	// Dropping the peer stops its follower.
	s.Update(context.Background(), nil)
	time.Sleep(300 * time.Millisecond)
	n := conns.Load()
	time.Sleep(500 * time.Millisecond)
	if conns.Load() != n {
		t.Fatalf("follower still reconnecting after the peer was removed")
	}
	s.Stop()
}

// TestWaitConnectedSkipsBackoff checks WaitConnected returns as soon as the
// peer's stream can be set up, not after the follower's reconnect backoff.
func TestWaitConnectedSkipsBackoff(t *testing.T) {
	var failing atomic.Bool
	var attempts atomic.Int32
	failing.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		if failing.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	connect := func(address string) (*client.Client, error) { return client.ConnectHTTPS("http://"+address, nil) }
	s := New(&collector{}, connect, logrus.NewEntry(logrus.New()))
	t.Cleanup(s.Stop)
	addr := strings.TrimPrefix(srv.URL, "http://")

	if s.WaitConnected(context.Background(), "127.0.0.1:1") {
		t.Fatal("WaitConnected on a peer not followed")
	}
	s.Update(context.Background(), []Peer{{Name: "m2", Address: addr}})
	// Four failures: the next try is 1.6 s away.
	deadline := time.Now().Add(5 * time.Second)
	for attempts.Load() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("follower tried %d times", attempts.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if s.WaitConnected(short, addr) || s.Connected(addr) {
		t.Fatal("connected to a failing peer")
	}
	failing.Store(false)
	ctx, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	start := time.Now()
	if !s.WaitConnected(ctx, addr) || !s.Connected(addr) {
		t.Fatalf("not connected after %s (attempts %d)", time.Since(start), attempts.Load())
	}
}

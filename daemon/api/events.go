package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/daemon/events"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Upgrader is shared by every websocket endpoint; the caller is already
// authenticated, so cross-origin checks do not apply.
var Upgrader = websocket.Upgrader{
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  32 << 10,
	WriteBufferSize: 32 << 10,
}

type eventHandlers struct{ hub *events.Hub }

func eventRoutes(r chi.Router, d Deps) {
	e := eventHandlers{d.Events}
	r.Get("/events", h(trustedOnly, e.stream))
}

func parseEventTypes(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	types := strings.Split(v, ",")
	for _, t := range types {
		switch t {
		case api.EventTypeLifecycle, api.EventTypeLogging, api.EventTypeOperation:
		default:
			return nil, api.InternalError("%q isn't a supported event type", t)
		}
	}
	return types, nil
}

func (e eventHandlers) stream(w http.ResponseWriter, r *http.Request) error {
	types, err := parseEventTypes(r.URL.Query().Get("type"))
	if err != nil {
		return err
	}
	// Another member following our events (eventsync) gets only ours, so
	// that members never echo each other's events.
	filter := events.Filter{Types: types, AllProjects: allProjects(r), LocalOnly: request.From(r.Context()).ClusterPeer}
	if !filter.AllProjects {
		if filter.Project, err = projectParam(r); err != nil {
			return err
		}
	}
	if !websocket.IsWebSocketUpgrade(r) {
		w.Header().Set("Sec-Websocket-Version", "13")
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return nil
	}
	// Subscribe before answering the upgrade: a client that acts as soon as
	// its websocket is open must not miss the first events.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch := e.hub.Subscribe(ctx, filter)
	conn, err := Upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader already answered
	}
	defer conn.Close()
	e.pump(ctx, conn, ch)
	return nil
}

// pump forwards events until the client goes away; it pings every 10s.
func (e eventHandlers) pump(ctx context.Context, conn *websocket.Conn, ch <-chan api.Event) {
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(10 * time.Second)
	defer ping.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			data, err := json.Marshal(ev)
			if err != nil {
				continue
			}
			_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := conn.WriteMessage(websocket.TextMessage, data); err != nil {
				logctx.From(ctx).WithError(err).Debug("Event listener went away")
				return
			}
		case <-ping.C:
			_ = conn.WriteControl(websocket.PingMessage, []byte("keepalive"), time.Now().Add(5*time.Second))
		case <-closed:
			return
		case <-ctx.Done():
			return
		}
	}
}

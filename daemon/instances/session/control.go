package session

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"syscall"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// controlTarget is what control messages act on.
type controlTarget interface {
	Resize(width, height int) error
	Signal(sig syscall.Signal) error
}

// readControl applies the control stream's messages to t until the
// client hangs up; it returns when the connection fails.
func (s *Session) readControl(ctx context.Context, t controlTarget) {
	c := s.conn(Control)
	s.readers.Add(1)
	defer s.readers.Done()
	log := logctx.From(ctx)
	for {
		kind, r, err := c.NextReader()
		if err != nil {
			return
		}
		if kind != websocket.TextMessage {
			continue
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return
		}
		var msg api.InstanceExecControl
		if err := json.Unmarshal(data, &msg); err != nil {
			log.WithError(err).Debug("Ignoring a malformed control message")
			continue
		}
		if err := applyControl(t, msg); err != nil {
			log.WithError(err).WithField("command", msg.Command).Debug("Control message failed")
		}
	}
}

func applyControl(t controlTarget, msg api.InstanceExecControl) error {
	switch msg.Command {
	case "window-resize":
		w, errW := strconv.Atoi(msg.Args["width"])
		h, errH := strconv.Atoi(msg.Args["height"])
		if errW != nil || errH != nil {
			return api.BadRequest("Invalid window size %q x %q", msg.Args["width"], msg.Args["height"])
		}
		return t.Resize(w, h)
	case "signal":
		if msg.Signal <= 0 || msg.Signal > 64 {
			return api.BadRequest("Invalid signal %d", msg.Signal)
		}
		return t.Signal(syscall.Signal(msg.Signal))
	}
	return api.BadRequest("Unknown control command %q", msg.Command)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"
	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// The websocket side of exec and console, with LXD's framing: data goes in
// binary frames, an empty TEXT frame marks the end of a stream (in both
// directions), and the control socket carries JSON text frames
// (window-resize, signal). No close frames are needed: connections are
// just closed.

// sendStream copies r to conn as binary frames; at EOF it sends the empty
// text frame that tells the server stdin is done.
func sendStream(conn *websocket.Conn, mu *sync.Mutex, r io.Reader) {
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			mu.Lock()
			werr := conn.WriteMessage(websocket.BinaryMessage, buf[:n])
			mu.Unlock()
			if werr != nil {
				return
			}
		}
		if err != nil {
			mu.Lock()
			_ = conn.WriteMessage(websocket.TextMessage, nil)
			mu.Unlock()
			return
		}
	}
}

// recvStream copies binary frames from conn to w until the server's end
// marker (a text frame) or the connection ends.
func recvStream(conn *websocket.Conn, w io.Writer) {
	for {
		kind, r, err := conn.NextReader()
		if err != nil {
			return
		}
		if kind == websocket.TextMessage {
			return
		}
		if _, err := io.Copy(w, r); err != nil {
			return
		}
	}
}

// controlChannel sends control messages of an exec or console session.
type controlChannel struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

func (c *controlChannel) send(msg api.InstanceExecControl) error {
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.WriteMessage(websocket.TextMessage, data)
}

// resize sends {"command":"window-resize","args":{"height":"H","width":"W"},"signal":0}.
func (c *controlChannel) resize(width, height int) error {
	return c.send(api.InstanceExecControl{Command: "window-resize",
		Args: map[string]string{"width": strconv.Itoa(width), "height": strconv.Itoa(height)}})
}

// signal sends {"command":"signal","args":null,"signal":N}.
func (c *controlChannel) signal(sig unix.Signal) error {
	return c.send(api.InstanceExecControl{Command: "signal", Signal: int(sig)})
}

// forwardedSignals are relayed to the remote command, as LXD's client does;
// SIGWINCH becomes a window-resize.
var forwardedSignals = []os.Signal{unix.SIGWINCH, unix.SIGTERM, unix.SIGHUP, unix.SIGINT, unix.SIGQUIT,
	unix.SIGABRT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGUSR1, unix.SIGUSR2, unix.SIGSEGV, unix.SIGCONT}

// forwardSignals relays signals until done is closed. size gives the
// current terminal size for SIGWINCH.
func (a *app) forwardSignals(ctl *controlChannel, done <-chan struct{}, size func() (int, int)) {
	ch := make(chan os.Signal, 10)
	signal.Notify(ch, forwardedSignals...)
	defer signal.Stop(ch)
	for {
		select {
		case <-done:
			return
		case sig := <-ch:
			s := sig.(unix.Signal)
			if s == unix.SIGWINCH {
				w, h := size()
				a.debugf("Received '%s signal', updating window geometry.", s)
				_ = ctl.resize(w, h)
				continue
			}
			a.debugf("Received '%s signal', forwarding to executing program.", s)
			_ = ctl.signal(s)
		}
	}
}

// streamSession is a running exec/console operation with its websockets.
type streamSession struct {
	op      *client.Operation
	control *controlChannel
	conns   map[string]*websocket.Conn
	locks   map[string]*sync.Mutex
}

// connectStreams opens the operation's websockets in LXD's order: control
// first, then the numbered streams.
func connectStreams(ctx context.Context, op *client.Operation, fds []string) (*streamSession, error) {
	secrets := op.Secrets()
	s := &streamSession{op: op, conns: map[string]*websocket.Conn{}, locks: map[string]*sync.Mutex{}}
	for _, fd := range append([]string{"control"}, fds...) {
		secret, ok := secrets[fd]
		if !ok {
			s.close()
			return nil, errors.New("The server didn't send websocket secret for " + fd)
		}
		conn, err := op.Websocket(ctx, secret)
		if err != nil {
			s.close()
			return nil, err
		}
		s.conns[fd], s.locks[fd] = conn, &sync.Mutex{}
	}
	s.control = &controlChannel{conn: s.conns["control"]}
	// Reading the control socket answers the server's keepalive pings.
	go func() {
		for {
			if _, _, err := s.conns["control"].NextReader(); err != nil {
				return
			}
		}
	}()
	return s, nil
}

func (s *streamSession) close() {
	for _, c := range s.conns {
		c.Close()
	}
}

package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"

	"github.com/gorilla/websocket"
	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/client"
)

// The websocket side of exec and console. LXD's framing (binary data, an
// empty text frame to end a stream, JSON control messages) is in
// shared/client (SendStream, ReceiveStream, ExecControl). No close frames
// are needed: connections are just closed.

// forwardedSignals are relayed to the remote command, as LXD's client does;
// SIGWINCH becomes a window-resize.
var forwardedSignals = []os.Signal{unix.SIGWINCH, unix.SIGTERM, unix.SIGHUP, unix.SIGINT, unix.SIGQUIT,
	unix.SIGABRT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGUSR1, unix.SIGUSR2, unix.SIGSEGV, unix.SIGCONT}

// forwardSignals relays signals until done is closed. size gives the
// current terminal size for SIGWINCH.
func (a *app) forwardSignals(ctl *client.ExecControl, done <-chan struct{}, size func() (int, int)) {
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
				_ = ctl.Resize(w, h)
				continue
			}
			a.debugf("Received '%s signal', forwarding to executing program.", s)
			_ = ctl.Signal(int(s))
		}
	}
}

// streamSession is a running exec/console operation with its websockets.
type streamSession struct {
	op      *client.Operation
	control *client.ExecControl
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
	s.control = client.NewExecControl(s.conns["control"])
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

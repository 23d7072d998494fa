package devlxd

import (
	"context"
	"errors"
	"net"

	"golang.org/x/sys/unix"
)

type connKey struct{}

// connContext keeps the connection in the request context, so handlers
// can ask the kernel who is on the other end.
func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// peer is the connecting process as the kernel reports it.
type peer struct {
	pid   int
	pidfd int // -1 when the kernel cannot give one
}

// peerOf reads SO_PEERCRED and SO_PEERPIDFD of the request's connection.
// The pidfd pins the process: checking it is still alive after the
// lookup proves the pid was not reused meanwhile. Close releases it.
func peerOf(ctx context.Context) (*peer, error) {
	uc, ok := ctx.Value(connKey{}).(*net.UnixConn)
	if !ok {
		return nil, errors.New("not a unix socket connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, err
	}
	p := &peer{pidfd: -1}
	var cerr error
	err = raw.Control(func(fd uintptr) {
		var cred *unix.Ucred
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
		if cerr != nil {
			return
		}
		p.pid = int(cred.Pid)
		if pfd, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PEERPIDFD); err == nil {
			p.pidfd = pfd
		}
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if p.pid <= 0 {
		p.close()
		return nil, errors.New("the peer has no pid in this namespace")
	}
	return p, nil
}

// alive says whether the process the pidfd pins still exists (and so
// still owns pid).
func (p *peer) alive() bool {
	if p.pidfd < 0 {
		return true // older kernels: best effort
	}
	return unix.PidfdSendSignal(p.pidfd, 0, nil, 0) == nil
}

func (p *peer) close() {
	if p.pidfd >= 0 {
		_ = unix.Close(p.pidfd)
		p.pidfd = -1
	}
}

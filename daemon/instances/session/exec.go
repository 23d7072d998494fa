package session

import (
	"context"
	"syscall"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
)

// killWait bounds the wait for a command killed because its session was
// abandoned or the daemon is stopping.
const killWait = 10 * time.Second

// StartFunc starts a command (the instance driver's Exec for one instance).
type StartFunc func(ctx context.Context, req instance.ExecReq) (instance.Process, error)

// ExecStreams are the streams an exec session uses: interactive commands
// share one terminal stream "0".
func ExecStreams(interactive bool) []string {
	if interactive {
		return []string{Stdin, Control}
	}
	return []string{Stdin, Stdout, Stderr, Control}
}

// RunExec waits until every stream is connected (or ctx ends), runs req
// with its stdio on the websockets and returns the command's exit code
// once it ended and its output was sent, followed by end-of-stream frames.
// started is called once the command runs.
func (s *Session) RunExec(ctx context.Context, req instance.ExecReq, start StartFunc, started func()) (int, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		s.Close()
		return -1, ctx.Err()
	}
	req.Stdin = s.reader(Stdin)
	var outs []*frameWriter
	if req.Interactive {
		out := s.writer(Stdin)
		req.Stdout, req.Stderr = out, nil
		outs = append(outs, out)
	} else {
		o, e := s.writer(Stdout), s.writer(Stderr)
		req.Stdout, req.Stderr = o, e
		outs = append(outs, o, e)
		s.startDrain(Stdout)
		s.startDrain(Stderr)
	}
	defer s.closeWhenDone()
	p, err := start(ctx, req)
	if err != nil {
		sendEOF(outs)
		return -1, err
	}
	if started != nil {
		started()
	}
	ended := make(chan struct{})
	go func() {
		s.readControl(ctx, p)
		select {
		case <-ended:
		default:
			// The client is gone: nobody can see or stop the command.
			_ = p.Signal(syscall.SIGKILL)
		}
	}()
	code, err := p.Wait(ctx)
	if ctx.Err() != nil {
		_ = p.Signal(syscall.SIGKILL)
		wctx, cancel := context.WithTimeout(context.Background(), killWait)
		code, err = p.Wait(wctx)
		cancel()
	}
	close(ended)
	sendEOF(outs)
	return code, err
}

func sendEOF(outs []*frameWriter) {
	for _, w := range outs {
		_ = w.EOF()
	}
}

package session

import (
	"context"
	"io"
	"syscall"
)

// ConsoleStreams are the streams of a console session.
func ConsoleStreams() []string { return []string{Stdin, Control} }

// AttachFunc attaches to an instance's console.
type AttachFunc func(ctx context.Context) (io.ReadWriteCloser, error)

// noResize is the control target of a console: a container console has
// no size to change and no process to signal.
type noResize struct{}

func (noResize) Resize(int, int) error       { return nil }
func (noResize) Signal(syscall.Signal) error { return nil }

// RunConsole waits until both streams are connected, attaches the console
// and mirrors it on stream "0" until the client hangs up (closes the
// control or the data stream), the console ends, or ctx ends. The console
// is then detached.
func (s *Session) RunConsole(ctx context.Context, attach AttachFunc) error {
	select {
	case <-s.ready:
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
	defer s.closeWhenDone()
	out := s.writer(Stdin)
	console, err := attach(ctx)
	if err != nil {
		_ = out.EOF()
		return err
	}
	finished := make(chan struct{}, 3)
	go func() {
		_, _ = io.Copy(out, console)
		finished <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(console, s.reader(Stdin))
		finished <- struct{}{}
	}()
	go func() {
		s.readControl(ctx, noResize{})
		finished <- struct{}{}
	}()
	select {
	case <-finished:
	case <-ctx.Done():
	}
	err = console.Close()
	s.Close()
	return err
}

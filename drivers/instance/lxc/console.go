package lxc

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/instance"
)

// Console attaches to the container console through the forkconsole
// helper, which proxies it over a socket pair. liblxc allows one attachment
// at a time; it is released when the helper exits.
func (d *Driver) Console(ctx context.Context, r instance.Ref) (io.ReadWriteCloser, error) {
	if err := d.requireRunning(r); err != nil {
		return nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	ours := os.NewFile(uintptr(fds[0]), "console")
	theirs := os.NewFile(uintptr(fds[1]), "console-helper")
	defer theirs.Close()
	cmd := d.helper(context.Background(), helperConsole, lxcName(r), d.opts.LxcPath, d.paths(r).config)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = theirs, theirs, theirs
	if err := cmd.Start(); err != nil {
		ours.Close()
		return nil, fmt.Errorf("Failed to run the console helper: %w", err)
	}
	c := &console{File: ours, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// console is an attached console. Close ends the helper (its stdin ends;
// it is killed if it lingers) and waits for it, so a new Console may
// attach right after.
type console struct {
	*os.File
	cmd    *exec.Cmd
	exited chan struct{}
	once   sync.Once
}

func (c *console) Close() error {
	c.once.Do(func() {
		_ = unix.Shutdown(int(c.File.Fd()), unix.SHUT_WR)
		select {
		case <-c.exited:
		case <-time.After(time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		c.File.Close()
	})
	return nil
}

package daemons

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/lxdng/lxd/shared/client"
)

// Options describe a daemon to start.
type Options struct {
	Label  string // how reports name it ("ours", "LXD 5.0.2")
	Binary string // the lxd executable
	Debug  bool   // run with --debug (a slower daemon: off for benchmarks)
	Env    []string
}

// Daemon is one running daemon in its own LXD_DIR.
type Daemon struct {
	Label   string
	Base    string // temporary directory holding Dir, ConfDir and the log
	Dir     string // LXD_DIR
	ConfDir string // LXD_CONF for lxc clients
	LogPath string
	Client  *client.Client
	opts    Options
	cmd     *exec.Cmd
	exited  chan struct{}
}

// Start runs o.Binary with LXD_DIR set to a fresh temporary directory and
// waits until GET /1.0 answers on its unix socket.
func Start(ctx context.Context, o Options) (*Daemon, error) {
	base, err := os.MkdirTemp("", "lxd-benchmark-")
	if err != nil {
		return nil, err
	}
	d := &Daemon{Label: o.Label, Base: base, Dir: filepath.Join(base, "lxd"), ConfDir: filepath.Join(base, "conf"),
		LogPath: filepath.Join(base, "lxd.log"), opts: o}
	for _, dir := range []string{base, d.Dir, d.ConfDir} {
		if err := os.MkdirAll(dir, 0o711); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o711); err != nil {
			return nil, err
		}
	}
	if err := d.launch(ctx); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

// launch runs the binary on d.Dir and waits until it answers.
func (d *Daemon) launch(ctx context.Context) error {
	logf, err := os.OpenFile(d.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"--group", "root"}
	if d.opts.Debug {
		args = append(args, "--debug")
	}
	d.exited = make(chan struct{})
	d.cmd = exec.Command(d.opts.Binary, args...)
	d.cmd.Env = append(append(os.Environ(), "LXD_DIR="+d.Dir), d.opts.Env...)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		d.cmd = nil
		return fmt.Errorf("Failed to start %s: %w", d.opts.Binary, err)
	}
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(d.cmd, d.exited)
	return d.waitReady(ctx, 90*time.Second)
}

// Kill sends SIGKILL to the daemon process only (what a crash looks like)
// and waits for it to be gone.
func (d *Daemon) Kill() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Kill()
	<-d.exited
	d.cmd = nil
}

// Restart starts the daemon again on the same LXD_DIR after Kill.
func (d *Daemon) Restart(ctx context.Context) error {
	if d.cmd != nil {
		return fmt.Errorf("%s daemon is still running", d.Label)
	}
	return d.launch(ctx)
}

// PID is the daemon's process id (0 when not running).
func (d *Daemon) PID() int {
	if d.cmd == nil || d.cmd.Process == nil {
		return 0
	}
	return d.cmd.Process.Pid
}

// Socket is the daemon's unix socket.
func (d *Daemon) Socket() string { return filepath.Join(d.Dir, "unix.socket") }

// Env is the environment that points lxc at this daemon.
func (d *Daemon) Env() []string {
	return append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
}

func (d *Daemon) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		c, err := client.ConnectUnix(d.Socket(), &client.Options{Timeout: 5 * time.Second})
		if err == nil {
			if _, _, err = c.GetServer(ctx); err == nil {
				d.Client, err = client.ConnectUnix(d.Socket(), nil)
				return err
			}
		}
		lastErr = err
		select {
		case <-d.exited:
			return fmt.Errorf("%s daemon exited during startup (log: %s)", d.Label, d.LogPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s daemon not ready after %s: %w", d.Label, timeout, lastErr)
}

// Stop ends the daemon (SIGTERM, then SIGKILL of its process group after a
// minute), unmounts whatever is still mounted under its directory and
// removes the directory.
func (d *Daemon) Stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(time.Minute):
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.exited
		}
	}
	for _, m := range mountsUnder(d.Base) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	_ = os.RemoveAll(d.Base)
}

// mountsUnder lists mount points below dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			out = append(out, fields[4])
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// RSS returns the resident set size of pid in MiB (VmRSS of
// /proc/<pid>/status).
func RSS(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmRSS(string(data))
}

func parseVmRSS(status string) (float64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err != nil {
				return 0, fmt.Errorf("Failed to parse VmRSS %q: %w", line, err)
			}
			return kb / 1024, nil
		}
	}
	return 0, errors.New("No VmRSS in /proc/<pid>/status")
}

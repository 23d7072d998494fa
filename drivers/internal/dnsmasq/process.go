package dnsmasq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/logctx"
)

// Process is one supervised dnsmasq.
type Process struct {
	cfg  Config
	args []string
	log  *logrus.Entry

	mu       sync.Mutex
	cur      handle
	restarts int

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// handle is one incarnation of the process: its pid and a channel closed
// when it has exited.
type handle struct {
	pid    int
	exited chan struct{}
}

const (
	readyTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
	maxBackoff   = 5 * time.Second
)

// Start launches dnsmasq for cfg, or adopts the one a previous daemon left
// running with exactly the same command line, and supervises it until Stop.
// It returns once dnsmasq has written its pid file (its sockets are bound)
// or failed.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	if err := prepareStateDir(cfg); err != nil {
		return nil, err
	}
	p := &Process{
		cfg:  cfg,
		args: cfg.Args(),
		log:  logctx.From(ctx).WithField("dnsmasq", cfg.Interface),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	h, err := p.adoptOrSpawn(ctx)
	if err != nil {
		return nil, err
	}
	p.cur = h
	go p.supervise()
	return p, nil
}

func prepareStateDir(cfg Config) error {
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return fmt.Errorf("Failed creating dnsmasq state directory: %w", err)
	}
	// dnsmasq re-reads the hosts file as an unprivileged user on SIGHUP.
	if err := os.Chmod(cfg.StateDir, 0o755); err != nil {
		return err
	}
	for _, f := range []string{RawFile, HostsFile} {
		path := cfg.Path(f)
		if _, err := os.Stat(path); os.IsNotExist(err) {
			if _, err := WriteFileAtomic(path, nil); err != nil {
				return fmt.Errorf("Failed creating %q: %w", path, err)
			}
		}
	}
	return nil
}

func (p *Process) adoptOrSpawn(ctx context.Context) (handle, error) {
	if pid := readPid(p.cfg.Path(PidFile)); pid > 0 {
		argv, err := cmdline(pid)
		if err == nil && isDnsmasq(argv) {
			if equalArgs(argv[1:], p.args) {
				if h, err := watchPid(pid); err == nil {
					p.log.WithField("pid", pid).Info("Adopted running dnsmasq")
					return h, nil
				}
			}
			// Ours (it used our pid file) but with an outdated command line.
			if h, err := watchPid(pid); err == nil {
				terminate(h, p.log)
			}
		}
	}
	return p.spawn(ctx)
}

func (p *Process) spawn(ctx context.Context) (handle, error) {
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		return handle{}, fmt.Errorf("dnsmasq is missing (install dnsmasq-base): %w", err)
	}
	pidFile := p.cfg.Path(PidFile)
	_ = os.Remove(pidFile)
	logFile, err := openLog(p.cfg.Path(LogFile))
	if err != nil {
		return handle{}, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, p.args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Own process group: a signal to the daemon's group does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return handle{}, fmt.Errorf("Failed starting dnsmasq: %w", err)
	}
	h := handle{pid: cmd.Process.Pid, exited: make(chan struct{})}
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(h.exited)
	}()
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-h.exited:
			return handle{}, fmt.Errorf("dnsmasq exited during startup (%v): %s", waitErr, tailLog(p.cfg.Path(LogFile)))
		case <-deadline.C:
			terminate(h, p.log)
			return handle{}, fmt.Errorf("dnsmasq did not become ready within %s: %s", readyTimeout, tailLog(p.cfg.Path(LogFile)))
		case <-ctx.Done():
			terminate(h, p.log)
			return handle{}, ctx.Err()
		case <-tick.C:
			if readPid(pidFile) == h.pid {
				p.log.WithField("pid", h.pid).Debug("Started dnsmasq")
				return h, nil
			}
		}
	}
}

// supervise restarts dnsmasq whenever it exits until Stop is called.
func (p *Process) supervise() {
	defer close(p.done)
	backoff := 100 * time.Millisecond
	for {
		p.mu.Lock()
		h := p.cur
		p.mu.Unlock()
		started := time.Now()
		select {
		case <-p.stop:
			return
		case <-h.exited:
		}
		if time.Since(started) > 30*time.Second {
			backoff = 100 * time.Millisecond
		}
		p.log.WithField("pid", h.pid).Warn("dnsmasq exited, restarting it")
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, maxBackoff)
			nh, err := p.spawn(context.Background())
			if err == nil {
				p.mu.Lock()
				p.cur = nh
				p.restarts++
				p.mu.Unlock()
				break
			}
			p.log.WithError(err).Warn("Failed restarting dnsmasq")
		}
	}
}

// Stop ends supervision and terminates dnsmasq (SIGTERM, then SIGKILL).
func (p *Process) Stop() {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.done
	p.mu.Lock()
	h := p.cur
	p.mu.Unlock()
	terminate(h, p.log)
	_ = os.Remove(p.cfg.Path(PidFile))
}

// Detach ends supervision but leaves dnsmasq running, for a daemon shutting
// down: the next daemon's Start adopts it when its command line is unchanged.
func (p *Process) Detach() {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.done
}

// Reload makes dnsmasq re-read its hosts file (SIGHUP).
func (p *Process) Reload() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.cur.exited:
		// Being restarted by the supervisor: the new one reads the files afresh.
		return nil
	default:
	}
	return syscall.Kill(p.cur.pid, syscall.SIGHUP)
}

// Pid is the current dnsmasq's pid.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur.pid
}

// Restarts counts how often the supervisor restarted dnsmasq.
func (p *Process) Restarts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

// Args is the command line the process runs with.
func (p *Process) Args() []string { return append([]string(nil), p.args...) }

// StopStale terminates a dnsmasq recorded in stateDir's pid file that no
// Process supervises (left by a previous daemon), e.g. when the network it
// served is being deleted.
func StopStale(stateDir string, log *logrus.Entry) {
	pid := readPid(filepath.Join(stateDir, PidFile))
	if pid <= 0 {
		return
	}
	argv, err := cmdline(pid)
	if err != nil || !isDnsmasq(argv) || !containsArg(argv, "--pid-file="+filepath.Join(stateDir, PidFile)) {
		return
	}
	if h, err := watchPid(pid); err == nil {
		terminate(h, log)
	}
	_ = os.Remove(filepath.Join(stateDir, PidFile))
}

func terminate(h handle, log *logrus.Entry) {
	if h.pid <= 0 {
		return
	}
	select {
	case <-h.exited:
		return
	default:
	}
	_ = syscall.Kill(h.pid, syscall.SIGTERM)
	select {
	case <-h.exited:
		return
	case <-time.After(stopTimeout):
	}
	log.WithField("pid", h.pid).Warn("dnsmasq ignored SIGTERM, killing it")
	_ = syscall.Kill(h.pid, syscall.SIGKILL)
	<-h.exited
}

// watchPid returns a handle for a process that is not our child, using a
// pidfd so exit is noticed without polling /proc and without pid reuse races.
func watchPid(pid int) (handle, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return handle{}, err
	}
	h := handle{pid: pid, exited: make(chan struct{})}
	go func() {
		defer unix.Close(fd)
		defer close(h.exited)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds, -1)
			if err != nil && errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || n > 0 {
				return
			}
		}
	}()
	return h, nil
}

func readPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

func cmdline(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil, fmt.Errorf("process %d has no command line", pid)
	}
	return strings.Split(string(b), "\x00"), nil
}

func isDnsmasq(argv []string) bool { return len(argv) > 0 && filepath.Base(argv[0]) == "dnsmasq" }

func equalArgs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsArg(argv []string, arg string) bool {
	for _, a := range argv {
		if a == arg {
			return true
		}
	}
	return false
}

func openLog(path string) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && st.Size() > 1<<20 {
		_ = os.Truncate(path, 0)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("Failed opening dnsmasq log: %w", err)
	}
	return f, nil
}

func tailLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "; ")
}

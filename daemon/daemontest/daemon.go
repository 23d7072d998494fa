package daemontest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/client"
)

// Kind selects which implementation a Daemon runs.
type Kind string

// Daemon kinds.
const (
	Ours      Kind = "ours"
	Reference Kind = "reference" // LXD 5.0.2 from the Debian package
)

// Daemon is one running daemon under test.
type Daemon struct {
	Kind    Kind
	Dir     string // LXD_DIR
	ConfDir string // LXD_CONF for the lxc clients run against it
	Client  *client.Client
	cmd     *exec.Cmd
	logPath string
	quiet   bool
	env     []string // extra environment of the daemon process
	t       testing.TB
}

// RepoRoot finds the repository root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary returns the path of one of our built binaries, failing the test
// with advice when it is missing.
func Binary(t testing.TB, name string) string {
	p := filepath.Join(RepoRoot(t), "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing: run `make build` first (make test does it)", p)
	}
	return p
}

// require fails the test when a host binary is missing.
func require(t testing.TB, bin, pkg string) string {
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("%s not found: install it with scripts/install-deps (Debian package %s)", bin, pkg)
	}
	return p
}

// Name returns a unique name with prefix, short enough for interfaces.
func Name(t testing.TB, prefix string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Options tune Start.
type Options struct {
	Kind Kind
	// Setup runs on the empty LXD_DIR before the daemon starts (e.g. to
	// install server.ca for PKI mode).
	Setup func(dir string)
	// Quiet runs the daemon without --debug.
	Quiet bool
	// Env is added to the daemon's environment (e.g. a short cluster
	// heartbeat interval).
	Env []string
}

// Start runs our daemon in a temporary LXD_DIR and stops it at cleanup.
func Start(t testing.TB) *Daemon { return StartWith(t, Options{}) }

// StartReference runs the real LXD 5.0.2.
func StartReference(t testing.TB) *Daemon { return StartWith(t, Options{Kind: Reference}) }

// StartWith runs a daemon as configured.
func StartWith(t testing.TB, o Options) *Daemon {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("integration tests need root")
	}
	if o.Kind == "" {
		o.Kind = Ours
	}
	base, err := os.MkdirTemp("", "lxdng-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o711); err != nil {
		t.Fatal(err)
	}
	d := &Daemon{Kind: o.Kind, Dir: filepath.Join(base, "lxd"), ConfDir: filepath.Join(base, "conf"), env: o.Env, t: t, quiet: o.Quiet}
	for _, dir := range []string{d.Dir, d.ConfDir} {
		if err := os.MkdirAll(dir, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	if o.Setup != nil {
		o.Setup(d.Dir)
	}
	t.Cleanup(func() {
		d.Stop()
		if t.Failed() {
			d.dumpLog()
		}
		d.reap(t, base)
		_ = os.RemoveAll(base)
	})
	d.launch()
	return d
}

func (d *Daemon) launch() {
	t := d.t
	d.logPath = filepath.Join(filepath.Dir(d.Dir), "lxd.log")
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	d.cmd = d.command(logf)
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", d.cmd.Path, err)
	}
	d.waitReady(60 * time.Second)
}

// command builds the daemon's command line, logging to logf.
func (d *Daemon) command(logf *os.File) *exec.Cmd {
	bin := "/usr/bin/lxd"
	if d.Kind == Ours {
		bin = Binary(d.t, "lxd")
	} else if _, err := os.Stat(bin); err != nil {
		bin = require(d.t, "lxd", "lxd")
	}
	args := []string{"--group", "root", "--debug"}
	if d.quiet {
		args = args[:2]
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "LXD_DIR="+d.Dir), d.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func (d *Daemon) waitReady(timeout time.Duration) {
	t := d.t
	deadline := time.Now().Add(timeout)
	sock := filepath.Join(d.Dir, "unix.socket")
	for {
		c, err := client.ConnectUnix(sock, &client.Options{Timeout: 5 * time.Second})
		if err == nil {
			if _, _, err = c.GetServer(context.Background()); err == nil {
				d.Client, _ = client.ConnectUnix(sock, nil)
				return
			}
		}
		if d.cmd.ProcessState != nil || time.Now().After(deadline) {
			d.dumpLog()
			t.Fatalf("daemon (%s) not ready after %s: %v", d.Kind, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PID is the daemon's process id.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }

// Stop asks the daemon to shut down (lxd shutdown) and waits for it,
// killing it after a timeout.
func (d *Daemon) Stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	start := time.Now()
	defer func() {
		if took := time.Since(start); took > 3*time.Second {
			d.t.Logf("%s took %s to stop", d, took.Round(time.Millisecond))
		}
	}()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	d.cmd = nil
}

// Kill sends SIGKILL to the daemon only (not its children: containers
// must survive a daemon crash).
func (d *Daemon) Kill() {
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Kill()
	_ = d.cmd.Wait()
	d.cmd = nil
}

// Restart stops (or has lost) the daemon and starts it again on the same
// LXD_DIR.
func (d *Daemon) Restart() {
	d.Stop()
	d.launch()
}

func (d *Daemon) dumpLog() {
	data, err := os.ReadFile(d.logPath)
	if err != nil {
		return
	}
	lines := strings.Split(string(data), "\n")
	keep := 80
	if n, err := strconv.Atoi(os.Getenv("LXDNG_TEST_LOG_LINES")); err == nil && n > 0 {
		keep = n
	}
	if len(lines) > keep {
		lines = lines[len(lines)-keep:]
	}
	for i, l := range lines {
		if len(l) > 400 {
			lines[i] = l[:400] + "..."
		}
	}
	d.t.Logf("---- %s daemon log (last lines) ----\n%s", d.Kind, strings.Join(lines, "\n"))
}

// Result is the outcome of a CLI run.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// LXC runs the real lxc 5.0.2 client against the daemon.
func (d *Daemon) LXC(t testing.TB, args ...string) Result {
	t.Helper()
	return d.run(t, require(t, "lxc", "lxd-client"), nil, args...)
}

// LXCEnv runs the real lxc with extra environment (e.g. another LXD_CONF).
func (d *Daemon) LXCEnv(t testing.TB, env []string, args ...string) Result {
	t.Helper()
	return d.run(t, require(t, "lxc", "lxd-client"), env, args...)
}

// OurLXC runs our lxc.
func (d *Daemon) OurLXC(t testing.TB, args ...string) Result {
	t.Helper()
	return d.run(t, Binary(t, "lxc"), nil, args...)
}

// LXCWithin runs the real lxc like LXC but kills it after timeout, and
// says whether it had to: LXD 5.0.2's client, which waits for operations
// through events, now and then waits forever for one that has ended.
func (d *Daemon) LXCWithin(t testing.TB, timeout time.Duration, args ...string) (Result, bool) {
	t.Helper()
	return d.runWithin(t, require(t, "lxc", "lxd-client"), nil, timeout, args...)
}

func (d *Daemon) run(t testing.TB, bin string, env []string, args ...string) Result {
	r, _ := d.runWithin(t, bin, env, 5*time.Minute, args...)
	return r
}

func (d *Daemon) runWithin(t testing.TB, bin string, env []string, timeout time.Duration, args ...string) (Result, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := Result{Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s %v: %v", bin, args, err)
	}
	return res, ctx.Err() != nil
}

// MustLXC runs the real lxc and fails the test on a non-zero exit.
func (d *Daemon) MustLXC(t testing.TB, args ...string) string {
	t.Helper()
	r := d.LXC(t, args...)
	if r.ExitCode != 0 {
		t.Fatalf("lxc %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.ExitCode, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// String describes the daemon in test output.
func (d *Daemon) String() string { return fmt.Sprintf("%s daemon at %s", d.Kind, d.Dir) }

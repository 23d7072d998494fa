//go:build integration

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Small, self-contained harness for driving OUR lxc against a real bin/lxd.
// (The shared harness will live in daemon/daemontest; keep this minimal.)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds cmd/lxd and cmd/lxc once per test run.
func binaries(t *testing.T) (lxd, lxcBin string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("/tmp", "lxdngcli-bin-")
		if buildErr != nil {
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = "/usr/local/go/bin/go"
		}
		cmd := exec.Command(goBin, "build", "-o", binDir+"/", "./cmd/lxd", "./cmd/lxc")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "lxd"), filepath.Join(binDir, "lxc")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// daemon is one bin/lxd running in its own LXD_DIR.
type daemon struct {
	dir    string
	lxcBin string
}

// startDaemon runs bin/lxd as root in a fresh /tmp/lxdngcli-* LXD_DIR and
// stops it (by PID) when the test ends.
func startDaemon(t *testing.T) *daemon {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("integration tests must run as root (they start a real lxd)")
	}
	lxdBin, lxcBin := binaries(t)
	dir := tempDir(t, "lxdngcli-lxd-")
	logFile, err := os.Create(filepath.Join(dir, "test-daemon.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lxdBin, "--group", "root")
	cmd.Env = append(os.Environ(), "LXD_DIR="+dir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stop := exec.Command(lxdBin, "shutdown", "--timeout", "10")
		stop.Env = append(os.Environ(), "LXD_DIR="+dir)
		_ = stop.Run()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		if t.Failed() {
			if data, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("daemon log:\n%s", data)
			}
		}
	})
	ready := exec.Command(lxdBin, "waitready", "--timeout", "30")
	ready.Env = append(os.Environ(), "LXD_DIR="+dir)
	if out, err := ready.CombinedOutput(); err != nil {
		t.Fatalf("lxd waitready: %v\n%s", err, out)
	}
	return &daemon{dir: dir, lxcBin: lxcBin}
}

// tempDir makes a directory under /tmp (short unix socket paths) removed
// at the end of the test.
func tempDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// result is one client run.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// run executes a client binary with LXD_DIR of d and the given LXD_CONF;
// stdin is empty unless given.
func (d *daemon) run(t *testing.T, bin, conf, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.dir, "LXD_CONF="+conf)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %v: %v", bin, args, err)
	}
	return r
}

// lxc runs OUR client and fails the test unless it exits 0.
func (d *daemon) lxc(t *testing.T, conf string, args ...string) string {
	t.Helper()
	r := d.run(t, d.lxcBin, conf, "", args...)
	if r.code != 0 {
		t.Fatalf("lxc %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// lxcFail runs OUR client and expects exit 1 with "Error: <msg>" on stderr.
func (d *daemon) lxcFail(t *testing.T, conf, wantErr string, args ...string) {
	t.Helper()
	r := d.run(t, d.lxcBin, conf, "", args...)
	if r.code != 1 || !strings.Contains(r.stderr, "Error: "+wantErr) {
		t.Fatalf("lxc %s: want exit 1 and %q, got %s", strings.Join(args, " "), "Error: "+wantErr, r)
	}
}

// freePort finds a free TCP port in 127.0.0.1:19000-19099.
func freePort(t *testing.T) string {
	t.Helper()
	for port := 19000 + os.Getpid()%50; port < 19100; port++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return fmt.Sprintf("127.0.0.1:%d", port)
		}
	}
	t.Fatal("no free port in 127.0.0.1:19000-19099")
	return ""
}

// listenHTTPS gives d an HTTPS address and returns it.
func (d *daemon) listenHTTPS(t *testing.T, conf string) string {
	t.Helper()
	addr := freePort(t)
	d.lxc(t, conf, "config", "set", "core.https_address", addr)
	return addr
}

// realLXC is the reference client, whose presence the interop tests need.
func realLXC(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/lxc"); err != nil {
		t.Fatal("/usr/bin/lxc (LXD 5.0.2 client) is missing: apt-get install lxd-client (or lxd)")
	}
	return "/usr/bin/lxc"
}

// waitFor polls cond until it is true or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

//go:build integration

package api_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// ptyClient runs the real lxc client on a new pseudo-terminal, as a user
// at a terminal would.
type ptyClient struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	out    ioBuffer
	done   chan error
}

func ioOpenPty(t *testing.T, rows, cols uint16) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ioSetWinsize(t, m, rows, cols)
	return m, s
}

func ioSetWinsize(t *testing.T, f *os.File, rows, cols uint16) {
	if err := unix.IoctlSetWinsize(int(f.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
}

// startPty starts lxc args on a rows x cols terminal.
func startPty(t *testing.T, d *daemontest.Daemon, rows, cols uint16, args ...string) *ptyClient {
	t.Helper()
	return startPtyEnv(t, d, nil, rows, cols, args...)
}

// startPtyEnv is startPty with extra environment.
func startPtyEnv(t *testing.T, d *daemontest.Daemon, env []string, rows, cols uint16, args ...string) *ptyClient {
	t.Helper()
	master, slave := ioOpenPty(t, rows, cols)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := ioLXCCommand(ctx, d, args...)
	cmd.Env = append(append(cmd.Env, "TERM=xterm"), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	p := &ptyClient{t: t, master: master, cmd: cmd, done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			_, _ = p.out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		cancel()
		master.Close()
	})
	return p
}

func (p *ptyClient) send(s string) {
	p.t.Helper()
	if _, err := p.master.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// expect waits until the output holds want, sending retry (if any) every
// half second meanwhile.
func (p *ptyClient) expect(want, retry string) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	next := time.Now()
	for !strings.Contains(p.out.String(), want) {
		if time.Now().After(deadline) {
			p.t.Fatalf("terminal never showed %q; it shows:\n%q", want, p.out.String())
		}
		if retry != "" && time.Now().After(next) {
			p.send(retry)
			next = time.Now().Add(500 * time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exitCode waits for the client to end.
func (p *ptyClient) exitCode() int {
	p.t.Helper()
	select {
	case err := <-p.done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		p.t.Fatalf("client did not exit; terminal:\n%q", p.out.String())
	}
	return -1
}

// scenarioExecInteractive: lxc exec on a terminal gets a terminal inside,
// of the client's size, follows its resizes and forwards signals.
func scenarioExecInteractive(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "ei")
	x.launch(t, name, nil)
	p := startPty(t, x.d, 24, 80, "exec", name, "--", "sh")
	p.expect("# ", "")
	p.send("tty; stty size\n")
	p.expect("24 80", "")
	if !strings.Contains(p.out.String(), "/dev/pts/") {
		t.Fatalf("no terminal inside: %q", p.out.String())
	}
	// The kernel sends SIGWINCH to the client, which sends window-resize.
	ioSetWinsize(t, p.master, 30, 100)
	p.expect("30 100", "stty size\n")
	p.send("trap 'echo got-USR''1' USR1\n")
	time.Sleep(200 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	p.expect("got-USR1", "echo after-signal\n")
	p.send("exit 3\n")
	if code := p.exitCode(); code != 3 {
		t.Fatalf("exit 3: client exited %d; terminal:\n%q", code, p.out.String())
	}
}

func TestInstanceExecInteractive(t *testing.T) { scenarioExecInteractive(t, adapterTarget(t)) }
func TestReferenceInstanceExecInteractive(t *testing.T) {
	scenarioExecInteractive(t, referenceTarget(t))
}

// scenarioConsole: lxc console reaches busybox's console shell; after the
// client is gone the console can be attached again.
func scenarioConsole(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "co")
	x.launch(t, name, nil)
	for i := 0; i < 2; i++ {
		p := startPty(t, x.d, 24, 80, "console", name)
		p.expect("To detach from the console", "")
		word := fmt.Sprintf("hello-con$((%d+1))", 40+i)
		p.expect(fmt.Sprintf("hello-con%d", 41+i), "echo "+word+"\r")
		// ctrl+a q in one write does not detach the 5.0.2 client: kill it.
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.exitCode()
	}
	if x.d.Kind == daemontest.Reference {
		return // 5.0.2's console log often fails ("open : no such file or directory")
	}
	r := x.d.LXC(t, "console", name, "--show-log")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "hello-con41") {
		t.Fatalf("console --show-log: %+v", r)
	}
	x.d.MustLXC(t, "query", "-X", "DELETE", "/1.0/instances/"+name+"/console")
	r = x.d.LXC(t, "console", name, "--show-log")
	if r.ExitCode != 0 || strings.Contains(r.Stdout, "hello-con41") {
		t.Fatalf("console log after DELETE: %+v", r)
	}
}

func TestInstanceConsole(t *testing.T)          { scenarioConsole(t, adapterTarget(t)) }
func TestReferenceInstanceConsole(t *testing.T) { scenarioConsole(t, referenceTarget(t)) }

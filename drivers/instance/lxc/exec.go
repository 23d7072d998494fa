package lxc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	lxc "github.com/lxc/go-lxc"
	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
)

// defaultPath is the PATH of a command whose environment has none (LXD's).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// outputGrace bounds how long Wait keeps copying output after the command
// ended, for background children that inherited its stdout.
const outputGrace = 2 * time.Second

// Exec runs a command in the container: through the container's exec
// server (execserver.go), or the one-shot forkexec helper (forkexec.go)
// when the server cannot take it.
func (d *Driver) Exec(ctx context.Context, r instance.Ref, req instance.ExecReq) (instance.Process, error) {
	if len(req.Command) == 0 {
		return nil, api.BadRequest("Missing command")
	}
	var devpts *os.File
	err := d.withContainer(r, func(c *lxc.Container) error {
		if status(c) != api.Running {
			return api.BadRequest("%w", instance.ErrNotRunning)
		}
		if req.Interactive {
			// Older liblxc lacks the devpts fd: fall back to the host's.
			devpts, _ = c.DevptsFd()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if devpts != nil {
		defer devpts.Close()
	}
	spec := execSpec{
		Name: lxcName(r), LxcPath: d.opts.LxcPath, Config: d.paths(r).config,
		Command: req.Command, Env: execEnv(req.Env), Cwd: req.Cwd,
		UID: int(req.User), GID: int(req.Group),
	}
	if spec.Cwd == "" {
		spec.Cwd = "/"
		if req.User == 0 {
			spec.Cwd = "/root"
		}
	}
	p := &process{done: make(chan struct{}), code: -1, pidfd: -1}
	var stdio [3]*os.File
	if req.Interactive {
		stdio, err = p.wirePty(req, devpts, spec.Config)
	} else {
		stdio, err = p.wirePipes(req)
	}
	if err != nil {
		p.closeAll()
		return nil, err
	}
	if s := d.execServerFor(ctx, r); s != nil {
		err := s.run(p, spec, stdio, req.Interactive)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, errServerUnavailable) {
			p.closeAll()
			return nil, err
		}
	}
	if err := d.execOnce(ctx, p, spec, stdio, req.Interactive); err != nil {
		return nil, err
	}
	return p, nil
}

// execOnce runs p's command with the one-shot forkexec helper: one attach
// for this command alone.
func (d *Driver) execOnce(ctx context.Context, p *process, spec execSpec, stdio [3]*os.File, tty bool) error {
	cmd := d.helper(context.Background(), spec.helperArgs()...)
	if err := p.wireReport(cmd); err != nil {
		p.closeAll()
		return err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio[0], stdio[1], stdio[2]
	if tty {
		// The helper leads a new session whose controlling terminal is
		// the pty; the attached command inherits it, so ^C and job
		// control work.
		cmd.SysProcAttr.Setctty = true
		cmd.SysProcAttr.Ctty = 0
	}
	stopWarm := d.keepWarm(ctx)
	defer stopWarm()
	return p.start(cmd)
}

// requireRunning fails with ErrNotRunning unless r runs (frozen included:
// LXD refuses exec on frozen instances too).
func (d *Driver) requireRunning(r instance.Ref) error {
	st, err := d.status(r)
	if err != nil {
		return err
	}
	if st != api.Running {
		return api.BadRequest("%w", instance.ErrNotRunning)
	}
	return nil
}

// execEnv renders the environment, adding PATH when missing.
func execEnv(env map[string]string) []string {
	out := make([]string, 0, len(env)+1)
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	if _, ok := env["PATH"]; !ok {
		out = append(out, "PATH="+defaultPath)
	}
	sort.Strings(out)
	return out
}

// process is a command started by Exec.
type process struct {
	pid    int
	mu     sync.Mutex // guards pidfd, closed by the waiter
	pidfd  int
	master *os.File // interactive only

	// Parent ends: report is read by the waiter; childEnds are closed once
	// the helper started.
	report    *os.File
	childEnds []*os.File
	copies    sync.WaitGroup
	outputs   []*os.File

	done chan struct{}
	code int
	err  error
}

// wireReport gives the helper its fd 3, where it reports the command's pid
// and exit status.
func (p *process) wireReport(cmd *exec.Cmd) error {
	rep, repW, err := os.Pipe()
	if err != nil {
		return err
	}
	p.report = rep
	p.childEnds = append(p.childEnds, repW)
	cmd.ExtraFiles = []*os.File{repW}
	return nil
}

// wirePipes returns a non-interactive command's stdio: pipes.
func (p *process) wirePipes(req instance.ExecReq) (stdio [3]*os.File, err error) {
	if stdio[0], err = p.inPipe(req.Stdin); err != nil {
		return stdio, err
	}
	// One lock serialises the two copies, so Stdout and Stderr may be the
	// same writer (they often are: a log, a combined buffer).
	var mu sync.Mutex
	if stdio[1], err = p.outPipe(lockedWriter(&mu, req.Stdout)); err != nil {
		return stdio, err
	}
	stdio[2], err = p.outPipe(lockedWriter(&mu, req.Stderr))
	return stdio, err
}

// wirePty returns an interactive command's stdio: a new pty, owned by the
// host ids of the command's user (config holds the instance's id map).
func (p *process) wirePty(req instance.ExecReq, devpts *os.File, config string) (stdio [3]*os.File, err error) {
	set, err := readIdmap(config)
	if err != nil {
		return stdio, err
	}
	uid, gid := int64(req.User), int64(req.Group)
	if len(set) > 0 {
		uid, gid = set.ToHost(uid, gid) // -1 (unmapped) leaves the owner as is
	}
	master, slave, err := openPty(devpts, req.Width, req.Height, int(uid), int(gid))
	if err != nil {
		return stdio, err
	}
	p.master = master
	p.childEnds = append(p.childEnds, slave)
	if req.Stdout != nil {
		p.copies.Add(1)
		go func() {
			defer p.copies.Done()
			_, _ = io.Copy(req.Stdout, master) // ends with EIO when the last slave closes
		}()
	}
	if req.Stdin != nil {
		go func() {
			_, _ = io.Copy(master, req.Stdin)
			// End of input: the terminal's EOF character (VEOF, ^D).
			_, _ = master.Write([]byte{4})
		}()
	}
	return [3]*os.File{slave, slave, slave}, nil
}

// inPipe returns the child's stdin: /dev/null or a pipe fed from r.
func (p *process) inPipe(r io.Reader) (*os.File, error) {
	if r == nil {
		f, err := os.Open(os.DevNull)
		p.childEnds = append(p.childEnds, f)
		return f, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.childEnds = append(p.childEnds, pr)
	go func() {
		_, _ = io.Copy(pw, r)
		pw.Close()
	}()
	return pr, nil
}

// outPipe returns a child's stdout/stderr: /dev/null or a pipe copied to w.
func (p *process) outPipe(w io.Writer) (*os.File, error) {
	if w == nil {
		f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		p.childEnds = append(p.childEnds, f)
		return f, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.childEnds = append(p.childEnds, pw)
	p.outputs = append(p.outputs, pr)
	p.copies.Add(1)
	go func() {
		defer p.copies.Done()
		_, _ = io.Copy(w, pr)
	}()
	return pw, nil
}

// serialWriter writes to w under a lock shared with its sibling. It has
// only Write, so io.Copy cannot hand w's ReadFrom a read into w's memory.
type serialWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func lockedWriter(mu *sync.Mutex, w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return serialWriter{mu, w}
}

func (s serialWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// start runs the helper, learns the command's pid and starts the waiter.
func (p *process) start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		p.closeAll()
		return fmt.Errorf("Failed to run the exec helper: %w", err)
	}
	p.closeChildEnds()
	rd := bufio.NewReader(p.report)
	pid, err := readReport(rd, "pid")
	if err != nil {
		_ = cmd.Wait()
		p.closeAll()
		return fmt.Errorf("Failed to start the command: %w", err)
	}
	p.pid = pid
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		pidfd = -1 // already gone: Signal reports it
	}
	p.setPidfd(pidfd)
	go p.wait(cmd, rd)
	return nil
}

// closeChildEnds closes the daemon's copies of the command's stdio once
// the command has its own.
func (p *process) closeChildEnds() {
	for _, f := range p.childEnds {
		f.Close()
	}
	p.childEnds = nil
}

func (p *process) setPidfd(fd int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pidfd = fd
}

// readReport reads one "<word> N" line from the helper's fd 3.
func readReport(rd *bufio.Reader, word string) (int, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return 0, err
	}
	line = strings.TrimSpace(line)
	if msg, isErr := strings.CutPrefix(line, "error "); isErr {
		return 0, errors.New(msg)
	}
	v, ok := strings.CutPrefix(line, word+" ")
	if !ok {
		return 0, fmt.Errorf("unexpected helper report %q", line)
	}
	return strconv.Atoi(v)
}

func (p *process) wait(cmd *exec.Cmd, rd *bufio.Reader) {
	code, repErr := readReport(rd, "exit")
	waitErr := cmd.Wait()
	var failed error
	if repErr != nil {
		failed = fmt.Errorf("Exec helper failed: %v", waitErr)
	}
	p.finish(code, failed)
}

// finish records the command's end once its output is copied (or
// outputGrace passed).
func (p *process) finish(code int, failed error) {
	drained := make(chan struct{})
	go func() { p.copies.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(outputGrace):
	}
	p.closeAll()
	switch {
	case failed != nil:
		p.err = failed
	case code == 127:
		p.err = instance.ErrCommandNotFound
	case code == 126:
		p.err = instance.ErrCommandNotExecutable
	}
	p.code = code
	close(p.done)
}

func (p *process) closeAll() {
	for _, f := range append(append(p.childEnds, p.outputs...), p.report, p.master) {
		if f != nil {
			f.Close()
		}
	}
	p.mu.Lock()
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
		p.pidfd = -1
	}
	p.mu.Unlock()
}

func (p *process) Pid() int { return p.pid }

func (p *process) Resize(width, height int) error {
	if p.master == nil {
		return nil
	}
	return setWinsize(p.master, width, height)
}

func (p *process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pidfd < 0 {
		return errors.New("The command has exited")
	}
	return unix.PidfdSendSignal(p.pidfd, sig, nil, 0)
}

func (p *process) Wait(ctx context.Context) (int, error) {
	select {
	case <-p.done:
		return p.code, p.err
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

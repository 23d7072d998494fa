package lxc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Why an exec server: liblxc's attach costs milliseconds per command (a
// helper process, config parsing, seccomp compilation, three forks, the
// cgroup.procs writes of every hierarchy). Most of an exec round trip was
// spent there. So the first exec into a running container attaches, once,
// a small server process (C, execserver_c.go) that then forks each command
// ready-made: it already is in the container's namespaces and cgroups,
// with its capabilities, seccomp policy and personality, so a command costs
// one fork and its own exec.
//
// The server joins every namespace of the container except the PID one,
// which it only sets for its children (setns on a PID namespace applies to
// children): no process in the container can see, signal or trace it, and
// commands appear inside as liblxc's attached ones do (parent pid 0). It is
// in the container's cgroups, so a command is born there; the instance's
// process count leaves it out. It ends when the daemon hangs up (daemon
// stop) or the container's init exits: init exits only once its namespace
// is empty, after the server reaped its commands. liblxc removes the
// container's cgroups as soon as init is gone, and the server, in them,
// may still be exiting: the removal of one fails (EBUSY). So the driver
// removes what is left of a stopped container's cgroups when the server
// has ended, and in Stop and Start.
//
// Protocol on a SOCK_SEQPACKET pair, one message per request or reply:
//
//	daemon -> server: "id\0uid\0gid\0flags\0cwd\0nenv\0env...\0argv...\0" with stdin, stdout, stderr (SCM_RIGHTS)
//	server -> daemon: "ready <server pid>" once, or "error <message>" and the end
//	                  "started <id> <pid>" with the command's pidfd
//	                  "failed <id> <reason>" (nothing ran: fork failed)
//	                  "exit <id> <code>" (128+N when killed by signal N)
//
// Whenever the server cannot take a command (it is gone, the request is too
// large, fork failed, e.g. at limits.processes) the one-shot forkexec
// helper runs it instead: exec never depends on the server.

// helperExecServer is the helper sub-command that attaches the server:
// <name> <lxcpath> <config>, socket on fd 3 (C, execserver_c.go).
const helperExecServer = "forkexecd"

// Limits of the server protocol. maxServerRequest is XS_MAX_REQUEST.
const (
	maxServerRequest   = 128 * 1024
	serverStartTimeout = 10 * time.Second
	serverReplyTimeout = 30 * time.Second
	// serverRetryAfter keeps a container whose server failed to start on
	// the one-shot helper for a while, so a failure costs no double attach
	// on every exec.
	serverRetryAfter = 30 * time.Second
)

// flagTTY is XS_TTY: stdin becomes the command's controlling terminal.
const flagTTY = 1

// errServerUnavailable means the server did not run the command: the
// caller runs it with the one-shot helper.
var errServerUnavailable = errors.New("exec server unavailable")

// execServer is the daemon's end of one container's server.
type execServer struct {
	conn *net.UnixConn

	// onEnd runs once the server has ended.
	onEnd func()

	mu     sync.Mutex
	gone   bool
	nextID uint64
	calls  map[uint64]*serverCall
}

// serverCall is one command handed to the server.
type serverCall struct {
	p       *process
	started chan error // one value: nil once p has its pid, else why not
	running bool       // "started" arrived
}

// serverSlot holds the server of one container. Its lock serialises the
// start of a server (failedAt is under it), the start of the container and
// the removal of its leftover cgroups; s is read without it, so the state
// of an instance never waits for a server being started.
type serverSlot struct {
	mu       sync.Mutex
	s        atomic.Pointer[execServer]
	failedAt time.Time
}

// live returns the slot's server unless it has ended.
func (slot *serverSlot) live() *execServer {
	if s := slot.s.Load(); s != nil && !s.ended() {
		return s
	}
	return nil
}

// execServers is the Driver's table of servers by liblxc name.
type execServers struct {
	serversMu sync.Mutex
	servers   map[string]*serverSlot
}

func (d *Driver) serverSlot(r instance.Ref, create bool) *serverSlot {
	d.serversMu.Lock()
	defer d.serversMu.Unlock()
	slot := d.servers[lxcName(r)]
	if slot == nil && create {
		if d.servers == nil {
			d.servers = map[string]*serverSlot{}
		}
		slot = &serverSlot{}
		d.servers[lxcName(r)] = slot
	}
	return slot
}

// forgetServer drops r's slot (the instance is deleted). A server still
// running ends with its container.
func (d *Driver) forgetServer(r instance.Ref) {
	d.serversMu.Lock()
	defer d.serversMu.Unlock()
	delete(d.servers, lxcName(r))
}

// liveServer returns r's running server, or nil.
func (d *Driver) liveServer(r instance.Ref) *execServer {
	slot := d.serverSlot(r, false)
	if slot == nil {
		return nil
	}
	return slot.live()
}

// execServerFor returns r's server, starting one when needed; nil when
// none can be had (the caller uses the one-shot helper).
func (d *Driver) execServerFor(ctx context.Context, r instance.Ref) *execServer {
	if d.opts.NoExecServer {
		return nil
	}
	slot := d.serverSlot(r, true)
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if s := slot.live(); s != nil {
		return s
	}
	if time.Since(slot.failedAt) < serverRetryAfter {
		return nil
	}
	s, err := d.startExecServer(ctx, r)
	if err != nil {
		slot.failedAt = time.Now()
		logctx.From(ctx).WithField("instance", r.String()).WithError(err).Debug("No exec server, using the one-shot helper")
		return nil
	}
	s.onEnd = func() { d.afterServerEnd(r) }
	slot.s.Store(s)
	go s.serve()
	return s
}

// afterServerEnd removes the cgroups the ended server may have kept liblxc
// from removing, once the container is stopped. A server that ended while
// its container runs on (killed) leaves nothing to do.
func (d *Driver) afterServerEnd(r instance.Ref) {
	deadline := time.Now().Add(leftoverWait)
	for time.Now().Before(deadline) {
		st, err := d.status(r)
		if err != nil {
			return
		}
		if st == api.Stopped {
			d.removeLeftovers(r, leftoverWait)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// removeLeftovers removes what is left of r's cgroups if r is stopped. It
// holds r's slot lock, which Start holds while liblxc creates the cgroups
// anew, so a container starting is never touched.
func (d *Driver) removeLeftovers(r instance.Ref, wait time.Duration) {
	slot := d.serverSlot(r, true)
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if st, err := d.status(r); err == nil && st == api.Stopped {
		removeLeftoverCgroups(lxcName(r), wait)
	}
}

// startExecServer runs the helper that attaches r's server and waits for
// the server's "ready".
func (d *Driver) startExecServer(ctx context.Context, r instance.Ref) (*execServer, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("Failed to create the exec server socket: %w", err)
	}
	ours := os.NewFile(uintptr(fds[0]), "exec-server")
	theirs := os.NewFile(uintptr(fds[1]), "exec-server-peer")
	defer theirs.Close()
	fc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		return nil, fmt.Errorf("Failed to use the exec server socket: %w", err)
	}
	conn := fc.(*net.UnixConn)
	cmd := d.helper(context.Background(), helperExecServer, lxcName(r), d.opts.LxcPath, d.paths(r).config)
	cmd.ExtraFiles = []*os.File{theirs}
	// The attach moves the server into the container's cgroups: the
	// write is cheap right after a warm-up (execwarm.go).
	stopWarm := d.keepWarm(ctx)
	defer stopWarm()
	if err := cmd.Start(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("Failed to run the exec server helper: %w", err)
	}
	theirs.Close()
	// The helper waits for the server, its child, and ends after it.
	go func() { _ = cmd.Wait() }()
	// The pid in the greeting only proves the server came up.
	if _, err := readReady(conn); err != nil {
		conn.Close()
		_ = cmd.Process.Kill()
		return nil, err
	}
	return &execServer{conn: conn, calls: map[uint64]*serverCall{}}, nil
}

// readReady reads the server's first message.
func readReady(conn *net.UnixConn) (int, error) {
	buf := make([]byte, 512)
	_ = conn.SetReadDeadline(time.Now().Add(serverStartTimeout))
	n, err := conn.Read(buf)
	_ = conn.SetReadDeadline(time.Time{})
	if err != nil {
		return 0, fmt.Errorf("The exec server did not start: %w", err)
	}
	msg := string(buf[:n])
	if reason, ok := strings.CutPrefix(msg, "error "); ok {
		return 0, errors.New(reason)
	}
	v, ok := strings.CutPrefix(msg, "ready ")
	pid, err := strconv.Atoi(v)
	if !ok || err != nil || pid <= 0 {
		return 0, fmt.Errorf("Unexpected exec server greeting %q", msg)
	}
	return pid, nil
}

func (s *execServer) ended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone
}

// encodeRequest renders a request (see the protocol above).
func encodeRequest(id uint64, spec execSpec, tty bool) []byte {
	flags := 0
	if tty {
		flags = flagTTY
	}
	fields := []string{strconv.FormatUint(id, 10), strconv.Itoa(spec.UID), strconv.Itoa(spec.GID),
		strconv.Itoa(flags), spec.Cwd, strconv.Itoa(len(spec.Env))}
	fields = append(append(fields, spec.Env...), spec.Command...)
	n := 0
	for _, f := range fields {
		n += len(f) + 1
	}
	out := make([]byte, 0, n)
	for _, f := range fields {
		out = append(append(out, f...), 0)
	}
	return out
}

// run starts p's command with stdio through the server. On success p has
// its pid and pidfd and ends on the server's "exit". errServerUnavailable
// means nothing ran.
func (s *execServer) run(p *process, spec execSpec, stdio [3]*os.File, tty bool) error {
	for _, arg := range append(append([]string{spec.Cwd}, spec.Env...), spec.Command...) {
		if strings.IndexByte(arg, 0) >= 0 {
			return errServerUnavailable // the helper's argv refuses it too, with its own error
		}
	}
	call := &serverCall{p: p, started: make(chan error, 1)}
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return errServerUnavailable
	}
	s.nextID++
	id := s.nextID
	s.calls[id] = call
	s.mu.Unlock()
	req := encodeRequest(id, spec, tty)
	if len(req) > maxServerRequest {
		s.forget(id)
		return errServerUnavailable
	}
	rights := unix.UnixRights(int(stdio[0].Fd()), int(stdio[1].Fd()), int(stdio[2].Fd()))
	if _, _, err := s.conn.WriteMsgUnix(req, rights, nil); err != nil {
		s.forget(id)
		return errServerUnavailable
	}
	select {
	case err := <-call.started:
		return err
	case <-time.After(serverReplyTimeout):
		// It may have run: no second try.
		s.forget(id)
		return errors.New("The exec server did not answer")
	}
}

func (s *execServer) forget(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.calls, id)
}

// serve reads the server's replies until it ends.
func (s *execServer) serve() {
	buf := make([]byte, 512)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := s.conn.ReadMsgUnix(buf, oob)
		fds := receivedFds(oob[:oobn])
		if err != nil || n == 0 {
			closeFds(fds)
			s.end()
			return
		}
		s.dispatch(strings.Fields(string(buf[:n])), fds)
	}
}

// dispatch handles one reply; it owns fds.
func (s *execServer) dispatch(f []string, fds []int) {
	if len(f) < 3 {
		closeFds(fds)
		return
	}
	id, _ := strconv.ParseUint(f[1], 10, 64)
	n, _ := strconv.Atoi(f[2])
	s.mu.Lock()
	call := s.calls[id]
	switch {
	case call == nil:
	case f[0] == "started":
		call.running = true
	case f[0] == "failed", f[0] == "exit":
		delete(s.calls, id)
	}
	s.mu.Unlock()
	if call == nil {
		closeFds(fds)
		return
	}
	switch f[0] {
	case "started":
		call.p.pid = n
		call.p.setPidfd(takePidfd(fds, n))
		// Before the "exit" this goroutine may read next.
		call.p.closeChildEnds()
		call.started <- nil
	case "failed":
		closeFds(fds)
		call.started <- errServerUnavailable
	case "exit":
		closeFds(fds)
		go call.p.finish(n, nil)
	default:
		closeFds(fds)
	}
}

// end marks the server gone: commands not yet started go to the one-shot
// helper, started ones end without a status.
func (s *execServer) end() {
	s.mu.Lock()
	s.gone = true
	calls := s.calls
	s.calls = nil
	s.mu.Unlock()
	s.conn.Close()
	if s.onEnd != nil {
		go s.onEnd()
	}
	for _, call := range calls {
		if !call.running {
			call.started <- errServerUnavailable
			continue
		}
		go call.p.finish(-1, errors.New("The exec server ended before the command"))
	}
}

// takePidfd keeps the one fd that is a pidfd of pid and closes the rest;
// -1 when there is none.
func takePidfd(fds []int, pid int) int {
	keep := -1
	for _, fd := range fds {
		if keep < 0 && pidfdPid(fd) == pid {
			keep = fd
			continue
		}
		unix.Close(fd)
	}
	return keep
}

// pidfdPid reads the pid a pidfd refers to from its fdinfo (0: not one).
func pidfdPid(fd int) int {
	f, err := os.Open("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pid:"); ok {
			pid, _ := strconv.Atoi(strings.TrimSpace(v))
			return pid
		}
	}
	return 0
}

func receivedFds(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if got, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}

func closeFds(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// leftoverWait bounds how long Stop and Start wait for an exiting exec
// server to leave the cgroups of a stopped container.
const leftoverWait = 2 * time.Second

// removeLeftoverCgroups removes the cgroups liblxc could not remove when
// container name stopped, waiting up to wait while they are busy. Only
// empty cgroups can be removed: a running container's are never touched.
func removeLeftoverCgroups(name string, wait time.Duration) {
	dirs, _ := filepath.Glob(filepath.Join(cgroupRoot, "*", "lxc.payload."+name))
	if _, err := os.Stat(filepath.Join(cgroupRoot, "lxc.payload."+name)); err == nil {
		dirs = append(dirs, filepath.Join(cgroupRoot, "lxc.payload."+name))
	}
	deadline := time.Now().Add(wait)
	for _, dir := range dirs {
		for errors.Is(removeCgroupTree(dir), unix.EBUSY) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// removeCgroupTree removes dir and the cgroups below it, deepest first.
func removeCgroupTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeCgroupTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := unix.Rmdir(dir); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	return nil
}

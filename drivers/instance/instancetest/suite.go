package instancetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/idmap"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// Factory returns a driver keeping its files under stateDir. Calling it
// again with the same stateDir must give a driver that sees the instances
// of the first one: that is how the suite simulates a daemon restart.
type Factory func(t *testing.T, stateDir string) instance.Driver

// UnprivilegedMap is the id map the suite gives unprivileged instances.
var UnprivilegedMap = idmap.Set{
	{Isuid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
	{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
}

// env is one subtest's world: a driver, a state dir and a rootfs.
type env struct {
	t        *testing.T
	factory  Factory
	stateDir string
	drv      instance.Driver
}

func newEnv(t *testing.T, f Factory) *env {
	state := traversableTempDir(t)
	return &env{t: t, factory: f, stateDir: state, drv: f(t, state)}
}

// traversableTempDir is a t.TempDir whose path an unprivileged container's
// root (a high host uid) can traverse: liblxc enters the root filesystem
// from inside the user namespace.
func traversableTempDir(t *testing.T) string {
	dir := t.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// spec returns a Spec for a new instance with a fresh busybox rootfs.
func (e *env) spec(privileged bool, cfg map[string]string) instance.Spec {
	e.t.Helper()
	rootfs := filepath.Join(traversableTempDir(e.t), "rootfs")
	if err := testimage.BuildBusyboxRootfs(rootfs); err != nil {
		e.t.Fatal(err)
	}
	if cfg == nil {
		cfg = map[string]string{}
	}
	s := instance.Spec{
		Ref:          instance.Ref{Project: "default", Name: "lxdngct-" + randomHex(4)},
		RootfsPath:   rootfs,
		Architecture: "x86_64",
		Config:       cfg,
	}
	if !privileged {
		s.Idmap = UnprivilegedMap
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// create creates s and registers its removal.
func (e *env) create(s instance.Spec) {
	e.t.Helper()
	if err := e.drv.Create(ctx(e.t), s); err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	e.t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.drv.Stop(c, s.Ref, instance.StopOpts{Force: true}); err != nil {
			e.t.Errorf("cleanup Stop: %v", err)
		}
		if err := e.drv.Delete(c, s.Ref); err != nil {
			e.t.Errorf("cleanup Delete: %v", err)
		}
	})
}

// started creates and starts an instance.
func (e *env) started(privileged bool, cfg map[string]string, devs ...instance.DeviceSpec) instance.Spec {
	e.t.Helper()
	s := e.spec(privileged, cfg)
	s.Devices = devs
	e.create(s)
	if err := e.drv.Start(ctx(e.t), s); err != nil {
		e.t.Fatalf("Start: %v", err)
	}
	return s
}

// state returns the instance state, failing the test on error.
func (e *env) state(r instance.Ref) instance.State {
	e.t.Helper()
	st, err := e.drv.State(ctx(e.t), r)
	if err != nil {
		e.t.Fatalf("State: %v", err)
	}
	return st
}

// run executes a command without stdin and returns code, stdout, stderr.
func (e *env) run(r instance.Ref, cmd ...string) (int, string, string, error) {
	e.t.Helper()
	var out, errb bytes.Buffer
	p, err := e.drv.Exec(ctx(e.t), r, instance.ExecReq{Command: cmd, Stdout: &out, Stderr: &errb})
	if err != nil {
		e.t.Fatalf("Exec %q: %v", cmd, err)
	}
	code, err := p.Wait(ctx(e.t))
	return code, out.String(), errb.String(), err
}

// output runs a command that must succeed and returns its trimmed stdout.
func (e *env) output(r instance.Ref, cmd ...string) string {
	e.t.Helper()
	code, out, errs, err := e.run(r, cmd...)
	if code != 0 || err != nil {
		e.t.Fatalf("%q: exit %d, err %v, stderr %q", cmd, code, err, errs)
	}
	return strings.TrimSpace(out)
}

// eventually polls cond until it holds or 10s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Run runs the conformance suite against the drivers f makes.
func Run(t *testing.T, f Factory) {
	run(t, f, "")
}

// RunExec runs the suite's exec cases only: for a driver with a second
// way to run commands (the lxc driver's one-shot helper).
func RunExec(t *testing.T, f Factory) {
	run(t, f, "Exec")
}

// suiteCases are the conformance cases, in order.
var suiteCases = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"Lifecycle", testLifecycle},
	{"ExecExitCode", testExecExitCode},
	{"ExecStdio", testExecStdio},
	{"ExecInteractive", testExecInteractive},
	{"ExecSession", testExecSession},
	{"ExecNotFound", testExecNotFound},
	{"ExecSignal", testExecSignal},
	{"FreezeUnfreeze", testFreeze},
	{"StopClean", testStopClean},
	{"StopForce", testStopForce},
	{"StopTimeout", testStopTimeout},
	{"MemoryLimit", testMemoryLimit},
	{"Unprivileged", testUnprivileged},
	{"Privileged", testPrivileged},
	{"BadRawLXC", testBadRawLXC},
	{"Recover", testRecover},
	{"BindMount", testBindMount},
	{"UnixNode", testUnixNode},
	{"Hotplug", testHotplug},
	{"NICHotplug", testNICHotplug},
	{"Console", testConsole},
	{"Environment", testEnvironment},
	{"NetworkState", testNetworkState},
}

// run runs the cases whose name starts with prefix.
func run(t *testing.T, f Factory, prefix string) {
	if os.Geteuid() != 0 {
		t.Fatal("instancetest needs root (run the integration tests as root)")
	}
	for _, tt := range suiteCases {
		if strings.HasPrefix(tt.name, prefix) {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, newEnv(t, f)) })
		}
	}
}

func testLifecycle(t *testing.T, e *env) {
	s := e.spec(false, nil)
	e.create(s)
	if st := e.state(s.Ref); st.Status != api.Stopped || st.Pid != 0 {
		t.Fatalf("created instance: %+v", st)
	}
	if err := e.drv.Start(ctx(t), s); err != nil {
		t.Fatal(err)
	}
	st := e.state(s.Ref)
	if st.Status != api.Running || st.Pid <= 0 {
		t.Fatalf("started instance: %+v", st)
	}
	if st.Processes <= 0 || st.Memory.Usage <= 0 {
		t.Fatalf("started instance has no processes or memory: %+v", st)
	}
	lo, ok := st.Network["lo"]
	if !ok || lo.Type != "loopback" || lo.Mtu <= 0 {
		t.Fatalf("network state: %+v", st.Network)
	}
	if err := e.drv.Start(ctx(t), s); err == nil {
		t.Fatal("starting a running instance succeeded")
	}
	if err := e.drv.Delete(ctx(t), s.Ref); err == nil {
		t.Fatal("deleting a running instance succeeded")
	}
	if info := e.drv.Info(); info.Type == "" || info.Version == "" {
		t.Fatalf("Info: %+v", info)
	}
}

func testExecExitCode(t *testing.T, e *env) {
	s := e.started(false, nil)
	code, _, _, err := e.run(s.Ref, "sh", "-c", "exit 7")
	if code != 7 || err != nil {
		t.Fatalf("exit 7: got %d, %v", code, err)
	}
}

func testExecStdio(t *testing.T, e *env) {
	s := e.started(false, nil)
	code, out, errs, err := e.run(s.Ref, "sh", "-c", "echo out; echo err >&2")
	if code != 0 || err != nil || out != "out\n" || errs != "err\n" {
		t.Fatalf("got %d %v stdout %q stderr %q", code, err, out, errs)
	}
	var got bytes.Buffer
	p, err := e.drv.Exec(ctx(t), s.Ref, instance.ExecReq{
		Command: []string{"sh", "-c", "cat; echo done"},
		Stdin:   strings.NewReader("hello\n"), Stdout: &got,
		Env: map[string]string{"PATH": "/bin:/usr/bin"}, Cwd: "/tmp",
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, err := p.Wait(ctx(t)); code != 0 || err != nil {
		t.Fatalf("cat: %d %v", code, err)
	}
	if got.String() != "hello\ndone\n" {
		t.Fatalf("stdin not passed through and closed: %q", got.String())
	}
	if pwd := e.output(s.Ref, "pwd"); pwd != "/root" {
		t.Fatalf("default cwd of root: %q", pwd)
	}
}

func testExecInteractive(t *testing.T, e *env) {
	s := e.started(false, nil)
	inR, inW := io.Pipe()
	var out syncBuffer
	p, err := e.drv.Exec(ctx(t), s.Ref, instance.ExecReq{
		Command: []string{"sh"}, Interactive: true, Width: 100, Height: 30,
		Env: map[string]string{"TERM": "xterm"}, Stdin: inR, Stdout: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	write := func(s string) {
		if _, err := inW.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	// Field 7 of /proc/<pid>/stat is the controlling terminal (0: none):
	// without one, ^C and job control would not work.
	write("stty size; tty; read -r _ _ _ _ _ _ ctty _ < /proc/$$/stat; echo ctty=$ctty\n")
	eventually(t, "the initial terminal size", func() bool { return strings.Contains(out.String(), "30 100") })
	if !strings.Contains(out.String(), "/dev/") {
		t.Fatalf("stdin is not a terminal: %q", out.String())
	}
	cttyRe := regexp.MustCompile(`ctty=([0-9]+)`) // the terminal's echo of the input has no digits there
	eventually(t, "the controlling terminal", func() bool { return cttyRe.MatchString(out.String()) })
	if m := cttyRe.FindStringSubmatch(out.String()); m[1] == "0" {
		t.Fatalf("the terminal is not the controlling terminal: %q", out.String())
	}
	if err := p.Resize(120, 40); err != nil {
		t.Fatal(err)
	}
	write("stty size\n")
	eventually(t, "the new terminal size", func() bool { return strings.Contains(out.String(), "40 120") })
	write("exit 3\n")
	if code, err := p.Wait(ctx(t)); code != 3 || err != nil {
		t.Fatalf("interactive exit: %d %v (output %q)", code, err, out.String())
	}
}

// testExecSession checks a command runs outside the caller's session and
// process group: a signal to the daemon's process group (^C where it runs
// in a terminal) must not reach it.
func testExecSession(t *testing.T, e *env) {
	s := e.started(false, nil)
	p, err := e.drv.Exec(ctx(t), s.Ref, instance.ExecReq{Command: []string{"sleep", "60"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = p.Signal(syscall.SIGKILL)
		_, _ = p.Wait(ctx(t))
	}()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name: state ppid pgrp session ...
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 4 || fields[2] == fmt.Sprint(syscall.Getpgrp()) || fields[3] == fmt.Sprint(getsid()) {
		t.Fatalf("command shares the caller's process group or session: %q (pgrp %d, session %d)", stat, syscall.Getpgrp(), getsid())
	}
}

func getsid() int {
	sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	return int(sid)
}

func testExecNotFound(t *testing.T, e *env) {
	s := e.started(false, nil)
	code, _, _, err := e.run(s.Ref, "/nonexistent/command")
	if code != 127 || !errors.Is(err, instance.ErrCommandNotFound) {
		t.Fatalf("missing command: %d %v", code, err)
	}
}

func testExecSignal(t *testing.T, e *env) {
	s := e.started(false, nil)
	p, err := e.drv.Exec(ctx(t), s.Ref, instance.ExecReq{Command: []string{"sleep", "60"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid() <= 0 {
		t.Fatalf("pid %d", p.Pid())
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := p.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait did not honour ctx: %v", err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := p.Wait(ctx(t)); code != 128+int(syscall.SIGTERM) || err != nil {
		t.Fatalf("killed by SIGTERM: %d %v", code, err)
	}
}

func testFreeze(t *testing.T, e *env) {
	s := e.started(false, nil)
	if err := e.drv.Freeze(ctx(t), s.Ref); err != nil {
		t.Fatal(err)
	}
	if st := e.state(s.Ref); st.Status != api.Frozen {
		t.Fatalf("after Freeze: %v", st.Status)
	}
	if err := e.drv.Unfreeze(ctx(t), s.Ref); err != nil {
		t.Fatal(err)
	}
	if st := e.state(s.Ref); st.Status != api.Running {
		t.Fatalf("after Unfreeze: %v", st.Status)
	}
	e.output(s.Ref, "true")
}

func testStopClean(t *testing.T, e *env) {
	s := e.started(false, nil)
	if err := e.drv.Stop(ctx(t), s.Ref, instance.StopOpts{Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if st := e.state(s.Ref); st.Status != api.Stopped || st.Pid != 0 {
		t.Fatalf("after Stop: %+v", st)
	}
	if _, err := e.drv.Exec(ctx(t), s.Ref, instance.ExecReq{Command: []string{"true"}}); !errors.Is(err, instance.ErrNotRunning) {
		t.Fatalf("exec on a stopped instance: %v", err)
	}
	// Restart works after a clean stop.
	if err := e.drv.Start(ctx(t), s); err != nil {
		t.Fatal(err)
	}
	e.output(s.Ref, "true")
}

func testStopForce(t *testing.T, e *env) {
	s := e.started(false, nil)
	if err := e.drv.Freeze(ctx(t), s.Ref); err != nil {
		t.Fatal(err)
	}
	if err := e.drv.Stop(ctx(t), s.Ref, instance.StopOpts{Force: true}); err != nil {
		t.Fatal(err)
	}
	if st := e.state(s.Ref); st.Status != api.Stopped {
		t.Fatalf("after forced Stop: %v", st.Status)
	}
	if err := e.drv.Stop(ctx(t), s.Ref, instance.StopOpts{Force: true}); err != nil {
		t.Fatalf("stopping a stopped instance: %v", err)
	}
}

// testStopTimeout stops with a timeout shorter than busybox's halt (which
// waits a second between SIGTERM and SIGKILL to its processes): the
// instance must be killed once it expires.
func testStopTimeout(t *testing.T, e *env) {
	s := e.started(false, nil)
	e.output(s.Ref, "true") // init is up
	start := time.Now()
	if err := e.drv.Stop(ctx(t), s.Ref, instance.StopOpts{Timeout: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if st := e.state(s.Ref); st.Status != api.Stopped {
		t.Fatalf("after Stop with a timeout: %v", st.Status)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Stop with a 200ms timeout took %v", d)
	}
}

// readCgroupMemoryLimit reads the memory limit inside a privileged
// container, mounting its memory cgroup (v1, else v2) itself as a system
// init would: with cgroup namespaces liblxc leaves that to the container.
func (e *env) readCgroupMemoryLimit(r instance.Ref) string {
	return e.output(r, "sh", "-c", `mkdir -p /tmp/cg
mountpoint() { grep -q " /tmp/cg " /proc/self/mounts; }
mountpoint || mount -t cgroup -o memory none /tmp/cg 2>/dev/null || mount -t cgroup2 none /tmp/cg
cat /tmp/cg/memory.limit_in_bytes 2>/dev/null || cat /tmp/cg/memory.max`)
}

func testMemoryLimit(t *testing.T, e *env) {
	if e.drv.Info().Type != "container" {
		t.Skip("cgroup files are a container matter")
	}
	s := e.started(true, map[string]string{"limits.memory": "64MiB", "limits.processes": "50"})
	if got := e.readCgroupMemoryLimit(s.Ref); got != "67108864" {
		t.Fatalf("memory limit inside: %q", got)
	}
	u, ok := e.drv.(instance.LimitsUpdater)
	if !ok {
		return
	}
	if err := u.UpdateLimits(ctx(t), s.Ref, map[string]string{"limits.memory": "128MiB"}); err != nil {
		t.Fatal(err)
	}
	if got := e.readCgroupMemoryLimit(s.Ref); got != "134217728" {
		t.Fatalf("memory limit after live update: %q", got)
	}
}

func testUnprivileged(t *testing.T, e *env) {
	s := e.started(false, nil)
	if got := strings.Fields(e.output(s.Ref, "cat", "/proc/self/uid_map")); strings.Join(got, " ") != "0 1000000 65536" {
		t.Fatalf("uid_map inside: %q", got)
	}
	e.output(s.Ref, "touch", "/root/created-inside")
	st, err := os.Stat(filepath.Join(s.RootfsPath, "root/created-inside"))
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 0 || sys.Gid != 0 {
		t.Fatalf("file created inside is owned by %d:%d on disk, want 0:0", sys.Uid, sys.Gid)
	}
}

func testPrivileged(t *testing.T, e *env) {
	s := e.started(true, nil)
	if got := strings.Fields(e.output(s.Ref, "cat", "/proc/self/uid_map")); len(got) != 3 || got[1] != "0" || got[2] != "4294967295" {
		t.Fatalf("privileged uid_map: %q", got)
	}
}

func testBadRawLXC(t *testing.T, e *env) {
	for _, raw := range []string{"lxc.bogus.key = 1", "lxc.log.file = /tmp/x", "not a line"} {
		s := e.spec(false, map[string]string{"raw.lxc": raw})
		e.create(instance.Spec{Ref: s.Ref, RootfsPath: s.RootfsPath, Idmap: s.Idmap, Config: map[string]string{}})
		err := e.drv.Start(ctx(t), s)
		if err == nil {
			t.Fatalf("raw.lxc %q: Start succeeded", raw)
		}
		if st := e.state(s.Ref); st.Status != api.Stopped {
			t.Fatalf("raw.lxc %q: instance is %v after a failed start", raw, st.Status)
		}
	}
}

func testRecover(t *testing.T, e *env) {
	s := e.started(false, nil)
	restarted := e.factory(t, e.stateDir)
	refs, err := restarted.Recover(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs[0] != s.Ref {
		t.Fatalf("Recover: %v, want [%v]", refs, s.Ref)
	}
	e.drv = restarted
	if st := e.state(s.Ref); st.Status != api.Running || st.Pid <= 0 {
		t.Fatalf("state after restart: %+v", st)
	}
	if got := e.output(s.Ref, "echo", "still here"); got != "still here" {
		t.Fatalf("exec after restart: %q", got)
	}
	if err := restarted.Stop(ctx(t), s.Ref, instance.StopOpts{Force: true}); err != nil {
		t.Fatal(err)
	}
}

// hostDir makes a host directory holding one file, traversable by
// unprivileged containers.
func hostDir(t *testing.T) (string, string) {
	dir := filepath.Join(traversableTempDir(t), "share")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, "file"
}

func testBindMount(t *testing.T, e *env) {
	dir, file := hostDir(t)
	dev := instance.DeviceSpec{Name: "data", Mounts: []instance.Mount{
		{Source: dir, Target: "/mnt/shifted", Shift: true},
		{Source: dir, Target: "/mnt/plain", ReadOnly: true},
	}}
	s := e.started(false, nil, dev)
	if got := e.output(s.Ref, "cat", "/mnt/shifted/"+file); got != "from the host" {
		t.Fatalf("bind mount content: %q", got)
	}
	if got := e.output(s.Ref, "stat", "-c", "%u", "/mnt/shifted/"+file); got != "0" {
		t.Fatalf("shifted mount: host root shows as %s inside, want 0", got)
	}
	if got := e.output(s.Ref, "stat", "-c", "%u", "/mnt/plain/"+file); got != "65534" {
		t.Fatalf("unshifted mount: host root shows as %s inside, want 65534", got)
	}
	if code, _, _, _ := e.run(s.Ref, "touch", "/mnt/shifted/new"); code != 0 {
		t.Fatal("cannot write to the shifted mount")
	}
}

func testUnixNode(t *testing.T, e *env) {
	dev := instance.DeviceSpec{Name: "null2", Nodes: []instance.UnixNode{
		{Path: "/dev/lxdngct-null", Type: 'c', Major: 1, Minor: 3, Mode: 0o666},
	}, CgroupRules: []instance.CgroupRule{{Allow: true, Rule: "c 1:3 rwm"}}}
	for _, privileged := range []bool{false, true} {
		s := e.started(privileged, nil, dev)
		e.output(s.Ref, "sh", "-c", "echo x > /dev/lxdngct-null")
		if got := e.output(s.Ref, "stat", "-c", "%t:%T %u", "/dev/lxdngct-null"); got != "1:3 0" {
			t.Fatalf("privileged=%v: device node inside: %q", privileged, got)
		}
	}
}

func testHotplug(t *testing.T, e *env) {
	h, ok := e.drv.(instance.Hotplugger)
	if !ok {
		t.Skip("driver cannot hotplug")
	}
	dir, file := hostDir(t)
	dev := instance.DeviceSpec{Name: "hot",
		Mounts:      []instance.Mount{{Source: dir, Target: "/mnt/hot", Shift: true}},
		Nodes:       []instance.UnixNode{{Path: "/dev/lxdngct-zero", Type: 'c', Major: 1, Minor: 5, Mode: 0o666}},
		CgroupRules: []instance.CgroupRule{{Allow: true, Rule: "c 1:5 rwm"}}}
	for _, privileged := range []bool{false, true} {
		s := e.started(privileged, nil)
		if err := h.AttachDevice(ctx(t), s.Ref, dev); err != nil {
			t.Fatalf("privileged=%v: %v", privileged, err)
		}
		if got := e.output(s.Ref, "cat", "/mnt/hot/"+file); got != "from the host" {
			t.Fatalf("hotplugged mount content: %q", got)
		}
		if got := e.output(s.Ref, "stat", "-c", "%u", "/mnt/hot/"+file); got != "0" {
			t.Fatalf("hotplugged shifted mount: owner %s inside", got)
		}
		if got := e.output(s.Ref, "sh", "-c", "head -c 3 /dev/lxdngct-zero | od -An -tx1"); got != "00 00 00" {
			t.Fatalf("hotplugged node: %q", got)
		}
		if err := h.DetachDevice(ctx(t), s.Ref, dev); err != nil {
			t.Fatal(err)
		}
		if code, _, _, _ := e.run(s.Ref, "test", "-e", "/mnt/hot/"+file); code == 0 {
			t.Fatal("mount still there after DetachDevice")
		}
	}
}

func testConsole(t *testing.T, e *env) {
	s := e.started(false, nil)
	for i := 0; i < 2; i++ { // a second attach works after Close
		con, err := e.drv.Console(ctx(t), s.Ref)
		if err != nil {
			t.Fatal(err)
		}
		var out syncBuffer
		go func() { _, _ = io.Copy(&out, con) }()
		marker := "console-" + randomHex(3)
		eventually(t, "the console to echo", func() bool {
			_, _ = con.Write([]byte("echo " + marker + "\n"))
			time.Sleep(100 * time.Millisecond)
			return strings.Count(out.String(), marker) >= 2 // typed + printed
		})
		if err := con.Close(); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the console log", func() bool {
		log, err := e.drv.ConsoleLog(ctx(t), s.Ref)
		return err == nil && bytes.Contains(log, []byte("console-"))
	})
}

func testEnvironment(t *testing.T, e *env) {
	s := e.started(false, map[string]string{"environment.LXDNGCT_FOO": "bar baz"})
	if got := e.output(s.Ref, "sh", "-c", "tr '\\0' '\\n' < /proc/1/environ | grep LXDNGCT_FOO"); got != "LXDNGCT_FOO=bar baz" {
		t.Fatalf("init environment: %q", got)
	}
}

func testNetworkState(t *testing.T, e *env) {
	if e.drv.Info().Type != "container" {
		t.Skip("liblxc network entries are a container matter")
	}
	hostName := "lxdngct" + randomHex(4)
	hwaddr := "00:16:3e:" + randomHex(1) + ":" + randomHex(1) + ":" + randomHex(1)
	nic := instance.DeviceSpec{Name: "eth0", NICs: []instance.NIC{
		{Type: "veth", Name: "eth0", HostName: hostName, Hwaddr: hwaddr, MTU: 1400}}}
	s := e.started(false, nil, nic)
	st := e.state(s.Ref)
	eth0, ok := st.Network["eth0"]
	if !ok {
		t.Fatalf("no eth0 in %+v", st.Network)
	}
	if eth0.Hwaddr != hwaddr || eth0.Mtu != 1400 || eth0.HostName != hostName || eth0.Type != "broadcast" || eth0.State != "up" {
		t.Fatalf("eth0 state: %+v", eth0)
	}
	e.output(s.Ref, "ping", "-c", "1", "-W", "1", "127.0.0.1")
	lo := e.state(s.Ref).Network["lo"]
	if lo.Counters.PacketsReceived == 0 || len(lo.Addresses) == 0 {
		t.Fatalf("lo after a ping: %+v", lo)
	}
	if a := lo.Addresses[0]; a != (instance.NetworkAddress{Family: "inet", Address: "127.0.0.1", Netmask: "8", Scope: "local"}) {
		t.Fatalf("lo's first address: %+v", a)
	}
	if _, err := net.InterfaceByName(hostName); err != nil {
		t.Fatalf("host side of the veth pair: %v", err)
	}
	if err := e.drv.Stop(ctx(t), s.Ref, instance.StopOpts{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.InterfaceByName(hostName); err == nil {
		t.Fatal("host side of the veth pair outlived the instance")
	}
}

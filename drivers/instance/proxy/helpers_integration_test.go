//go:build integration

package proxy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/instancetest"
	"github.com/lxdng/lxd/drivers/instance/lxc"
	"github.com/lxdng/lxd/drivers/instance/proxy"
	"github.com/lxdng/lxd/shared/testimage"
)

// childEnv makes the test binary a short-lived "daemon" that starts one
// proxy device and waits to be killed (TestRestartAdoption).
const childEnv = "LXDNGPX_CHILD_SPEC"

func TestMain(m *testing.M) {
	lxc.HelperMain()
	proxy.HelperMain()
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childDaemon(spec))
	}
	code := m.Run()
	if pxtoolPath != "" {
		os.RemoveAll(filepath.Dir(pxtoolPath))
	}
	os.Exit(code)
}

func childDaemon(arg string) int {
	var s proxy.Spec
	if err := json.Unmarshal([]byte(arg), &s); err != nil {
		return 2
	}
	h, err := proxy.Start(context.Background(), s)
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("started " + strconv.Itoa(h.Pid()) + "\n")
	select {} // until killed
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
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

// traversableTempDir is a t.TempDir an unprivileged container's root can
// traverse.
func traversableTempDir(t *testing.T) string {
	dir := t.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var (
	pxtoolOnce sync.Once
	pxtoolPath string
	pxtoolErr  error
)

// pxtool builds the static in-container helper once per test binary.
func pxtool(t *testing.T) string {
	pxtoolOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lxdngpx-tool-")
		if err != nil {
			pxtoolErr = err
			return
		}
		pxtoolPath = filepath.Join(dir, "pxtool")
		cmd := exec.Command("go", "build", "-o", pxtoolPath, "./testdata/pxtool")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			pxtoolErr = &buildError{out: string(out), err: err}
		}
	})
	if pxtoolErr != nil {
		t.Fatalf("building testdata/pxtool (needs the go toolchain in PATH): %v", pxtoolErr)
	}
	return pxtoolPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// ctr is one running busybox container with pxtool in /bin.
type ctr struct {
	t      *testing.T
	drv    instance.Driver
	spec   instance.Spec
	pid    int
	rootfs string
	state  string // daemon-like state dir ($LXD_DIR stand-in)
}

// startContainer starts an unprivileged busybox container (loopback only
// unless nics are given).
func startContainer(t *testing.T, nics ...instance.NIC) *ctr {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("proxy integration tests need root")
	}
	state := traversableTempDir(t)
	drv, err := lxc.New(lxc.Options{
		LxcPath:    filepath.Join(state, "lxc"),
		LogDir:     filepath.Join(state, "logs"),
		DevicesDir: filepath.Join(state, "devices"),
	})
	if err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(traversableTempDir(t), "rootfs")
	if err := testimage.BuildBusyboxRootfs(rootfs); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(pxtool(t), filepath.Join(rootfs, "bin/pxtool")); err != nil {
		t.Fatal(err)
	}
	s := instance.Spec{
		Ref:          instance.Ref{Project: "default", Name: "lxdngpx-" + randomHex(4)},
		RootfsPath:   rootfs,
		Architecture: "x86_64",
		Config:       map[string]string{},
		Idmap:        instancetest.UnprivilegedMap,
	}
	if len(nics) > 0 {
		s.Devices = []instance.DeviceSpec{{Name: "eth0", NICs: nics}}
	}
	c := &ctr{t: t, drv: drv, spec: s, rootfs: rootfs, state: state}
	if err := drv.Create(testCtx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := drv.Stop(ctx, s.Ref, instance.StopOpts{Force: true}); err != nil {
			t.Errorf("cleanup Stop: %v", err)
		}
		if err := drv.Delete(ctx, s.Ref); err != nil {
			t.Errorf("cleanup Delete: %v", err)
		}
	})
	if err := drv.Start(testCtx(t), s); err != nil {
		t.Fatalf("Start: %v", err)
	}
	st, err := drv.State(testCtx(t), s.Ref)
	if err != nil || st.Pid <= 0 {
		t.Fatalf("State: %+v %v", st, err)
	}
	c.pid = st.Pid
	return c
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve runs `pxtool echo <network> <addr> <ready> <prefix>` in the
// container until the test ends and waits until it listens.
func (c *ctr) serve(network, addr, prefix string) {
	c.t.Helper()
	ready := "/tmp/ready-" + randomHex(4)
	var out syncBuffer
	p, err := c.drv.Exec(testCtx(c.t), c.spec.Ref, instance.ExecReq{
		Command: []string{"/bin/pxtool", "echo", network, addr, ready, prefix}, Stdout: &out, Stderr: &out})
	if err != nil {
		c.t.Fatalf("Exec pxtool echo: %v", err)
	}
	c.t.Cleanup(func() {
		_ = p.Signal(syscall.SIGKILL)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = p.Wait(ctx)
	})
	eventually(c.t, "pxtool echo "+addr+" to listen (output: "+out.String()+")", func() bool {
		_, err := os.Stat(filepath.Join(c.rootfs, ready))
		return err == nil
	})
}

// send runs `pxtool send` in the container and returns its output.
func (c *ctr) send(network, addr, msg string) (string, error) {
	c.t.Helper()
	var out, errb syncBuffer
	p, err := c.drv.Exec(testCtx(c.t), c.spec.Ref, instance.ExecReq{
		Command: []string{"/bin/pxtool", "send", network, addr, msg}, Stdout: &out, Stderr: &errb})
	if err != nil {
		c.t.Fatalf("Exec pxtool send: %v", err)
	}
	code, err := p.Wait(testCtx(c.t))
	if err == nil && code != 0 {
		err = &buildError{out: errb.String(), err: os.ErrInvalid}
	}
	return out.String(), err
}

// ref is a proxy device Ref under the container's state dir.
func (c *ctr) ref(dev string) proxy.Ref {
	dirs := proxy.Dirs{DevicesDir: filepath.Join(c.state, "devices"), LogDir: filepath.Join(c.state, "logs")}
	return dirs.Ref("default", c.spec.Ref.Name, dev)
}

// start starts a proxy device and stops it at cleanup, checking that the
// forwarder is gone afterwards.
func (c *ctr) start(s proxy.Spec) *proxy.Handle {
	c.t.Helper()
	if s.ContainerPid == 0 {
		s.ContainerPid = c.pid
	}
	h, err := proxy.Start(testCtx(c.t), s)
	if err != nil {
		log, _ := os.ReadFile(s.LogPath())
		c.t.Fatalf("proxy.Start: %v (log: %s)", err, log)
	}
	c.t.Cleanup(func() {
		if c.t.Failed() {
			log, _ := os.ReadFile(s.LogPath())
			c.t.Logf("forwarder log of %s:\n%s", s.Device, log)
		}
		pid := h.Pid()
		if err := proxy.Stop(context.Background(), s.Ref); err != nil {
			c.t.Errorf("proxy.Stop: %v", err)
		}
		if pid > 0 && processAlive(pid) {
			c.t.Errorf("forwarder %d still running after Stop", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return h
}

func processAlive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// freePort returns a port free on the host's loopback.
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return pc.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// roundTrip sends msg over a stream connection, half-closes and returns
// everything read back.
func roundTrip(t *testing.T, network, addr, msg string) string {
	t.Helper()
	conn, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s %s: %v", network, addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read from %s: %v", addr, err)
	}
	return string(got)
}

// hostEcho serves an echo (with prefix) on the host until the test ends.
func hostEcho(t *testing.T, network, addr, prefix string) net.Addr {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				data, _ := io.ReadAll(c)
				_, _ = c.Write(append([]byte(prefix), data...))
			}()
		}
	}()
	return l.Addr()
}

// procStatusIDs returns the Uid: and Gid: lines of /proc/<pid>/status.
func procStatusIDs(t *testing.T, pid int) (string, string) {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var uid, gid string
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			uid = strings.Join(strings.Fields(v), " ")
		}
		if v, ok := strings.CutPrefix(line, "Gid:"); ok {
			gid = strings.Join(strings.Fields(v), " ")
		}
	}
	return uid, gid
}

func stopForce() instance.StopOpts { return instance.StopOpts{Force: true} }

//go:build integration

package proxy_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/proxy"
)

// bind=host, tcp: the host's 127.0.0.1:<port> reaches a server on the
// container's loopback.
func TestBindHostTCP(t *testing.T) {
	c := startContainer(t)
	c.serve("tcp", "127.0.0.1:5000", "ctr:")
	port := freePort(t, "tcp")
	h := c.start(proxy.Spec{Ref: c.ref("web"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", port), Connect: "tcp:127.0.0.1:5000", Bind: "host"})
	if got := roundTrip(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port), "hello"); got != "ctr:hello" {
		t.Fatalf("got %q", got)
	}
	data, err := os.ReadFile(c.ref("web").PidPath())
	if err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(h.Pid()) {
		t.Fatalf("pid file: %q %v, pid %d", data, err, h.Pid())
	}

	// busybox nc, as a user would try it: `nc -l` prints what it gets.
	stdin, stdinW := io.Pipe()
	var out syncBuffer
	p, err := c.drv.Exec(testCtx(t), c.spec.Ref, instance.ExecReq{Command: []string{"nc", "-l", "-p", "5002"}, Stdin: stdin, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Signal(syscall.SIGKILL)
		_, _ = p.Wait(context.Background())
		stdinW.Close()
	})
	port2 := freePort(t, "tcp")
	c.start(proxy.Spec{Ref: c.ref("nc"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", port2), Connect: "tcp:127.0.0.1:5002"})
	eventually(t, "nc -l in the container to receive", func() bool {
		if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port2)); err == nil {
			_, _ = conn.Write([]byte("hello-nc\n"))
			conn.Close()
		}
		return strings.Contains(out.String(), "hello-nc")
	})
}

// bind=instance: a client inside the container reaches a host listener.
func TestBindInstanceTCP(t *testing.T) {
	c := startContainer(t)
	addr := hostEcho(t, "tcp", "127.0.0.1:0", "host:")
	c.start(proxy.Spec{Ref: c.ref("out"), Listen: "tcp:127.0.0.1:6000", Connect: "tcp:" + addr.String(), Bind: "instance"})
	got, err := c.send("tcp", "127.0.0.1:6000", "hi")
	if err != nil || got != "host:hi" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// udp to udp: separate flows per client, answers go back to each.
func TestUDP(t *testing.T) {
	c := startContainer(t)
	c.serve("udp", "127.0.0.1:5300", "dns:")
	port := freePort(t, "udp")
	c.start(proxy.Spec{Ref: c.ref("dns"), Listen: fmt.Sprintf("udp:127.0.0.1:%d", port), Connect: "udp:127.0.0.1:5300"})
	for i := 0; i < 2; i++ {
		conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		msg := fmt.Sprintf("q%d", i)
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 100)
		n, err := conn.Read(buf)
		if err != nil || string(buf[:n]) != "dns:"+msg {
			t.Fatalf("client %d: got %q, %v", i, buf[:n], err)
		}
	}
	// bind=instance udp: a container client reaches a host udp server.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 100)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(append([]byte("hostudp:"), buf[:n]...), from)
		}
	}()
	c.start(proxy.Spec{Ref: c.ref("dns2"), Listen: "udp:127.0.0.1:5400", Connect: "udp:" + pc.LocalAddr().String(), Bind: "instance"})
	if got, err := c.send("udp", "127.0.0.1:5400", "x"); err != nil || got != "hostudp:x" {
		t.Fatalf("instance udp: got %q, %v", got, err)
	}
}

// A udp listener with a non-udp connect side fails to start with LXD's
// forwarder error.
func TestUDPToTCPRefused(t *testing.T) {
	c := startContainer(t)
	_, err := proxy.Start(testCtx(t), proxy.Spec{Ref: c.ref("bad"), Listen: "udp:127.0.0.1:5301", Connect: "tcp:127.0.0.1:5300", ContainerPid: c.pid})
	if err == nil || err.Error() != "Proxying from udp to non-udp protocol is not supported" {
		t.Fatalf("got %v", err)
	}
}

// unix <-> tcp both ways, path and abstract sockets, uid/gid/mode.
func TestUnix(t *testing.T) {
	c := startContainer(t)
	c.serve("tcp", "127.0.0.1:5000", "tcp:")
	c.serve("unix", "@lxdngpx-abs", "abs:")

	// Host unix path -> container tcp, with owner and mode.
	sock := filepath.Join(t.TempDir(), "web.sock")
	c.start(proxy.Spec{Ref: c.ref("sock"), Listen: "unix:" + sock, Connect: "tcp:127.0.0.1:5000", UID: 1234, GID: 1235, Mode: 0o600})
	var st syscall.Stat_t
	if err := syscall.Lstat(sock, &st); err != nil || st.Uid != 1234 || st.Gid != 1235 || st.Mode&0o7777 != 0o600 || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		t.Fatalf("socket %s: %+v %v", sock, st, err)
	}
	if got := roundTrip(t, "unix", sock, "a"); got != "tcp:a" {
		t.Fatalf("unix->tcp: %q", got)
	}

	// Host tcp -> container abstract unix socket.
	port := freePort(t, "tcp")
	c.start(proxy.Spec{Ref: c.ref("abs"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", port), Connect: "unix:@lxdngpx-abs"})
	if got := roundTrip(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port), "b"); got != "abs:b" {
		t.Fatalf("tcp->abstract: %q", got)
	}

	// Container unix path (owned by container ids) -> host tcp.
	addr := hostEcho(t, "tcp", "127.0.0.1:0", "host:")
	c.start(proxy.Spec{Ref: c.ref("in"), Listen: "unix:/tmp/px.sock", Connect: "tcp:" + addr.String(), Bind: "instance", UID: 1000, GID: 1001, Mode: 0o660})
	if err := syscall.Lstat(filepath.Join(c.rootfs, "tmp/px.sock"), &st); err != nil {
		t.Fatal(err)
	}
	// On disk (under the idmapped root) the owner is the container's id.
	if st.Uid != 1000 || st.Gid != 1001 || st.Mode&0o7777 != 0o660 {
		t.Fatalf("container socket: uid %d gid %d mode %o", st.Uid, st.Gid, st.Mode&0o7777)
	}
	if got, err := c.send("unix", "/tmp/px.sock", "c"); err != nil || got != "host:c" {
		t.Fatalf("container unix -> host tcp: %q, %v", got, err)
	}

	// Host unix -> container unix path (through /proc/<pid>/root).
	c.serve("unix", "/run/echo.sock", "path:")
	sock2 := filepath.Join(t.TempDir(), "u2u.sock")
	c.start(proxy.Spec{Ref: c.ref("u2u"), Listen: "unix:" + sock2, Connect: "unix:/run/echo.sock"})
	if got := roundTrip(t, "unix", sock2, "d"); got != "path:d" {
		t.Fatalf("unix->unix: %q", got)
	}
}

// Port ranges map one to one, or many to one.
func TestPortRange(t *testing.T) {
	c := startContainer(t)
	for i := 0; i < 3; i++ {
		c.serve("tcp", fmt.Sprintf("127.0.0.1:%d", 7000+i), fmt.Sprintf("s%d:", i))
	}
	base := rangeBase(t, 3)
	c.start(proxy.Spec{Ref: c.ref("range"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d-%d", base, base+2), Connect: "tcp:127.0.0.1:7000-7002"})
	for i := 0; i < 3; i++ {
		if got := roundTrip(t, "tcp", fmt.Sprintf("127.0.0.1:%d", base+i), "x"); got != fmt.Sprintf("s%d:x", i) {
			t.Fatalf("port %d: %q", base+i, got)
		}
	}
	base2 := rangeBase(t, 2)
	c.start(proxy.Spec{Ref: c.ref("many"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d,%d", base2, base2+1), Connect: "tcp:127.0.0.1:7001"})
	for i := 0; i < 2; i++ {
		if got := roundTrip(t, "tcp", fmt.Sprintf("127.0.0.1:%d", base2+i), "y"); got != "s1:y" {
			t.Fatalf("many to one, port %d: %q", base2+i, got)
		}
	}
	_, err := proxy.Start(testCtx(t), proxy.Spec{Ref: c.ref("bad"), Listen: "tcp:127.0.0.1:1-3", Connect: "tcp:127.0.0.1:7000-7001", ContainerPid: c.pid})
	if err == nil || err.Error() != "Invalid port range" {
		t.Fatalf("mismatched ranges: %v", err)
	}
}

// rangeBase finds n consecutive free tcp ports on the host's loopback.
func rangeBase(t *testing.T, n int) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		base := freePort(t, "tcp")
		if base+n > 65535 {
			continue
		}
		ok := true
		for i := 1; i < n && ok; i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

// proxy_protocol: the connect side sees the client's address first.
func TestProxyProtocol(t *testing.T) {
	c := startContainer(t)
	c.serve("tcp", "127.0.0.1:5000", "")
	for _, version := range []int{1, 2} {
		port := freePort(t, "tcp")
		c.start(proxy.Spec{Ref: c.ref(fmt.Sprintf("pp%d", version)), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", port),
			Connect: "tcp:127.0.0.1:5000", ProxyProtocol: true, ProxyProtocolVersion: version})
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		local := conn.LocalAddr().(*net.TCPAddr)
		if _, err := conn.Write([]byte("body")); err != nil {
			t.Fatal(err)
		}
		_ = conn.(*net.TCPConn).CloseWrite()
		got, err := bufio.NewReader(conn).ReadString(0xff)
		conn.Close()
		if err == nil {
			t.Fatalf("unexpected 0xff in %q", got)
		}
		want := fmt.Sprintf("PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\nbody", local.Port, port)
		if version == 2 {
			want = string(proxy.HeaderV2(local, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})) + "body"
		}
		if got != want {
			t.Fatalf("v%d: got %q, want %q", version, got, want)
		}
	}
}

// security.uid/gid: the forwarder runs as the mapped ids and still works.
func TestSecurityUID(t *testing.T) {
	c := startContainer(t)
	c.serve("tcp", "127.0.0.1:5000", "ok:")
	port := freePort(t, "tcp")
	h := c.start(proxy.Spec{Ref: c.ref("drop"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", port), Connect: "tcp:127.0.0.1:5000",
		SecurityUID: 1000, SecurityGID: 1001})
	// bind=host: container ids, mapped through the container's id map.
	uid, gid := procStatusIDs(t, h.Pid())
	if uid != "1001000 1001000 1001000 1001000" || gid != "1001001 1001001 1001001 1001001" {
		t.Fatalf("forwarder ids: Uid %q Gid %q", uid, gid)
	}
	if got := roundTrip(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port), "z"); got != "ok:z" {
		t.Fatalf("after drop: %q", got)
	}
	// bind=instance: host ids.
	addr := hostEcho(t, "tcp", "127.0.0.1:0", "h:")
	h2 := c.start(proxy.Spec{Ref: c.ref("drop2"), Listen: "tcp:127.0.0.1:6001", Connect: "tcp:" + addr.String(), Bind: "instance",
		SecurityUID: 65534, SecurityGID: 65534})
	if uid, _ := procStatusIDs(t, h2.Pid()); uid != "65534 65534 65534 65534" {
		t.Fatalf("bind=instance forwarder uid %q", uid)
	}
	if got, err := c.send("tcp", "127.0.0.1:6001", "w"); err != nil || got != "h:w" {
		t.Fatalf("bind=instance after drop: %q %v", got, err)
	}
}

// The forwarder ends by itself when the container stops.
func TestExitsWithContainer(t *testing.T) {
	c := startContainer(t)
	h := c.start(proxy.Spec{Ref: c.ref("p"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t, "tcp")), Connect: "tcp:127.0.0.1:5000"})
	if err := c.drv.Stop(testCtx(t), c.spec.Ref, stopForce()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "forwarder to exit with the container", func() bool { return !processAlive(h.Pid()) })
	if found, err := proxy.Find(c.ref("p")); err != nil || found != nil {
		t.Fatalf("Find after exit: %v %v", found, err)
	}
}

// The daemon binary itself serves as forwarder (RunHelper dispatches
// forkproxy), not only this test binary.
func TestDaemonBinaryForwarder(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	exe := filepath.Join(filepath.Dir(file), "..", "..", "..", "bin", "lxd")
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("%s is missing: run `make build` first (make test does it)", exe)
	}
	c := startContainer(t)
	c.serve("tcp", "127.0.0.1:5000", "lxd:")
	port := freePort(t, "tcp")
	h := c.start(proxy.Spec{Ref: c.ref("bin"), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", port), Connect: "tcp:127.0.0.1:5000", Exe: exe})
	if got := roundTrip(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port), "m"); got != "lxd:m" {
		t.Fatalf("got %q", got)
	}
	if target, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", h.Pid())); err != nil || filepath.Base(target) != "lxd" {
		t.Fatalf("forwarder runs %q (%v)", target, err)
	}
}

//go:build integration

package proxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/proxy"
	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/internal/nft"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/bridge"
)

// A forwarder started by a "daemon" that is then killed keeps serving; a
// new daemon finds it by its pid file, adopts it with the same spec,
// replaces it with another, and stops it.
func TestRestartAdoption(t *testing.T) {
	c := startContainer(t)
	c.serve("tcp", "127.0.0.1:5000", "a:")
	c.serve("tcp", "127.0.0.1:5001", "b:")
	port := freePort(t, "tcp")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	spec := proxy.Spec{Ref: c.ref("web"), Listen: "tcp:" + addr, Connect: "tcp:127.0.0.1:5000", ContainerPid: c.pid}
	t.Cleanup(func() {
		if err := proxy.Stop(context.Background(), spec.Ref); err != nil {
			t.Errorf("cleanup Stop: %v", err)
		}
	})
	pid := startInChildDaemon(t, spec)

	if got := roundTrip(t, "tcp", addr, "1"); got != "a:1" {
		t.Fatalf("after the daemon died: %q", got)
	}
	h, err := proxy.Find(spec.Ref)
	if err != nil || h == nil || h.Pid() != pid {
		t.Fatalf("Find: %v %v (want pid %d)", h, err, pid)
	}
	adopted, err := proxy.Ensure(testCtx(t), spec)
	if err != nil || adopted.Pid() != pid {
		t.Fatalf("Ensure with the same spec: %v %v (want pid %d)", adopted, err, pid)
	}

	changed := spec
	changed.Connect = "tcp:127.0.0.1:5001"
	replaced, err := proxy.Ensure(testCtx(t), changed)
	if err != nil || replaced.Pid() == pid {
		t.Fatalf("Ensure with another spec: %v %v", replaced, err)
	}
	if processAlive(pid) {
		t.Fatalf("old forwarder %d still running", pid)
	}
	if got := roundTrip(t, "tcp", addr, "2"); got != "b:2" {
		t.Fatalf("after replacement: %q", got)
	}

	if err := proxy.Stop(testCtx(t), spec.Ref); err != nil {
		t.Fatal(err)
	}
	if processAlive(replaced.Pid()) {
		t.Fatal("forwarder still running after Stop")
	}
	if _, err := os.Stat(spec.PidPath()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pid file after Stop: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("still listening after Stop")
	}
}

// startInChildDaemon runs proxy.Start in a child test process, kills that
// process, and returns the forwarder's pid.
func startInChildDaemon(t *testing.T, s proxy.Spec) int {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(data))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(20 * time.Second):
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "started "))
	if err != nil || !strings.HasPrefix(line, "started ") {
		t.Fatalf("child daemon said %q", line)
	}
	return pid
}

// A pid file naming another process is not trusted: Find removes it.
func TestStalePidFile(t *testing.T) {
	ref := proxy.Ref{Dir: t.TempDir(), Device: "stale"}
	if err := os.WriteFile(ref.PidPath(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := proxy.Find(ref)
	if err != nil || h != nil {
		t.Fatalf("Find: %v %v", h, err)
	}
	if _, err := os.Stat(ref.PidPath()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale pid file kept: %v", err)
	}
	if err := proxy.Stop(testCtx(t), ref); err != nil {
		t.Fatalf("Stop of nothing: %v", err)
	}
}

// StopAll removes every forwarder of an instance but the kept ones.
func TestStopAll(t *testing.T) {
	c := startContainer(t)
	var pids []int
	for _, dev := range []string{"a", "b", "c"} {
		h := c.start(proxy.Spec{Ref: c.ref(dev), Listen: fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t, "tcp")), Connect: "tcp:127.0.0.1:5000"})
		pids = append(pids, h.Pid())
	}
	if err := proxy.StopAll(testCtx(t), c.ref(""), "b"); err != nil {
		t.Fatal(err)
	}
	if processAlive(pids[0]) || !processAlive(pids[1]) || processAlive(pids[2]) {
		t.Fatalf("alive after StopAll keeping b: %v %v %v", processAlive(pids[0]), processAlive(pids[1]), processAlive(pids[2]))
	}
	names, err := proxy.Devices(c.ref("").Dir)
	if err != nil || len(names) != 1 || names[0] != "b" {
		t.Fatalf("Devices: %v %v", names, err)
	}
}

// nat=true: DNAT rules in our own table send the host's connections to the
// bridge address to the container's static IP; Stop removes them.
func TestNAT(t *testing.T) {
	for _, tool := range []string{"nft", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install nftables iproute2", tool)
		}
	}
	br, table, x := natBridge(t)
	hostIf := "lxdngpxv" + randomHex(3)
	c := startContainer(t, instance.NIC{Type: "veth", Name: "eth0", HostName: hostIf, Link: br})
	ctrIP := fmt.Sprintf("10.205.%d.2", x)
	c.run("ip", "addr", "add", ctrIP+"/24", "dev", "eth0")
	c.run("ip", "link", "set", "eth0", "up")
	c.serve("tcp", "0.0.0.0:8000", "nat:")
	c.serve("udp", "0.0.0.0:8001", "natu:")
	gw := fmt.Sprintf("10.205.%d.1", x)
	nics := []proxy.NIC{{Name: "eth0", NICType: "bridged", IPv4: ctrIP, HostName: hostIf}}

	ref := c.ref("web")
	ref.FirewallTable = table
	h, err := proxy.Start(testCtx(t), proxy.Spec{Ref: ref, Listen: "tcp:" + gw + ":80", Connect: "tcp:" + ctrIP + ":8000", NAT: true, NICs: nics})
	if err != nil || h.Pid() != 0 {
		t.Fatalf("Start: %v %v", h, err)
	}
	uref := c.ref("dns")
	uref.FirewallTable = table
	if _, err := proxy.Start(testCtx(t), proxy.Spec{Ref: uref, Listen: "udp:" + gw + ":53", Connect: "udp:0.0.0.0:8001", NAT: true, NICs: nics}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = proxy.StopAll(context.Background(), c.ref(""))
	})
	if got := roundTrip(t, "tcp", gw+":80", "q"); got != "nat:q" {
		t.Fatalf("nat tcp: %q", got)
	}
	if got := udpRoundTrip(t, gw+":53", "u"); got != "natu:u" {
		t.Fatalf("nat udp: %q", got)
	}
	if out, _ := iproute.IP(testCtx(t), "-d", "link", "show", hostIf); readKnob("/proc/sys/net/bridge/bridge-nf-call-iptables") == "1" && !strings.Contains(out, "hairpin on") {
		t.Fatalf("no hairpin on %s: %s", hostIf, out)
	}
	// Ensure re-applies (daemon start) without duplicating anything.
	if _, err := proxy.Ensure(testCtx(t), proxy.Spec{Ref: ref, Listen: "tcp:" + gw + ":80", Connect: "tcp:" + ctrIP + ":8000", NAT: true, NICs: nics}); err != nil {
		t.Fatal(err)
	}
	if _, err := proxy.Start(testCtx(t), proxy.Spec{Ref: c.ref("bad"), Listen: "tcp:" + gw + ":81", Connect: "tcp:10.205.0.99:8000", NAT: true, NICs: nics}); err == nil || !strings.Contains(err.Error(), "firewall table") {
		t.Fatalf("no table: %v", err)
	}
	bad := c.ref("bad")
	bad.FirewallTable = table
	if _, err := proxy.Start(testCtx(t), proxy.Spec{Ref: bad, Listen: "tcp:" + gw + ":81", Connect: "tcp:10.205.0.99:8000", NAT: true, NICs: nics}); err == nil ||
		err.Error() != `Connect IP "10.205.0.99" must be one of the instance's static IPv4 addresses` {
		t.Fatalf("foreign connect IP: %v", err)
	}

	if err := proxy.Stop(testCtx(t), ref); err != nil {
		t.Fatal(err)
	}
	chains, err := nft.Chains(testCtx(t), nft.FamilyInet, table)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chains {
		if strings.Contains(ch, ".web") {
			t.Fatalf("chain %s left after Stop (all: %v)", ch, chains)
		}
	}
	if conn, err := net.DialTimeout("tcp", gw+":80", time.Second); err == nil {
		conn.Close()
		t.Fatal("still forwarded after Stop")
	}
	if err := proxy.StopAll(testCtx(t), uref); err != nil {
		t.Fatal(err)
	}
	if chains, _ := nft.Chains(testCtx(t), nft.FamilyInet, table); strings.Contains(strings.Join(chains, " "), "proxy.") {
		t.Fatalf("proxy chains left after StopAll: %v", chains)
	}
}

// natBridge creates a bridge in 10.205.<x>.0/24 (no NAT, no DHCP) with its
// firewall in a fresh table, all removed at cleanup.
func natBridge(t *testing.T) (string, string, int) {
	t.Helper()
	br := "lxdngpx" + randomHex(3)
	table := "lxdngpx_" + randomHex(4)
	routes, err := iproute.Routes(testCtx(t), "inet", "")
	if err != nil {
		t.Fatal(err)
	}
	x := -1
	start := int(randomHex(1)[0])
	for try := 0; try < 250 && x < 0; try++ {
		x = (start+try)%250 + 1
		for _, r := range routes {
			if r.Dst == fmt.Sprintf("10.205.%d.0/24", x) {
				x = -1
			}
		}
	}
	if x < 0 {
		t.Fatal("no free subnet in 10.205.0.0/16")
	}
	n := network.Network{
		Name: br, Type: "bridge",
		Config: map[string]string{
			"ipv4.address": fmt.Sprintf("10.205.%d.1/24", x), "ipv4.nat": "false", "ipv4.dhcp": "false",
			"ipv6.address": "none",
		},
		StateDir: filepath.Join(traversableTempDir(t), "net"), FirewallTable: table, Member: "none",
	}
	drv := bridge.New(bridge.Options{})
	if err := drv.Start(testCtx(t), n); err != nil {
		t.Fatalf("bridge Start: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := drv.Delete(ctx, n); err != nil {
			t.Errorf("bridge Delete: %v", err)
		}
		for _, fam := range []string{nft.FamilyInet, nft.FamilyBridge, nft.FamilyNetdev} {
			if ok, _ := nft.TableExists(ctx, fam, table); ok {
				t.Errorf("nft table %s %s left behind", fam, table)
				_, _ = iproute.Run(ctx, "nft", "delete", "table", fam, table)
			}
		}
	})
	return br, table, x
}

func readKnob(p string) string {
	data, _ := os.ReadFile(p)
	return strings.TrimSpace(string(data))
}

func udpRoundTrip(t *testing.T, addr, msg string) string {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 1500)
	// Datagrams may be lost: resend until an answer comes.
	for try := 0; try < 10; try++ {
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		if err == nil {
			return string(buf[:n])
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("udp %s: %v", addr, err)
		}
	}
	t.Fatalf("no udp answer from %s", addr)
	return ""
}

// run runs a command in the container that must succeed.
func (c *ctr) run(cmd ...string) {
	c.t.Helper()
	var out syncBuffer
	p, err := c.drv.Exec(testCtx(c.t), c.spec.Ref, instance.ExecReq{Command: cmd, Stdout: &out, Stderr: &out})
	if err != nil {
		c.t.Fatal(err)
	}
	if code, err := p.Wait(testCtx(c.t)); code != 0 || err != nil {
		c.t.Fatalf("%v: exit %d %v: %s", cmd, code, err, out.String())
	}
}

// StopAll removes the NAT chains an earlier daemon left for an instance
// (the first look at a table lists it), and only that instance's.
func TestStopAllClearsLeftoverNAT(t *testing.T) {
	if _, err := exec.LookPath("nft"); err != nil {
		t.Fatal("nft is missing: apt-get install nftables")
	}
	ctx := testCtx(t)
	table := "lxdngpx_" + randomHex(4)
	t.Cleanup(func() { _ = nft.DeleteChainsWithPrefix(context.Background(), nft.FamilyInet, table, "") })
	leftover := func(instance string) nft.Chain {
		return nft.Chain{Name: "proxy.prert.default." + instance + ".web", Type: "nat", Hook: "prerouting", Priority: -100}
	}
	if err := nft.ReplaceChains(ctx, nft.FamilyInet, table, []nft.Chain{leftover("gone"), leftover("kept")}); err != nil {
		t.Fatal(err)
	}
	ref := proxy.Ref{Dir: t.TempDir(), Project: "default", Instance: "gone", FirewallTable: table}
	if err := proxy.StopAll(ctx, ref); err != nil {
		t.Fatal(err)
	}
	chains, err := nft.Chains(ctx, nft.FamilyInet, table)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(chains, ",") != "proxy.prert.default.kept.web" {
		t.Fatalf("chains after StopAll of the instance gone: %v", chains)
	}
	ref.Instance = "kept"
	if err := proxy.StopAll(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if chains, err := nft.Chains(ctx, nft.FamilyInet, table); err != nil || len(chains) != 0 {
		t.Fatalf("chains after StopAll of the instance kept: %v %v", chains, err)
	}
}

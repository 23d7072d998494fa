//go:build integration

package api_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// The managed-networks issue end to end, through the full daemon and the
// real lxc 5.0.2 client: busybox containers on managed bridges get their
// DHCP leases (udhcpc in the image's init), talk to each other and to the
// host, and NIC security, hotplug, stable MACs and in-use refusals behave
// as with LXD. Each scenario runs against ours and against LXD 5.0.2.

func TestNICBridged(t *testing.T)          { scenarioNICBridged(t, daemontest.Start(t)) }
func TestReferenceNICBridged(t *testing.T) { scenarioNICBridged(t, daemontest.StartReference(t)) }

// scenarioNICBridged: DHCP and static leases, lxc list, reachability,
// counters, live filtering, stable MAC, hotplug, in-use refusals and the
// cleanup of a renamed and deleted network.
func scenarioNICBridged(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub := nicNetwork(t, d)
	c1, c2 := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	e.newBusybox(t, c1)
	e.newBusybox(t, c2)
	static := sub + ".50"
	d.MustLXC(t, "config", "device", "add", c1, "eth0", "nic", "network="+br, "name=eth0")
	d.MustLXC(t, "config", "device", "add", c2, "eth0", "nic", "network="+br, "name=eth0", "ipv4.address="+static)
	d.MustLXC(t, "start", c1, c2)
	ip1, ip2 := nicWaitIPv4(t, e, c1, "eth0"), nicWaitIPv4(t, e, c2, "eth0")
	if ip2 != static || !strings.HasPrefix(ip1, sub+".") || ip1 == static {
		t.Fatalf("addresses: %s got %s, %s got %s (static %s)", c1, ip1, c2, ip2, static)
	}
	if got := nicListIPv4(t, d, c1); got != ip1+" (eth0)" {
		t.Fatalf("lxc list IPv4 of %s = %q, want %q", c1, got, ip1+" (eth0)")
	}
	nicCheckLeases(t, d, br, map[string]string{c1: ip1, c2: ip2}, true)

	// Both containers, the host and the bridge reach each other.
	for _, p := range [][2]string{{c1, ip2}, {c2, ip1}, {c1, sub + ".1"}} {
		if !nicPing(t, d, p[0], p[1], "") {
			t.Fatalf("%s cannot ping %s", p[0], p[1])
		}
	}
	nicCheckCounters(t, d, e, br, c1, ip1)

	// ipv4.routes (changed live): routed on-link to the bridge.
	routes := nicSubnet(t) + ".0/28"
	d.MustLXC(t, "config", "device", "set", c2, "eth0", "ipv4.routes="+routes)
	nicHostHas(t, []string{"ip", "-4", "route", "show", routes}, "dev "+br)
	d.MustLXC(t, "config", "device", "unset", c2, "eth0", "ipv4.routes")
	if nicHostRoute(t, routes) {
		t.Fatalf("route %s left after unsetting ipv4.routes", routes)
	}

	// security.ipv4_filtering (changed live): a spoofed source is dropped.
	// (A spoofed ARP probe leaves the neighbour entry failed: flush it.)
	d.MustLXC(t, "config", "device", "set", c2, "eth0", "security.ipv4_filtering=true")
	if !nicPing(t, d, c2, sub+".1", "") {
		t.Fatal("ipv4_filtering: the instance's own address is blocked")
	}
	spoofed := sub + ".99"
	d.MustLXC(t, "exec", c2, "--", "ip", "addr", "add", spoofed+"/24", "dev", "eth0")
	if nicPing(t, d, c2, sub+".1", spoofed) {
		t.Fatal("ipv4_filtering: a ping from a spoofed address went through")
	}
	d.MustLXC(t, "exec", c2, "--", "ip", "addr", "del", spoofed+"/24", "dev", "eth0")
	d.MustLXC(t, "exec", c2, "--", "ip", "neigh", "flush", "dev", "eth0")
	daemontest.Eventually(t, 10*time.Second, "own address to pass the filter again", func() bool {
		return nicPing(t, d, c2, sub+".1", "")
	})

	// security.mac_filtering: frames from a changed MAC are dropped.
	mac1 := e.get(t, c1).Config["volatile.eth0.hwaddr"]
	d.MustLXC(t, "config", "device", "set", c1, "eth0", "security.mac_filtering=true")
	d.MustLXC(t, "exec", c1, "--", "ip", "link", "set", "eth0", "address", "00:16:3e:aa:bb:cc")
	if nicPing(t, d, c1, sub+".1", "") {
		t.Fatal("mac_filtering: a ping from a changed MAC went through")
	}
	d.MustLXC(t, "exec", c1, "--", "ip", "link", "set", "eth0", "address", mac1)
	d.MustLXC(t, "exec", c1, "--", "ip", "neigh", "flush", "dev", "eth0")
	daemontest.Eventually(t, 10*time.Second, "own MAC to pass the filter again", func() bool {
		return nicPing(t, d, c1, sub+".1", "")
	})

	// ipv4_filtering without a static address: the NIC's lease is pinned
	// and let through (also after the restart below).
	d.MustLXC(t, "config", "device", "set", c1, "eth0", "security.ipv4_filtering=true")
	daemontest.Eventually(t, 10*time.Second, "the DHCP address to pass the filter", func() bool {
		return nicPing(t, d, c1, sub+".1", "")
	})

	// The MAC (and with it the lease) survives a restart.
	d.MustLXC(t, "restart", "--force", c1)
	if again := nicWaitIPv4(t, e, c1, "eth0"); again != ip1 {
		t.Fatalf("address after restart %s, before %s", again, ip1)
	}
	if hw := e.state(t, c1).Network["eth0"].Hwaddr; hw != mac1 || e.get(t, c1).Config["volatile.eth0.hwaddr"] != mac1 {
		t.Fatalf("MAC after restart %s, before %s", hw, mac1)
	}

	nicHotplug(t, d, e, c1)
	nicInUse(t, d, br, c1)
	nicCheckInfo(t, d, c1, ip1)
	out := d.MustLXC(t, "network", "show", br)
	for _, c := range []string{c1, c2} {
		if !strings.Contains(out, "- /1.0/instances/"+c+"\n") {
			t.Fatalf("used_by lacks %s:\n%s", c, out)
		}
	}

	// With the instances gone, rename and delete clean up everything:
	// also the filtering chain of c2's port.
	filtered := e.get(t, c2).Config["volatile.eth0.host_name"]
	if !strings.Contains(nftRuleset(t), filtered) {
		t.Fatalf("no filtering rules for %s's port %s", c2, filtered)
	}
	d.MustLXC(t, "delete", "-f", c1, c2)
	if rs := nftRuleset(t); strings.Contains(rs, filtered) {
		t.Fatalf("filtering rules of deleted %s's port %s left:\n%s", c2, filtered, rs)
	}
	renamed := daemontest.Name(t, "lxnd")
	d.MustLXC(t, "network", "rename", br, renamed)
	t.Cleanup(func() { d.LXC(t, "network", "delete", renamed) })
	if linkExists(br) || len(dnsmasqPids(br)) > 0 || !linkExists(renamed) {
		t.Fatalf("after rename: old link %v, old dnsmasq %v, new link %v", linkExists(br), dnsmasqPids(br), linkExists(renamed))
	}
	daemontest.Eventually(t, 10*time.Second, "dnsmasq on the renamed bridge", func() bool { return len(dnsmasqPids(renamed)) == 1 })
	if rs := nftRuleset(t); strings.Contains(rs, br) || !strings.Contains(rs, renamed) {
		t.Fatalf("after rename: firewall rules of %s left or none for %s:\n%s", br, renamed, rs)
	}
	d.MustLXC(t, "network", "delete", renamed)
	assertNetworkGone(t, br)
	assertNetworkGone(t, renamed)
}

// nicCheckLeases checks /leases and `lxc network list-leases`: each
// instance's address, the gateway and (static) a static lease.
func nicCheckLeases(t *testing.T, d *daemontest.Daemon, br string, want map[string]string, static bool) {
	t.Helper()
	daemontest.Eventually(t, 10*time.Second, "leases of every instance", func() bool {
		found := 0
		for _, l := range nicLeases(t, d, br) {
			if ip, ok := want[l.Hostname]; ok && l.Address == ip && l.Hwaddr != "" {
				found++
			}
		}
		return found == len(want)
	})
	out := d.MustLXC(t, "network", "list-leases", br, "--format", "csv")
	for name, ip := range want {
		if !strings.Contains(out, name+",") || !strings.Contains(out, ","+ip+",") {
			t.Fatalf("list-leases lacks %s %s:\n%s", name, ip, out)
		}
	}
	if (static && !strings.Contains(out, ",STATIC")) || !strings.Contains(out, ",GATEWAY") {
		t.Fatalf("list-leases has no static or gateway entry:\n%s", out)
	}
}

// nicCheckCounters pings an instance from the host and waits for the
// bridge's and the instance NIC's counters to move.
func nicCheckCounters(t *testing.T, d *daemontest.Daemon, e *instEnv, br, name, ip string) {
	t.Helper()
	raw := d.MustLXC(t, "query", "/1.0/instances/"+name+"/state")
	for _, k := range []string{`"errors_received"`, `"errors_sent"`, `"packets_dropped_inbound"`, `"packets_dropped_outbound"`} {
		if !strings.Contains(raw, k) {
			t.Fatalf("instance NIC counters lack %s: %s", k, raw)
		}
	}
	netBefore := nicNetworkState(t, d, br).Counters
	nicBefore := e.state(t, name).Network["eth0"].Counters
	for i := 0; i < 3; i++ {
		if !nicHostPing(ip) {
			t.Fatalf("the host cannot ping %s", ip)
		}
	}
	daemontest.Eventually(t, 10*time.Second, "counters to move", func() bool {
		n := nicNetworkState(t, d, br).Counters
		c := e.state(t, name).Network["eth0"].Counters
		return n.PacketsReceived >= netBefore.PacketsReceived+3 && n.BytesSent > netBefore.BytesSent &&
			c.PacketsReceived >= nicBefore.PacketsReceived+3 && c.BytesSent > nicBefore.BytesSent
	})
}

// nicHotplug adds a NIC on a second network to a running container, gets
// it a lease from inside and removes it again.
func nicHotplug(t *testing.T, d *daemontest.Daemon, e *instEnv, name string) {
	t.Helper()
	br2, sub2 := nicNetwork(t, d)
	d.MustLXC(t, "config", "device", "add", name, "eth1", "nic", "network="+br2, "name=eth1")
	inst := e.get(t, name)
	host, mac := inst.Config["volatile.eth1.host_name"], inst.Config["volatile.eth1.hwaddr"]
	eth1, ok := nicInside(t, e, name)["eth1"]
	if !ok || eth1.Hwaddr != mac || mac == "" {
		t.Fatalf("hot-plugged eth1 %+v, volatile hwaddr %q", eth1, mac)
	}
	if master, err := os.Readlink(filepath.Join("/sys/class/net", host, "master")); err != nil || filepath.Base(master) != br2 {
		t.Fatalf("host end %q of eth1 not on %s: %q %v", host, br2, master, err)
	}
	d.MustLXC(t, "exec", name, "--", "udhcpc", "-i", "eth1", "-q", "-n", "-t", "5", "-T", "1", "-s", "/usr/share/udhcpc/default.script")
	if ip := nicWaitIPv4(t, e, name, "eth1"); !strings.HasPrefix(ip, sub2+".") || !nicPing(t, d, name, sub2+".1", "") {
		t.Fatalf("hot-plugged eth1 got %q or cannot reach %s.1", ip, sub2)
	}
	d.MustLXC(t, "config", "device", "remove", name, "eth1")
	if _, still := nicInside(t, e, name)["eth1"]; still || nicHostLink(host) {
		t.Fatalf("after removal: eth1 inside %v, host end %s exists %v", still, host, nicHostLink(host))
	}
	for k := range e.get(t, name).Config {
		if strings.HasPrefix(k, "volatile.eth1.") {
			t.Fatalf("volatile key %s left after removal", k)
		}
	}
}

// nicInUse checks that a network used by an instance can be neither
// deleted nor renamed, and that the refusals change nothing.
func nicInUse(t *testing.T, d *daemontest.Daemon, br, name string) {
	t.Helper()
	pids := dnsmasqPids(br)
	err := d.Client.DeleteNetwork(context.Background(), br)
	wantStatus(t, "delete in-use network", err, http.StatusBadRequest, "The network is currently in use")
	if r := d.LXC(t, "network", "delete", br); r.ExitCode == 0 || !strings.Contains(r.Stderr, "The network is currently in use") {
		t.Fatalf("lxc network delete of an in-use network: %+v", r)
	}
	if r := d.LXC(t, "network", "rename", br, daemontest.Name(t, "lxnd")); r.ExitCode == 0 || !strings.Contains(r.Stderr, "Network is currently in use") {
		t.Fatalf("lxc network rename of an in-use network: %+v", r)
	}
	if !linkExists(br) || len(pids) != 1 || len(dnsmasqPids(br)) != 1 || dnsmasqPids(br)[0] != pids[0] {
		t.Fatalf("refusals changed the network: link %v, dnsmasq %v -> %v", linkExists(br), pids, dnsmasqPids(br))
	}
	if !nicPing(t, d, name, strings.TrimSuffix(nicGateway(t, d, br), "/24"), "") {
		t.Fatal("the instance lost its network after the refusals")
	}
}

// nicGateway is the network's ipv4.address.
func nicGateway(t *testing.T, d *daemontest.Daemon, br string) string {
	t.Helper()
	return strings.TrimSpace(d.MustLXC(t, "network", "get", br, "ipv4.address"))
}

// nicCheckInfo checks the network section of `lxc info`: the NIC, its
// address and its counters.
func nicCheckInfo(t *testing.T, d *daemontest.Daemon, name, ip string) {
	t.Helper()
	out := d.MustLXC(t, "info", name)
	for _, want := range []string{"Network usage:", "eth0:", "inet:  " + ip + "/24 (global)", "Bytes received:", "Packets sent:"} {
		if !strings.Contains(out, want) {
			t.Fatalf("lxc info lacks %q:\n%s", want, out)
		}
	}
}

func TestNICPortIsolation(t *testing.T) { scenarioNICPortIsolation(t, daemontest.Start(t)) }
func TestReferenceNICPortIsolation(t *testing.T) {
	scenarioNICPortIsolation(t, daemontest.StartReference(t))
}

// scenarioNICPortIsolation: two NICs with security.port_isolation on one
// bridge cannot reach each other, but both reach the host.
func scenarioNICPortIsolation(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub := nicNetwork(t, d)
	a, b := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	for _, c := range []string{a, b} {
		e.newBusybox(t, c)
		d.MustLXC(t, "config", "device", "add", c, "eth0", "nic", "network="+br, "name=eth0", "security.port_isolation=true")
	}
	d.MustLXC(t, "start", a, b)
	ipB := nicWaitIPv4(t, e, b, "eth0")
	nicWaitIPv4(t, e, a, "eth0")
	if !nicPing(t, d, a, sub+".1", "") || !nicPing(t, d, b, sub+".1", "") {
		t.Fatal("isolated ports cannot reach the host")
	}
	if nicPing(t, d, a, ipB, "") {
		t.Fatal("isolated ports reach each other")
	}
}

//go:build integration

package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// Acceptance of the managed-networks issue beyond the IPv4 basics of
// instances_nic_integration_test.go: IPv6 (SLAAC from the bridge's
// router advertisements, static DHCPv6 leases, IPv6 filtering), DNS names
// of instances, and the bridged NIC's host_name, hwaddr and mtu. Objects
// are named a5<hex>; subnets are 10.207.N.0/24 (nicSubnet) and
// fd42:a5:N::/64, NAT off.

// acceptDualNetwork creates a bridge with IPv4 and IPv6 (NAT off on both)
// and returns its name, the IPv4 prefix "10.207.N" and the IPv6 prefix
// "fd42:a5:N:".
func acceptDualNetwork(t *testing.T, d *daemontest.Daemon, extra ...string) (name, sub4, sub6 string) {
	t.Helper()
	requireNetTools(t)
	name, sub4 = daemontest.Name(t, "a5"), nicSubnet(t)
	sub6 = "fd42:a5:" + strings.TrimPrefix(sub4, "10.207.") + ":"
	args := append([]string{"network", "create", name, "ipv4.address=" + sub4 + ".1/24", "ipv4.nat=false",
		"ipv6.address=" + sub6 + ":1/64", "ipv6.nat=false"}, extra...)
	d.MustLXC(t, args...)
	t.Cleanup(func() { d.LXC(t, "network", "delete", name) })
	return name, sub4, sub6
}

// acceptWaitIPv6 waits for a global IPv6 address in prefix on an
// instance's interface and returns it.
func acceptWaitIPv6(t *testing.T, e *instEnv, name, iface, prefix string) string {
	t.Helper()
	var addr string
	daemontest.Eventually(t, 30*time.Second, name+" "+iface+" to get an IPv6 address in "+prefix, func() bool {
		for _, a := range nicAddrs(t, e, name, iface, "inet6") {
			if strings.HasPrefix(a, prefix) {
				addr = a
				return true
			}
		}
		return false
	})
	return addr
}

func TestNetworkAcceptIPv6AndDNS(t *testing.T) {
	scenarioNetworkAcceptIPv6AndDNS(t, daemontest.Start(t))
}

func TestReferenceNetworkAcceptIPv6AndDNS(t *testing.T) {
	scenarioNetworkAcceptIPv6AndDNS(t, daemontest.StartReference(t))
}

// scenarioNetworkAcceptIPv6AndDNS: on a dual-stack bridge, a container
// autoconfigures an IPv6 address from the bridge's router advertisements,
// `lxc list` shows it, the host and the other container reach it over
// IPv6, instance names resolve through the bridge's dnsmasq
// (<name>.lxd), the bridged NIC's host_name, hwaddr and mtu are applied,
// and security.ipv6_filtering drops a spoofed IPv6 source.
func scenarioNetworkAcceptIPv6AndDNS(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub4, sub6 := acceptDualNetwork(t, d)
	c1, c2 := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	host := daemontest.Name(t, "a5h")
	mac := fmt.Sprintf("00:16:3e:a5:%s:%s", host[3:5], host[5:7])
	e.newBusybox(t, c1)
	e.newBusybox(t, c2)
	d.MustLXC(t, "config", "device", "add", c1, "eth0", "nic", "network="+br, "name=eth0",
		"host_name="+host, "hwaddr="+mac)
	d.MustLXC(t, "config", "device", "add", c2, "eth0", "nic", "network="+br, "name=eth0", "boot.priority=10")
	d.MustLXC(t, "start", c1, c2)
	ip1, ip2 := nicWaitIPv4(t, e, c1, "eth0"), nicWaitIPv4(t, e, c2, "eth0")

	// host_name and hwaddr of the bridged NIC, on both ends.
	acceptCheckHostEnd(t, host, br, "1500")
	if eth0 := e.state(t, c1).Network["eth0"]; eth0.Hwaddr != mac || eth0.HostName != host {
		t.Fatalf("eth0 of %s: %+v, want hwaddr %s host_name %s", c1, eth0, mac, host)
	}
	// limits.ingress (set live) shapes the host end with a tc htb.
	d.MustLXC(t, "config", "device", "set", c1, "eth0", "limits.ingress=10Mbit")
	nicHostHas(t, []string{"tc", "qdisc", "show", "dev", host}, "qdisc htb")
	if d.Kind == daemontest.Ours {
		// limits.egress: LXD 5.0.2 needs the tc police action, which this
		// kernel lacks ("Failed to load TC action module"); ours polices
		// in an nftables netdev chain instead.
		d.MustLXC(t, "config", "device", "set", c1, "eth0", "limits.egress=20Mbit")
		if rs := nftRuleset(t); !strings.Contains(rs, host) || !strings.Contains(rs, "limit rate over") {
			t.Fatalf("no egress policing of %s:\n%s", host, rs)
		}
		d.MustLXC(t, "config", "device", "unset", c1, "eth0", "limits.egress")
		if strings.Contains(nftRuleset(t), host) { // (no filtering on c1: only the policing names it)
			t.Fatalf("egress policing of %s left after unset", host)
		}
	}
	d.MustLXC(t, "config", "device", "unset", c1, "eth0", "limits.ingress")
	if out, _ := exec.Command("tc", "qdisc", "show", "dev", host).Output(); strings.Contains(string(out), "htb") {
		t.Fatalf("qdisc left on %s after unsetting the limit:\n%s", host, out)
	}
	// One NIC per instance and managed bridge, also through parent=.
	r := d.LXC(t, "config", "device", "add", c2, "eth1", "nic", "nictype=bridged", "parent="+br, "name=eth1")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, `Failed add validation for device "eth1": Instance DNS name "`+c2+`" already used on network`) {
		t.Fatalf("second NIC on %s: %+v", br, r)
	}
	// mtu (LXD refuses it with network=: use parent=, on another bridge
	// as LXD allows one NIC per instance and network), hot-plugged.
	br2, _ := nicNetwork(t, d)
	host2 := daemontest.Name(t, "a5h")
	d.MustLXC(t, "config", "device", "add", c2, "eth1", "nic", "nictype=bridged", "parent="+br2, "name=eth1",
		"host_name="+host2, "mtu=1400")
	acceptCheckHostEnd(t, host2, br2, "1400")
	if eth1 := e.state(t, c2).Network["eth1"]; eth1.Mtu != 1400 {
		t.Fatalf("eth1 of %s: %+v, want mtu 1400", c2, eth1)
	}
	d.MustLXC(t, "config", "device", "remove", c2, "eth1")

	// SLAAC from the bridge's router advertisements.
	v6a, v6b := acceptWaitIPv6(t, e, c1, "eth0", sub6), acceptWaitIPv6(t, e, c2, "eth0", sub6)
	if got := strings.TrimSpace(d.MustLXC(t, "list", c2, "--format", "csv", "-c", "6")); got != v6b+" (eth0)" {
		t.Fatalf("lxc list IPv6 of %s = %q, want %q", c2, got, v6b+" (eth0)")
	}
	daemontest.Eventually(t, 15*time.Second, "the host to reach "+v6b, func() bool {
		return exec.Command("ping", "-6", "-c", "1", "-W", "1", v6b).Run() == nil
	})
	daemontest.Eventually(t, 15*time.Second, c1+" to reach "+v6b, func() bool {
		return nicExecOK(t, d, c1, "ping", "-6", "-c", "1", "-W", "1", v6b)
	})

	// Instance names resolve through the bridge's dnsmasq.
	daemontest.Eventually(t, 15*time.Second, c2+".lxd to resolve to "+ip2, func() bool {
		r := d.LXC(t, "exec", c1, "--", "nslookup", c2+".lxd", sub4+".1")
		return r.ExitCode == 0 && strings.Contains(r.Stdout, ip2)
	})
	if r := d.LXC(t, "exec", c2, "--", "nslookup", c1+".lxd", sub4+".1"); !strings.Contains(r.Stdout, ip1) {
		t.Fatalf("%s.lxd does not resolve to %s: %+v", c1, ip1, r)
	}

	// security.ipv6_filtering: a spoofed IPv6 source is dropped, the
	// instance's own SLAAC address still passes.
	d.MustLXC(t, "config", "device", "set", c2, "eth0", "security.ipv6_filtering=true")
	daemontest.Eventually(t, 15*time.Second, "own IPv6 address to pass the filter", func() bool {
		return nicExecOK(t, d, c2, "ping", "-6", "-c", "1", "-W", "1", "-I", v6b, sub6+":1")
	})
	spoofed := sub6 + ":99"
	d.MustLXC(t, "exec", c2, "--", "ip", "-6", "addr", "add", spoofed+"/64", "dev", "eth0")
	daemontest.Eventually(t, 10*time.Second, "the spoofed address to pass DAD", func() bool {
		out := d.MustLXC(t, "exec", c2, "--", "ip", "-6", "addr", "show", "dev", "eth0")
		return strings.Contains(out, spoofed) && !strings.Contains(out, "tentative")
	})
	if nicExecOK(t, d, c2, "ping", "-6", "-c", "1", "-W", "2", "-I", spoofed, sub6+":1") {
		t.Fatal("ipv6_filtering: a ping from a spoofed IPv6 address went through")
	}
	if !nicExecOK(t, d, c2, "ping", "-6", "-c", "1", "-W", "2", "-I", v6b, v6a) {
		t.Fatal("ipv6_filtering: the instance's own IPv6 address is blocked")
	}
}

// acceptCheckHostEnd checks a bridged NIC's host end: present, on the
// bridge, with the MTU.
func acceptCheckHostEnd(t *testing.T, host, br, mtu string) {
	t.Helper()
	if !linkExists(host) || nicHostMTU(t, host) != mtu {
		t.Fatalf("host end %s: exists %v, want MTU %s", host, linkExists(host), mtu)
	}
	if master, err := os.Readlink(filepath.Join("/sys/class/net", host, "master")); err != nil || filepath.Base(master) != br {
		t.Fatalf("host end %s not on %s: %q %v", host, br, master, err)
	}
}

func TestNetworkAcceptDaemonRestart(t *testing.T) {
	scenarioNetworkAcceptDaemonRestart(t, daemontest.Start(t))
}

func TestReferenceNetworkAcceptDaemonRestart(t *testing.T) {
	scenarioNetworkAcceptDaemonRestart(t, daemontest.StartReference(t))
}

// scenarioNetworkAcceptDaemonRestart: a daemon restart (SIGTERM, or after
// a crash) leaves the bridge, its dnsmasq, its firewall rules and a running
// container's port filter as they were, not doubled;
// `lxd shutdown` (host going down) stops the network like LXD does, and the
// next start brings back the same bridge, dnsmasq and rules.
func scenarioNetworkAcceptDaemonRestart(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub4, _ := acceptDualNetwork(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "device", "add", name, "eth0", "nic", "network="+br, "name=eth0", "security.ipv4_filtering=true")
	d.MustLXC(t, "start", name)
	ip, mac := nicWaitIPv4(t, e, name, "eth0"), e.get(t, name).Config["volatile.eth0.hwaddr"]
	rules := acceptNftLines(t, br)
	port := e.get(t, name).Config["volatile.eth0.host_name"]
	portRules := acceptNftLines(t, port)
	if len(rules) == 0 || len(portRules) == 0 {
		t.Fatalf("no firewall rules mention %s or the filtered port %s", br, port)
	}
	for round := 0; round < 3; round++ {
		if round == 2 {
			d.Kill() // a crash: the next start adopts what runs
		}
		d.Restart()
		acceptNetworkUp(t, d, br, sub4, rules)
		// The running container kept its network and its filter (not
		// doubled) through the restart.
		if !nicHostPing(ip) || e.get(t, name).Config["volatile.eth0.hwaddr"] != mac {
			t.Fatalf("round %d: %s unreachable at %s or its MAC changed", round, name, ip)
		}
		if got := acceptNftLines(t, port); strings.Join(got, "\n") != strings.Join(portRules, "\n") {
			t.Fatalf("round %d: filter rules of %s:\n%s\nbefore:\n%s", round, port, strings.Join(got, "\n"), strings.Join(portRules, "\n"))
		}
	}

	if table := acceptOwnTable(d); table != "" && !strings.Contains(nftRuleset(t), "table inet "+table+" {") {
		t.Fatalf("no table %s while the network runs", table)
	}
	bin := "/usr/bin/lxd"
	if d.Kind == daemontest.Ours {
		bin = daemontest.Binary(t, "lxd")
	}
	cmd := exec.Command(bin, "shutdown")
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lxd shutdown: %v: %s", err, out)
	}
	d.Stop()
	if linkExists(br) || len(dnsmasqPids(br)) > 0 || len(acceptNftLines(t, br)) > 0 {
		t.Fatalf("after lxd shutdown: link %v, dnsmasq %v, rules %v", linkExists(br), dnsmasqPids(br), acceptNftLines(t, br))
	}
	if table := acceptOwnTable(d); table != "" && strings.Contains(nftRuleset(t), table) {
		t.Fatalf("our table %s left after lxd shutdown", table)
	}
	d.Restart()
	acceptNetworkUp(t, d, br, sub4, rules)
	// The container, stopped with the host, is started again with the
	// same MAC and so the same lease.
	e.waitStatus(t, name, "Running")
	if again := nicWaitIPv4(t, e, name, "eth0"); again != ip || e.get(t, name).Config["volatile.eth0.hwaddr"] != mac {
		t.Fatalf("after lxd shutdown and start: address %s (was %s), MAC %s (was %s)", again, ip,
			e.get(t, name).Config["volatile.eth0.hwaddr"], mac)
	}
	if !nicHostPing(ip) {
		t.Fatalf("the host cannot reach %s at %s after the restart", name, ip)
	}
}

// acceptNetworkUp checks a bridge after a daemon start: its address,
// one dnsmasq, the same firewall rules and status Created.
func acceptNetworkUp(t *testing.T, d *daemontest.Daemon, br, sub4 string, rules []string) {
	t.Helper()
	daemontest.Eventually(t, 15*time.Second, "one dnsmasq for "+br, func() bool { return len(dnsmasqPids(br)) == 1 })
	if got := bridgeAddress(br); got != sub4+".1/24" {
		t.Fatalf("bridge address %q after start", got)
	}
	if got := acceptNftLines(t, br); strings.Join(got, "\n") != strings.Join(rules, "\n") {
		t.Fatalf("firewall rules of %s after start:\n%s\nbefore:\n%s", br, strings.Join(got, "\n"), strings.Join(rules, "\n"))
	}
	if st := d.MustLXC(t, "network", "list", "--format", "csv"); !strings.Contains("\n"+st, "\n"+br+",bridge,YES,"+sub4+".1/24,") || !strings.Contains(st, ",CREATED\n") {
		t.Fatalf("network list after start:\n%s", st)
	}
}

// acceptNftLines is the nftables ruleset's lines that mention name, in
// order (rule handles are not listed).
func acceptNftLines(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(nftRuleset(t), "\n") {
		if strings.Contains(l, name) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// acceptOwnTable is our daemon's own nftables table (inet family), named
// after its LXD_DIR; "" for the reference, which shares "inet lxd".
func acceptOwnTable(d *daemontest.Daemon) string {
	if d.Kind != daemontest.Ours {
		return ""
	}
	sum := sha256.Sum256([]byte(filepath.Clean(d.Dir)))
	return "lxdng_" + hex.EncodeToString(sum[:])[:8]
}

func TestNetworkAcceptTypedNICs(t *testing.T) {
	scenarioNetworkAcceptTypedNICs(t, daemontest.Start(t))
}

func TestReferenceNetworkAcceptTypedNICs(t *testing.T) {
	scenarioNetworkAcceptTypedNICs(t, daemontest.StartReference(t))
}

// scenarioNetworkAcceptTypedNICs: a NIC naming a managed macvlan network
// (network=<name>) becomes a macvlan on the network's parent, listed in
// used_by, and the network refuses deletion while the instance exists; a
// physical network takes no NICs in LXD 5.0.2 (it is an OVN uplink): the
// device is refused and nothing is stored.
func scenarioNetworkAcceptTypedNICs(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	mvParent, _ := nicVethPair(t)
	physParent, _ := nicVethPair(t)
	mvNet, physNet := daemontest.Name(t, "a5m"), daemontest.Name(t, "a5p")
	d.MustLXC(t, "network", "create", mvNet, "--type=macvlan", "parent="+mvParent)
	t.Cleanup(func() { d.LXC(t, "network", "delete", mvNet) })
	d.MustLXC(t, "network", "create", physNet, "--type=physical", "parent="+physParent)
	t.Cleanup(func() { d.LXC(t, "network", "delete", physNet) })
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	r := d.LXC(t, "config", "device", "add", name, "ph", "nic", "network="+physNet, "name=ph0")
	want := `Device validation failed for "ph": Failed loading device "ph": Unrecognised NIC network type for network "` + physNet + `"`
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, want) {
		t.Fatalf("NIC on a physical network: %+v, want %q", r, want)
	}
	if _, stored := e.get(t, name).Devices["ph"]; stored {
		t.Fatal("the refused NIC was stored")
	}
	d.MustLXC(t, "config", "device", "add", name, "mv", "nic", "network="+mvNet, "name=mv0")
	d.MustLXC(t, "start", name)
	inst := e.get(t, name)
	if mv, ok := nicInside(t, e, name)["mv0"]; !ok || mv.Hwaddr == "" || mv.Hwaddr != inst.Config["volatile.mv.hwaddr"] {
		t.Fatalf("macvlan NIC inside %v %+v, volatile hwaddr %q", ok, mv, inst.Config["volatile.mv.hwaddr"])
	}
	if out := d.MustLXC(t, "network", "show", mvNet); !strings.Contains(out, "- /1.0/instances/"+name+"\n") {
		t.Fatalf("used_by of %s lacks %s:\n%s", mvNet, name, out)
	}
	if r := d.LXC(t, "network", "delete", mvNet); r.ExitCode == 0 || !strings.Contains(r.Stderr, "The network is currently in use") {
		t.Fatalf("delete of the used %s: %+v", mvNet, r)
	}
	d.MustLXC(t, "stop", "--force", name)
}

func TestNetworkAcceptBridgeKeys(t *testing.T) {
	scenarioNetworkAcceptBridgeKeys(t, daemontest.Start(t))
}

func TestReferenceNetworkAcceptBridgeKeys(t *testing.T) {
	scenarioNetworkAcceptBridgeKeys(t, daemontest.StartReference(t))
}

// scenarioNetworkAcceptBridgeKeys: bridge.mtu reaches the bridge and the
// NICs on it, dns.domain names the instances (a renamed one under its new
// name only), and ipv4.dhcp=false takes
// DHCP off dnsmasq (which keeps serving DNS).
func scenarioNetworkAcceptBridgeKeys(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub4, _ := acceptDualNetwork(t, d, "bridge.mtu=1400", "dns.domain=a5test")
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "device", "add", name, "eth0", "nic", "network="+br, "name=eth0")
	d.MustLXC(t, "start", name)
	ip := nicWaitIPv4(t, e, name, "eth0")
	if mtu := nicHostMTU(t, br); mtu != "1400" {
		t.Fatalf("bridge MTU %s, want 1400", mtu)
	}
	if eth0 := e.state(t, name).Network["eth0"]; eth0.Mtu != 1400 {
		t.Fatalf("eth0 inside: %+v, want MTU 1400", eth0)
	}
	daemontest.Eventually(t, 15*time.Second, name+".a5test to resolve to "+ip, func() bool {
		r := d.LXC(t, "exec", name, "--", "nslookup", name+".a5test", sub4+".1")
		return r.ExitCode == 0 && strings.Contains(r.Stdout, ip)
	})
	// A renamed instance is known to DNS under its new name.
	renamed := daemontest.Name(t, "c")
	d.MustLXC(t, "stop", "--force", name)
	d.MustLXC(t, "rename", name, renamed)
	e.cleanupInstance(t, renamed)
	d.MustLXC(t, "start", renamed)
	ip = nicWaitIPv4(t, e, renamed, "eth0")
	daemontest.Eventually(t, 15*time.Second, renamed+".a5test to resolve to "+ip, func() bool {
		r := d.LXC(t, "exec", renamed, "--", "nslookup", renamed+".a5test", sub4+".1")
		return r.ExitCode == 0 && strings.Contains(r.Stdout, ip)
	})
	if r := d.LXC(t, "exec", renamed, "--", "nslookup", name+".a5test", sub4+".1"); strings.Contains(r.Stdout, ip) {
		t.Fatalf("the old name %s still resolves: %+v", name, r)
	}
	// (LXD passes "--dhcp-range X", ours "--dhcp-range=X".)
	v4range := func(args string) bool {
		return strings.Contains(strings.ReplaceAll(args, "=", " "), "--dhcp-range "+sub4+".")
	}
	if !v4range(dnsmasqArgs(t, br)) {
		t.Fatalf("no IPv4 DHCP range: %s", dnsmasqArgs(t, br))
	}
	d.MustLXC(t, "network", "set", br, "ipv4.dhcp=false")
	var args string
	daemontest.Eventually(t, 15*time.Second, "dnsmasq without an IPv4 DHCP range", func() bool {
		if pids := dnsmasqPids(br); len(pids) != 1 {
			return false
		}
		args = dnsmasqArgs(t, br)
		return !v4range(args)
	})
	if !strings.Contains(args, "--interface="+br) {
		t.Fatalf("dnsmasq args: %s", args)
	}
}

// TestNetworkAcceptTwoDaemons: two daemons on one host each keep their
// firewall in a table of their own; one deleting its network and shutting
// down leaves the other's table, rules, bridge and dnsmasq alone.
func TestNetworkAcceptTwoDaemons(t *testing.T) {
	a, b := daemontest.Start(t), daemontest.Start(t)
	brA, _, _ := acceptDualNetwork(t, a)
	brB, subB, _ := acceptDualNetwork(t, b)
	tableA, tableB := acceptOwnTable(a), acceptOwnTable(b)
	rs := nftRuleset(t)
	if tableA == tableB || !strings.Contains(rs, "table inet "+tableA+" {") || !strings.Contains(rs, "table inet "+tableB+" {") {
		t.Fatalf("tables %s and %s:\n%s", tableA, tableB, rs)
	}
	rulesB := acceptNftLines(t, brB)
	a.MustLXC(t, "network", "delete", brA)
	assertNetworkGone(t, brA)
	if rs := nftRuleset(t); strings.Contains(rs, "table inet "+tableA+" {") {
		t.Fatalf("table %s left after its last network went:\n%s", tableA, rs)
	}
	a.Stop()
	acceptNetworkUp(t, b, brB, subB, rulesB)
}

// TestNetworkAcceptUnsupportedTypes: our lxc creating sriov and ovn
// networks gets a clear refusal and nothing is left behind.
func TestNetworkAcceptUnsupportedTypes(t *testing.T) {
	d := daemontest.Start(t)
	for typ, why := range map[string]string{"sriov": "no SR-IOV support", "ovn": "no OVN support"} {
		name := daemontest.Name(t, "a5u")
		r := d.OurLXC(t, "network", "create", name, "--type="+typ, "parent=lo")
		want := `Error: Network type "` + typ + `" is not supported by this server (` + why + `)`
		if r.ExitCode == 0 || !strings.HasSuffix(strings.TrimSpace(r.Stderr), want) {
			t.Fatalf("create %s: %+v, want %q", typ, r, want)
		}
		if r := d.OurLXC(t, "network", "show", name); r.ExitCode == 0 || linkExists(name) {
			t.Fatalf("refused %s network %s left behind: %+v", typ, name, r)
		}
	}
}

func TestNetworkAcceptStaticAddress(t *testing.T) {
	scenarioNetworkAcceptStaticAddress(t, daemontest.Start(t))
}

func TestReferenceNetworkAcceptStaticAddress(t *testing.T) {
	scenarioNetworkAcceptStaticAddress(t, daemontest.StartReference(t))
}

// scenarioNetworkAcceptStaticAddress: static addresses of NICs on a
// managed bridge are checked (another NIC's MAC or address, outside the
// subnet, the gateway's, DHCP off, IPv6 without stateful DHCPv6) and a
// refused device is not stored; changing the address of a running
// instance takes effect at its next DHCP exchange and shows in /leases.
func scenarioNetworkAcceptStaticAddress(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub4, sub6 := acceptDualNetwork(t, d)
	c1, c2 := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	e.newBusybox(t, c1)
	e.newBusybox(t, c2)
	mac := "00:16:3e:a5:" + c1[1:3] + ":" + c1[3:5]
	d.MustLXC(t, "config", "device", "add", c1, "eth0", "nic", "network="+br, "name=eth0", "ipv4.address="+sub4+".50", "hwaddr="+mac)
	invalid := `Invalid devices: Device validation failed for "eth0": `
	refused := func(keys, want string) {
		t.Helper()
		args := []string{"config", "device", "add", c2, "eth0", "nic", "name=eth0"}
		if !strings.Contains(keys, "parent=") {
			args = append(args, "network="+br)
		}
		r := d.LXC(t, append(args, strings.Fields(keys)...)...)
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, want) {
			t.Fatalf("device with %s: %+v, want %q", keys, r, want)
		}
		if _, stored := e.get(t, c2).Devices["eth0"]; stored {
			t.Fatalf("the refused device with %s was stored", keys)
		}
	}
	refused("ipv4.address="+sub4+".50", `Failed add validation for device "eth0": IP address "`+sub4+`.50" already defined on another NIC`)
	refused("hwaddr="+mac, `Failed add validation for device "eth0": MAC address "`+mac+`" already defined on another NIC`)
	refused("ipv4.address=10.99.99.5", invalid+`Device IP address "10.99.99.5" not within network "`+br+`" subnet`)
	refused("ipv4.address="+sub4+".1", invalid+`IP address "`+sub4+`.1" is assigned to parent managed network device ""`)
	refused("ipv6.address="+sub6+":5", invalid+`Cannot specify "ipv6.address" when DHCP or "ipv6.dhcp.stateful" are disabled (unless using security.ipv6_filtering) on network "`+br+`"`)
	d.MustLXC(t, "network", "set", br, "ipv6.dhcp.stateful=true", "ipv4.dhcp=false")
	refused("ipv6.address=fd42:a5::5", invalid+`Device IP address "fd42:a5::5" not within network "`+br+`" subnet`)
	refused("ipv4.address="+sub4+".70", invalid+`Cannot specify "ipv4.address" when DHCP is disabled (unless using security.ipv4_filtering) on network "`+br+`"`)
	// A bridged NIC whose parent is the managed bridge gets the same rules.
	refused("nictype=bridged parent="+br+" ipv4.address="+sub4+".5",
		invalid+`Cannot specify "ipv4.address" when DHCP is disabled (unless using security.ipv4_filtering) on network "`+br+`"`)
	d.MustLXC(t, "config", "device", "add", c2, "eth0", "nic", "nictype=bridged", "parent="+br, "name=eth0", "ipv6.address="+sub6+":71")
	d.MustLXC(t, "config", "device", "remove", c2, "eth0")
	d.MustLXC(t, "config", "device", "add", c2, "eth0", "nic", "network="+br, "name=eth0", "ipv6.address="+sub6+":70")
	d.MustLXC(t, "network", "unset", br, "ipv4.dhcp")

	d.MustLXC(t, "start", c1)
	if ip := nicWaitIPv4(t, e, c1, "eth0"); ip != sub4+".50" {
		t.Fatalf("static address %s, want %s.50", ip, sub4)
	}
	d.MustLXC(t, "config", "device", "set", c1, "eth0", "ipv4.address="+sub4+".60")
	d.MustLXC(t, "restart", "--force", c1)
	daemontest.Eventually(t, 30*time.Second, c1+" to get "+sub4+".60", func() bool {
		a := nicAddrs(t, e, c1, "eth0", "inet")
		return len(a) == 1 && a[0] == sub4+".60"
	})
	nicCheckLeases(t, d, br, map[string]string{c1: sub4 + ".60"}, true)
	// The stopped c2's static IPv6 lease is listed as well.
	got := map[string]bool{}
	for _, l := range nicLeases(t, d, br) {
		got[l.Hostname+" "+l.Address+" "+l.Type+" "+l.Location] = true
	}
	for _, want := range []string{br + ".gw " + sub4 + ".1 gateway ", br + ".gw " + sub6 + ":1 gateway ",
		c2 + " " + sub6 + ":70 static none", c1 + " " + sub4 + ".60 static none"} {
		if !got[want] || len(got) != 4 {
			t.Fatalf("leases %v lack %q", got, want)
		}
	}
}

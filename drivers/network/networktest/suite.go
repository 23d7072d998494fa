package networktest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/internal/nft"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
)

// NewDriver builds the driver under test (a new one simulates a daemon restart).
type NewDriver func(t *testing.T) network.Driver

// NewNetwork returns a fresh network that has not been started: unique
// Name, its own StateDir and FirewallTable (see Table, StateDir), and for a
// bridge an ipv4.address in 10.201.0.0/16 (see Subnet) with NAT off. Each
// call must return a network distinct from earlier ones.
type NewNetwork func(t *testing.T) network.Network

// Run is the conformance suite every network driver passes. The parts that
// need DHCP/DNS/an address run only for drivers of type "bridge"; the others
// (validation, idempotent start, state, stop/delete) run for all types.
// Every subtest cleans up what it made, also on failure.
func Run(t *testing.T, newDriver NewDriver, newNetwork NewNetwork) {
	RequireTools(t, "ip", "nft", "dnsmasq", "busybox", "tc")
	t.Run("ValidateRejectsUnknownKey", func(t *testing.T) { testUnknownKey(t, newDriver(t), newNetwork(t)) })
	t.Run("StartIsIdempotent", func(t *testing.T) { testIdempotent(t, newDriver(t), newNetwork(t)) })
	t.Run("StopAndDeleteCleanUp", func(t *testing.T) { testDelete(t, newDriver(t), newNetwork(t)) })
	if newDriver(t).Type() != network.TypeBridge {
		return
	}
	t.Run("DHCPLeaseAndDNS", func(t *testing.T) { testDHCP(t, newDriver(t), newNetwork(t)) })
	t.Run("StaticLease", func(t *testing.T) { testStaticLease(t, newDriver(t), newNetwork(t)) })
	t.Run("DnsmasqRestartedAfterCrash", func(t *testing.T) { testDnsmasqCrash(t, newDriver(t), newNetwork(t)) })
	t.Run("RestoreAdoptsDnsmasq", func(t *testing.T) { testRestore(t, newDriver, newNetwork(t)) })
	t.Run("StateCountersMove", func(t *testing.T) { testCounters(t, newDriver(t), newNetwork(t)) })
	t.Run("UpdateAddressAndMTU", func(t *testing.T) { testUpdate(t, newDriver(t), newNetwork(t)) })
}

// start starts n and registers a Delete at cleanup.
func start(t *testing.T, d network.Driver, n network.Network) {
	t.Helper()
	ctx := context.Background()
	if err := d.Validate(ctx, n); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Delete(context.Background(), n); err != nil {
			t.Errorf("Delete at cleanup: %v", err)
		}
	})
	if err := d.Start(ctx, n); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func testUnknownKey(t *testing.T, d network.Driver, n network.Network) {
	n.Config = copyConfig(n.Config)
	n.Config["no.such.key"] = "1"
	err := d.Validate(context.Background(), n)
	if err == nil || api.StatusOf(err) != 400 {
		t.Fatalf("Validate with an unknown key: got %v, want a 400", err)
	}
	if _, ok := d.Keys().Lookup("user.anything"); !ok {
		t.Fatalf("user.* keys must be accepted")
	}
}

func testIdempotent(t *testing.T, d network.Driver, n network.Network) {
	start(t, d, n)
	ctx := context.Background()
	st1, err := d.State(ctx, n)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	pid1 := dnsmasqPid(n)
	if err := d.Start(ctx, n); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	st2, err := d.State(ctx, n)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	if st1.Hwaddr != st2.Hwaddr || st1.Mtu != st2.Mtu || len(st1.Addresses) != len(st2.Addresses) {
		t.Fatalf("second Start changed the interface: %+v -> %+v", st1, st2)
	}
	if pid2 := dnsmasqPid(n); pid1 != pid2 {
		t.Fatalf("second Start restarted dnsmasq: pid %d -> %d", pid1, pid2)
	}
	if d.Type() != network.TypeBridge {
		return
	}
	if st2.State != "up" || st2.Bridge == nil || st2.Type != "broadcast" {
		t.Fatalf("bridge state: %+v", st2)
	}
	if !hasAddress(st2, GatewayIP(n.Config["ipv4.address"])) {
		t.Fatalf("bridge lacks %s: %+v", n.Config["ipv4.address"], st2.Addresses)
	}
	if pid1 == 0 || !ProcessAlive(pid1) {
		t.Fatalf("dnsmasq not running (pid %d)", pid1)
	}
	assertBindsOnlyBridge(t, n, pid1)
	// ipv4.firewall defaults to true: the network has its chains in the
	// daemon's table, and nothing else was created there.
	chains, err := nft.Chains(ctx, nft.FamilyInet, n.FirewallTable)
	if err != nil || len(chains) == 0 {
		t.Fatalf("no firewall chains in inet %s: %v %v", n.FirewallTable, chains, err)
	}
	for _, c := range chains {
		if !strings.Contains(c, n.Name) {
			t.Fatalf("unexpected chain %q in inet %s", c, n.FirewallTable)
		}
	}
}

func testDelete(t *testing.T, d network.Driver, n network.Network) {
	start(t, d, n)
	ctx := context.Background()
	pid := dnsmasqPid(n)
	if err := d.Stop(ctx, n); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := d.Start(ctx, n); err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	if d.Type() == network.TypeBridge {
		if pid != 0 && ProcessAlive(pid) {
			t.Fatalf("dnsmasq %d survived Stop", pid)
		}
		pid = dnsmasqPid(n)
	}
	if err := d.Delete(ctx, n); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if d.Type() != network.TypeBridge {
		return
	}
	if iproute.LinkExists(n.Name) {
		t.Fatalf("bridge %s still exists after Delete", n.Name)
	}
	if pid == 0 {
		t.Fatalf("no dnsmasq was running before Delete")
	}
	Eventually(t, 5*time.Second, "dnsmasq to exit", func() (bool, string) { return !ProcessAlive(pid), "still alive" })
	chains, err := nft.Chains(ctx, nft.FamilyInet, n.FirewallTable)
	if err != nil || len(chains) != 0 {
		t.Fatalf("nft chains left after Delete: %v %v", chains, err)
	}
	if _, err := os.Stat(n.StateDir); !os.IsNotExist(err) {
		t.Fatalf("state directory left after Delete: %v", err)
	}
}

// dnsmasqPid reads the pid file a bridge's dnsmasq writes (0 when none).
func dnsmasqPid(n network.Network) int {
	b, err := os.ReadFile(filepath.Join(n.StateDir, "dnsmasq.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func hasAddress(st api.NetworkState, addr string) bool {
	for _, a := range st.Addresses {
		if a.Address == addr {
			return true
		}
	}
	return false
}

func copyConfig(c map[string]string) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// connect plugs a new namespace into the bridge with the given MAC.
func connect(t *testing.T, n network.Network, mac string) *Netns {
	t.Helper()
	ns := NewNetns(t)
	host := ns.AddVeth("eth0", mac)
	MustRun(t, "ip", "link", "set", "dev", host, "master", n.Name)
	MustRun(t, "ip", "link", "set", "dev", host, "up")
	return ns
}

func testDHCP(t *testing.T, d network.Driver, n network.Network) {
	mac := "00:16:3e:aa:00:01"
	n.StaticLeases = []network.StaticLease{{Hostname: "inst1", MAC: mac}}
	start(t, d, n)
	ns := connect(t, n, mac)
	ip := ns.DHCP("eth0")
	_, subnet, _ := net.ParseCIDR(n.Config["ipv4.address"])
	if !subnet.Contains(net.ParseIP(ip)) {
		t.Fatalf("lease %s outside %s", ip, subnet)
	}
	leases, err := d.Leases(context.Background(), n)
	if err != nil {
		t.Fatalf("Leases: %v", err)
	}
	if !hasLease(leases, api.NetworkLease{Hostname: n.Name + ".gw", Address: GatewayIP(n.Config["ipv4.address"]), Type: "gateway"}) {
		t.Fatalf("no gateway lease in %+v", leases)
	}
	if !hasLease(leases, api.NetworkLease{Hostname: "inst1", Hwaddr: mac, Address: ip, Type: "dynamic", Location: n.Member}) {
		t.Fatalf("dynamic lease for %s/%s missing from %+v", mac, ip, leases)
	}
	// The instance's name resolves through the bridge's dnsmasq.
	domain := n.Config["dns.domain"]
	if domain == "" {
		domain = "lxd"
	}
	Eventually(t, 5*time.Second, "inst1."+domain+" to resolve", func() (bool, string) {
		out, err := ns.TryExec(context.Background(), "busybox", "nslookup", "inst1."+domain, GatewayIP(n.Config["ipv4.address"]))
		return err == nil && strings.Contains(out, ip), out
	})
}

func hasLease(leases []api.NetworkLease, want api.NetworkLease) bool {
	for _, l := range leases {
		if l == want {
			return true
		}
	}
	return false
}

func testStaticLease(t *testing.T, d network.Driver, n network.Network) {
	_, subnet, _ := net.ParseCIDR(n.Config["ipv4.address"])
	fixed := network.NthAddress(subnet, 77).String()
	mac := "00:16:3e:aa:00:02"
	start(t, d, n)
	// Added after start: the hosts file is rewritten and dnsmasq reloaded.
	n.StaticLeases = []network.StaticLease{{Hostname: "inst2", MAC: mac, IPv4: fixed}}
	lu, ok := d.(network.LeaseUpdater)
	if !ok {
		t.Fatalf("bridge driver must implement network.LeaseUpdater")
	}
	if err := lu.UpdateStaticLeases(context.Background(), n); err != nil {
		t.Fatalf("UpdateStaticLeases: %v", err)
	}
	ns := connect(t, n, mac)
	if ip := ns.DHCP("eth0"); ip != fixed {
		t.Fatalf("static lease not honoured: got %s, want %s", ip, fixed)
	}
	leases, err := d.Leases(context.Background(), n)
	if err != nil {
		t.Fatalf("Leases: %v", err)
	}
	if !hasLease(leases, api.NetworkLease{Hostname: "inst2", Hwaddr: mac, Address: fixed, Type: "static", Location: n.Member}) {
		t.Fatalf("static lease missing from %+v", leases)
	}
	for _, l := range leases {
		if l.Type == "dynamic" && l.Address == fixed {
			t.Fatalf("static address listed twice: %+v", leases)
		}
	}
}

func testDnsmasqCrash(t *testing.T, d network.Driver, n network.Network) {
	start(t, d, n)
	pid := dnsmasqPid(n)
	if pid == 0 {
		t.Fatalf("no dnsmasq pid")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill dnsmasq: %v", err)
	}
	Eventually(t, 15*time.Second, "dnsmasq to be restarted", func() (bool, string) {
		p := dnsmasqPid(n)
		return p != 0 && p != pid && ProcessAlive(p), "pid " + strconv.Itoa(p)
	})
	ns := connect(t, n, "00:16:3e:aa:00:03")
	ns.DHCP("eth0")
}

func testRestore(t *testing.T, newDriver NewDriver, n network.Network) {
	d1 := newDriver(t)
	start(t, d1, n)
	pid := dnsmasqPid(n)
	s, ok := d1.(interface{ Shutdown() })
	if !ok {
		t.Fatalf("bridge driver must offer Shutdown (detach from dnsmasq for a daemon restart)")
	}
	s.Shutdown()
	if !ProcessAlive(pid) || !iproute.LinkExists(n.Name) {
		t.Fatalf("Shutdown must leave the bridge and dnsmasq running")
	}
	d2 := newDriver(t) // the restarted daemon
	t.Cleanup(func() { _ = d2.Delete(context.Background(), n) })
	if err := d2.Start(context.Background(), n); err != nil {
		t.Fatalf("Start after restart: %v", err)
	}
	if p := dnsmasqPid(n); p != pid {
		t.Fatalf("restart did not adopt dnsmasq: pid %d -> %d", pid, p)
	}
	// The adopted dnsmasq is supervised again: kill it, it comes back.
	_ = syscall.Kill(pid, syscall.SIGKILL)
	Eventually(t, 15*time.Second, "adopted dnsmasq to be restarted", func() (bool, string) {
		p := dnsmasqPid(n)
		return p != 0 && p != pid && ProcessAlive(p), "pid " + strconv.Itoa(p)
	})
	if err := d2.Delete(context.Background(), n); err != nil {
		t.Fatalf("Delete: %v", err)
	}
}

func testCounters(t *testing.T, d network.Driver, n network.Network) {
	start(t, d, n)
	ns := connect(t, n, "00:16:3e:aa:00:04")
	_, subnet, _ := net.ParseCIDR(n.Config["ipv4.address"])
	ones, _ := subnet.Mask.Size()
	ns.Exec("ip", "addr", "add", network.NthAddress(subnet, 50).String()+"/"+strconv.Itoa(ones), "dev", "eth0")
	before, err := d.State(context.Background(), n)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	if !ns.Ping(GatewayIP(n.Config["ipv4.address"]), 3) {
		t.Fatalf("ping from namespace to bridge failed")
	}
	after, err := d.State(context.Background(), n)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	if after.Counters.PacketsReceived < before.Counters.PacketsReceived+3 || after.Counters.PacketsSent < before.Counters.PacketsSent+3 {
		t.Fatalf("counters did not move: %+v -> %+v", before.Counters, after.Counters)
	}
	if len(after.Bridge.UpperDevices) != 1 {
		t.Fatalf("bridge ports: %+v", after.Bridge.UpperDevices)
	}
}

func testUpdate(t *testing.T, d network.Driver, n network.Network) {
	start(t, d, n)
	ctx := context.Background()
	newAddr, _ := Subnet(t)
	upd := n
	upd.Config = copyConfig(n.Config)
	upd.Config["ipv4.address"] = newAddr
	upd.Config["bridge.mtu"] = "1400"
	if err := d.Validate(ctx, upd); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if err := d.Update(ctx, n, upd); err != nil {
		t.Fatalf("Update: %v", err)
	}
	st, err := d.State(ctx, upd)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	if st.Mtu != 1400 || !hasAddress(st, GatewayIP(newAddr)) || hasAddress(st, GatewayIP(n.Config["ipv4.address"])) {
		t.Fatalf("Update not applied: mtu %d, addresses %+v", st.Mtu, st.Addresses)
	}
	// dnsmasq serves the new subnet.
	ns := connect(t, upd, "00:16:3e:aa:00:05")
	_, subnet, _ := net.ParseCIDR(newAddr)
	if ip := ns.DHCP("eth0"); !subnet.Contains(net.ParseIP(ip)) {
		t.Fatalf("lease %s after Update is outside %s", ip, subnet)
	}
}

// assertBindsOnlyBridge checks every socket dnsmasq listens on is bound to
// the bridge's address or to the bridge device (DHCP's 0.0.0.0%<bridge>:67).
func assertBindsOnlyBridge(t *testing.T, n network.Network, pid int) {
	t.Helper()
	out := MustRun(t, "ss", "-H", "-l", "-n", "-p", "-t", "-u")
	gw := GatewayIP(n.Config["ipv4.address"])
	seen := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "pid="+strconv.Itoa(pid)+",") {
			continue
		}
		seen++
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		local := f[4]
		if !strings.HasPrefix(local, gw+":") && !strings.Contains(local, "%"+n.Name+":") && !strings.HasPrefix(local, "["+gw) {
			t.Fatalf("dnsmasq listens outside the bridge: %s", line)
		}
	}
	if seen == 0 {
		t.Fatalf("dnsmasq (pid %d) has no listening sockets:\n%s", pid, out)
	}
}

//go:build integration

package bridge_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/internal/nft"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/bridge"
	"github.com/lxdng/lxd/drivers/network/networktest"
	"github.com/lxdng/lxd/drivers/network/nic"
	"github.com/lxdng/lxd/shared/api"
)

// started starts n with a fresh driver and deletes it at cleanup.
func started(t *testing.T, n network.Network) *bridge.Driver {
	t.Helper()
	d := bridge.New(bridge.Options{})
	t.Cleanup(func() {
		if err := d.Delete(context.Background(), n); err != nil {
			t.Errorf("Delete: %v", err)
		}
	})
	if err := d.Validate(context.Background(), n); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if err := d.Start(context.Background(), n); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return d
}

func link(t *testing.T, name string) iproute.Link {
	t.Helper()
	l, err := iproute.GetLink(context.Background(), name)
	if err != nil {
		t.Fatalf("link %s: %v", name, err)
	}
	return l
}

func TestTunnelAndExternalInterface(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "dnsmasq")
	ctx := context.Background()
	n := newBridgeNetwork(t)
	n.Name = networktest.ShortName("t", 11)
	ext, _ := networktest.Veth(t)
	n.Config["bridge.external_interfaces"] = ext
	n.Config["tunnel.t1.protocol"] = "vxlan"
	n.Config["tunnel.t1.id"] = "42"
	n.Config["tunnel.t1.local"] = "127.0.0.1"
	n.Config["tunnel.t1.remote"] = "127.0.0.2"
	n.Config["tunnel.t1.port"] = "4789"
	d := started(t, n)
	tun := link(t, n.Name+"-t1")
	if tun.Kind() != "vxlan" || tun.Master != n.Name || tun.VXLANParams().ID != 42 {
		t.Fatalf("tunnel: %+v", tun)
	}
	if l := link(t, ext); l.Master != n.Name {
		t.Fatalf("external interface not attached: %+v", l)
	}
	if err := d.Start(ctx, n); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if again := link(t, n.Name+"-t1"); again.Index != tun.Index {
		t.Fatalf("second Start recreated the tunnel")
	}
	upd := n
	upd.Config = map[string]string{}
	for k, v := range n.Config {
		if !strings.HasPrefix(k, "tunnel.") && k != "bridge.external_interfaces" {
			upd.Config[k] = v
		}
	}
	if err := d.Update(ctx, n, upd); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if iproute.LinkExists(n.Name + "-t1") {
		t.Fatalf("tunnel left after removing its keys")
	}
	if l := link(t, ext); l.Master != "" {
		t.Fatalf("external interface still attached: %+v", l)
	}
}

func TestIPv6AndRoutes(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "dnsmasq")
	ctx := context.Background()
	n := newBridgeNetwork(t)
	_, x := networktest.Subnet(t)
	_, y := networktest.Subnet(t)
	v6 := fmt.Sprintf("fd42:201:%x::1/64", x)
	n.Config["ipv6.address"] = v6
	n.Config["ipv6.routing"] = "false"
	n.Config["ipv4.routes"] = fmt.Sprintf("10.201.%d.0/24", y)
	d := started(t, n)
	st, err := d.State(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range st.Addresses {
		found = found || (a.Family == "inet6" && a.Address == networktest.GatewayIP(v6) && a.Netmask == "64" && a.Scope == "global")
	}
	if !found {
		t.Fatalf("IPv6 address missing: %+v", st.Addresses)
	}
	routes, _ := iproute.Routes(ctx, "inet", n.Name)
	if !hasRoute(routes, fmt.Sprintf("10.201.%d.0/24", y)) {
		t.Fatalf("ipv4.routes not applied: %+v", routes)
	}
	leases, _ := d.Leases(ctx, n)
	if len(leases) != 2 || leases[1].Address != networktest.GatewayIP(v6) {
		t.Fatalf("gateway leases: %+v", leases)
	}
	// dnsmasq's router advertisements give a namespace a SLAAC address.
	ns := networktest.NewNetns(t)
	host := ns.AddVeth("eth0", "00:16:3e:aa:06:01")
	networktest.MustRun(t, "ip", "link", "set", "dev", host, "master", n.Name, "up")
	prefix := fmt.Sprintf("fd42:201:%x:", x)
	networktest.Eventually(t, 20*time.Second, "a SLAAC address from the bridge's RA", func() (bool, string) {
		out, _ := ns.TryExec(ctx, "ip", "-6", "addr", "show", "dev", "eth0", "scope", "global")
		return strings.Contains(out, prefix), out
	})
	upd := n
	upd.Config = map[string]string{}
	for k, v := range n.Config {
		upd.Config[k] = v
	}
	delete(upd.Config, "ipv4.routes")
	upd.Config["ipv6.address"] = "none"
	if err := d.Update(ctx, n, upd); err != nil {
		t.Fatalf("Update: %v", err)
	}
	routes, _ = iproute.Routes(ctx, "inet", n.Name)
	if hasRoute(routes, fmt.Sprintf("10.201.%d.0/24", y)) {
		t.Fatalf("route left after removing ipv4.routes")
	}
	st, _ = d.State(ctx, upd)
	for _, a := range st.Addresses {
		if a.Family == "inet6" && a.Scope == "global" {
			t.Fatalf("IPv6 address left after ipv6.address=none: %+v", a)
		}
	}
}

func hasRoute(routes []iproute.Route, dst string) bool {
	for _, r := range routes {
		if r.Dst == dst {
			return true
		}
	}
	return false
}

func TestValidateOverlaps(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "dnsmasq")
	ctx := context.Background()
	a := newBridgeNetwork(t)
	started(t, a)
	b := newBridgeNetwork(t)
	_, subA, _ := net.ParseCIDR(a.Config["ipv4.address"])
	b.Config["ipv4.address"] = network.NthAddress(subA, 9).String() + "/24"
	d := bridge.New(bridge.Options{})
	// Overlap with a host route (a's bridge is up with that subnet).
	if err := d.Validate(ctx, b); err == nil || api.StatusOf(err) != 400 || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("host route overlap: %v", err)
	}
	// Overlap with another network's config (not started, so no host route).
	c := newBridgeNetwork(t)
	c.Others = []network.Network{b}
	c.Config["ipv4.routes"] = subA.String()
	b.Config["ipv4.address"] = c.Config["ipv4.address"]
	if err := d.Validate(ctx, c); err == nil || !strings.Contains(err.Error(), "overlaps with network") {
		t.Fatalf("network overlap: %v", err)
	}
}

func TestFillDefaultsPicksFreeSubnets(t *testing.T) {
	networktest.RequireTools(t, "ip")
	d := bridge.New(bridge.Options{})
	n := network.Network{Name: "lxntfill", Config: map[string]string{}}
	if err := d.FillDefaults(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	ip4, sub4, err := net.ParseCIDR(n.Config["ipv4.address"])
	if err != nil || ip4.To4()[0] != 10 || ip4.To4()[3] != 1 || sub4.Mask.String() != "ffffff00" || n.Config["ipv4.nat"] != "true" {
		t.Fatalf("ipv4: %v", n.Config)
	}
	if v6 := n.Config["ipv6.address"]; v6 != "none" && (!strings.HasPrefix(v6, "fd42:") || !strings.HasSuffix(v6, "::1/64") || n.Config["ipv6.nat"] != "true") {
		t.Fatalf("ipv6: %v", n.Config)
	}
	// Explicit values are kept.
	m := network.Network{Name: "lxntfill", Config: map[string]string{"ipv4.address": "none", "ipv6.address": "none"}}
	_ = d.FillDefaults(context.Background(), &m)
	if m.Config["ipv4.address"] != "none" || m.Config["ipv4.nat"] != "" {
		t.Fatalf("explicit config changed: %v", m.Config)
	}
}

func TestOtherTablesUntouched(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "dnsmasq")
	ctx := context.Background()
	other := networktest.Table(t)
	networktest.MustRun(t, "nft", "add", "table", "inet", other)
	networktest.MustRun(t, "nft", "add", "chain", "inet", other, "keep")
	t.Cleanup(func() { _, _ = iproute.Run(ctx, "nft", "delete", "table", "inet", other) })
	lxdBefore, _ := nft.ListTable(ctx, "inet", "lxd")
	n := newBridgeNetwork(t)
	d := started(t, n)
	if err := d.Delete(ctx, n); err != nil {
		t.Fatal(err)
	}
	chains, _ := nft.Chains(ctx, "inet", other)
	if len(chains) != 1 || chains[0] != "keep" {
		t.Fatalf("other table changed: %v", chains)
	}
	if lxdAfter, _ := nft.ListTable(ctx, "inet", "lxd"); lxdAfter != lxdBefore {
		t.Fatalf("table inet lxd changed")
	}
}

func TestUnsupportedFeaturesFailClearly(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "dnsmasq")
	ctx := context.Background()
	d := bridge.New(bridge.Options{})
	n := newBridgeNetwork(t)
	n.Name = networktest.ShortName("u", 11)
	n.Config["tunnel.g.protocol"] = "gre"
	n.Config["tunnel.g.local"] = "127.0.0.1"
	n.Config["tunnel.g.remote"] = "127.0.0.2"
	t.Cleanup(func() { _ = d.Delete(ctx, n) })
	if err := d.Start(ctx, n); err == nil || !strings.Contains(err.Error(), "not supported by this kernel") {
		t.Fatalf("gre tunnel: %v", err)
	}
	n.Config = map[string]string{"bridge.driver": "openvswitch"}
	if err := d.Validate(ctx, n); err == nil || api.StatusOf(err) != 400 {
		t.Fatalf("openvswitch: %v", err)
	}
}

// TestFilteredNICGetsStaticLease joins the pieces the daemon joins: a
// managed bridge, a bridged NIC with MAC/IPv4 filtering and a pinned
// ipv4.address, and the static lease the daemon hands the bridge for it.
// DHCP has to pass the filter and hand out exactly the pinned address.
func TestFilteredNICGetsStaticLease(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "dnsmasq", "busybox")
	ctx := context.Background()
	n := newBridgeNetwork(t)
	_, subnet, _ := net.ParseCIDR(n.Config["ipv4.address"])
	pinned := network.NthAddress(subnet, 42).String()
	d := started(t, n)
	o := nic.Opts{
		Config: map[string]string{"nictype": "bridged", "parent": n.Name, "name": "eth0", "ipv4.address": pinned,
			"security.mac_filtering": "true", "security.ipv4_filtering": "true"},
		FirewallTable: n.FirewallTable,
	}
	res, err := nic.Create(ctx, o)
	if err != nil {
		t.Fatalf("nic.Create: %v", err)
	}
	t.Cleanup(func() {
		o.Volatile = res.Volatile
		if err := nic.Remove(context.Background(), o); err != nil {
			t.Errorf("nic.Remove: %v", err)
		}
	})
	n.StaticLeases = []network.StaticLease{{Hostname: "c1", MAC: res.Hwaddr, IPv4: pinned}}
	if err := d.UpdateStaticLeases(ctx, n); err != nil {
		t.Fatalf("UpdateStaticLeases: %v", err)
	}
	ns := networktest.NewNetns(t)
	ns.MoveIn(res.Device, "eth0", "")
	if ip := ns.DHCP("eth0"); ip != pinned {
		t.Fatalf("got %s through the filter, want the pinned %s", ip, pinned)
	}
	if !ns.Ping(networktest.GatewayIP(n.Config["ipv4.address"]), 2) {
		t.Fatalf("filtered NIC cannot reach its gateway with its own address")
	}
	st, _ := d.State(ctx, n)
	if len(st.Bridge.UpperDevices) != 1 || st.Bridge.UpperDevices[0] != res.HostName {
		t.Fatalf("bridge ports %v, want [%s]", st.Bridge.UpperDevices, res.HostName)
	}
}

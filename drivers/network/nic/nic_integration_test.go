//go:build integration

package nic_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/internal/nft"
	"github.com/lxdng/lxd/drivers/network/networktest"
	"github.com/lxdng/lxd/drivers/network/nic"
)

// testBridge creates a plain bridge with 10.201.X.1/24 and returns its name
// and X.
func testBridge(t *testing.T) (string, string, int) {
	t.Helper()
	networktest.RequireTools(t, "ip", "nft", "tc", "busybox")
	br := networktest.Name("n")
	addr, x := networktest.Subnet(t)
	networktest.MustRun(t, "ip", "link", "add", "dev", br, "type", "bridge")
	t.Cleanup(func() { _ = iproute.DeleteLink(context.Background(), br) })
	networktest.MustRun(t, "ip", "addr", "add", addr, "dev", br)
	networktest.MustRun(t, "ip", "link", "set", "dev", br, "up")
	return br, networktest.GatewayIP(addr), x
}

// create runs nic.Create and registers nic.Remove at cleanup.
func create(t *testing.T, o nic.Opts) nic.Result {
	t.Helper()
	res, err := nic.Create(context.Background(), o)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() {
		o.Volatile = res.Volatile
		if err := nic.Remove(context.Background(), o); err != nil {
			t.Errorf("Remove: %v", err)
		}
	})
	return res
}

func addr(x, host int) string { return fmt.Sprintf("10.201.%d.%d", x, host) }

func TestBridgedIPv4FilteringDropsSpoofedSource(t *testing.T) {
	br, gw, x := testBridge(t)
	table := networktest.Table(t)
	mine := addr(x, 10)
	res := create(t, nic.Opts{
		Config: map[string]string{"nictype": "bridged", "parent": br, "name": "eth0",
			"ipv4.address": mine, "security.ipv4_filtering": "true"},
		FirewallTable: table,
	})
	if l, err := iproute.GetLink(context.Background(), res.HostName); err != nil || l.Master != br {
		t.Fatalf("host end %q not on bridge %q: %+v %v", res.HostName, br, l, err)
	}
	ns := networktest.NewNetns(t)
	ns.MoveIn(res.Device, "eth0", "")
	ns.Exec("ip", "addr", "add", mine+"/24", "dev", "eth0")
	if !ns.Ping(gw, 2) {
		t.Fatalf("ping with the NIC's own address failed")
	}
	ns.Exec("ip", "addr", "flush", "dev", "eth0")
	ns.Exec("ip", "addr", "add", addr(x, 11)+"/24", "dev", "eth0")
	if ns.Ping(gw, 2) {
		t.Fatalf("ping from a spoofed source address got through")
	}
	// Back to its own address but a spoofed MAC: dropped too.
	ns.Exec("ip", "addr", "flush", "dev", "eth0")
	ns.Exec("ip", "addr", "add", mine+"/24", "dev", "eth0")
	ns.Exec("ip", "link", "set", "dev", "eth0", "address", "00:16:3e:de:ad:01")
	if ns.Ping(gw, 2) {
		t.Fatalf("ping from a spoofed MAC got through")
	}
	// Control: an unfiltered NIC on the same bridge can use any address.
	free := create(t, nic.Opts{Config: map[string]string{"nictype": "bridged", "parent": br, "name": "eth0"}, FirewallTable: table})
	ns2 := networktest.NewNetns(t)
	ns2.MoveIn(free.Device, "eth0", "")
	ns2.Exec("ip", "addr", "add", addr(x, 12)+"/24", "dev", "eth0")
	if !ns2.Ping(gw, 2) {
		t.Fatalf("unfiltered NIC could not ping the bridge")
	}
	rules, _ := nft.ListTable(context.Background(), nft.FamilyBridge, table)
	if !strings.Contains(rules, res.HostName) || strings.Contains(rules, free.HostName) {
		t.Fatalf("filter chain for %s missing:\n%s", res.HostName, rules)
	}
}

func TestRoutedReachableFromHost(t *testing.T) {
	parent, _, x := testBridge(t)
	inst := addr(x, 5)
	res := create(t, nic.Opts{Config: map[string]string{"nictype": "routed", "name": "eth0", "ipv4.address": inst, "parent": parent}})
	want := map[string]bool{"lxc.net.0.ipv4.address=" + inst + "/32": false, "lxc.net.0.ipv4.gateway=169.254.0.1": false, "lxc.net.0.type=phys": false}
	for _, kv := range res.LXCConfig(0) {
		if _, ok := want[kv[0]+"="+kv[1]]; ok {
			want[kv[0]+"="+kv[1]] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Fatalf("LXCConfig lacks %s: %v", k, res.LXCConfig(0))
		}
	}
	// Configure the namespace the way liblxc would from LXCConfig.
	ns := networktest.NewNetns(t)
	ns.MoveIn(res.Device, "eth0", "")
	ns.Exec("ip", "addr", "add", inst+"/32", "dev", "eth0")
	ns.Exec("ip", "route", "add", "169.254.0.1", "dev", "eth0")
	ns.Exec("ip", "route", "add", "default", "via", "169.254.0.1")
	if !networktest.HostPing(inst, 2) {
		t.Fatalf("routed instance address %s not reachable from the host", inst)
	}
	out := networktest.MustRun(t, "ip", "neigh", "show", "proxy", "dev", parent)
	if !strings.Contains(out, inst) {
		t.Fatalf("no proxy ARP entry for %s on %s: %q", inst, parent, out)
	}
}

func TestLimitsInstalledAndRemoved(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "tc")
	table := networktest.Table(t)
	o := nic.Opts{
		Config:        map[string]string{"nictype": "p2p", "name": "eth0", "limits.ingress": "10Mbit", "limits.egress": "5Mbit"},
		FirewallTable: table,
	}
	res, err := nic.Create(context.Background(), o)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	o.Volatile = res.Volatile
	t.Cleanup(func() { _ = nic.Remove(context.Background(), o) })
	if q, _ := iproute.RootQdisc(context.Background(), res.HostName); q != "htb" {
		t.Fatalf("root qdisc of %s is %q, want htb", res.HostName, q)
	}
	class := networktest.MustRun(t, "tc", "class", "show", "dev", res.HostName)
	if !strings.Contains(class, "rate 10Mbit") {
		t.Fatalf("htb class: %q", class)
	}
	rules, _ := nft.ListTable(context.Background(), nft.FamilyNetdev, table)
	if !strings.Contains(rules, "limit rate over 625000 bytes/second") || !strings.Contains(rules, res.HostName) {
		t.Fatalf("egress limit missing:\n%s", rules)
	}
	if err := nic.Remove(context.Background(), o); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if iproute.LinkExists(res.HostName) {
		t.Fatalf("veth %s left after Remove", res.HostName)
	}
	if ok, _ := nft.TableExists(context.Background(), nft.FamilyNetdev, table); ok {
		t.Fatalf("netdev table left after Remove")
	}
}

func TestMacvlanAndPhysical(t *testing.T) {
	br, _, _ := testBridge(t)
	res := create(t, nic.Opts{Config: map[string]string{"nictype": "macvlan", "parent": br, "name": "eth0", "mtu": "1400"}})
	l, err := iproute.GetLink(context.Background(), res.Device)
	if err != nil || l.Kind() != "macvlan" || l.MTU != 1400 || l.Address != res.Hwaddr {
		t.Fatalf("macvlan: %+v %v", l, err)
	}
	if _, err := nic.Create(context.Background(), nic.Opts{Config: map[string]string{"nictype": "macvlan", "parent": br, "vlan": "10"}}); err == nil || !strings.Contains(err.Error(), "not supported by this kernel") {
		t.Fatalf("vlan must be refused clearly, got %v", err)
	}
	// physical: a veth end stands in for a NIC; it goes into a namespace and back.
	ns := networktest.NewNetns(t)
	hostEnd := ns.AddVeth("peer0", "")
	o := nic.Opts{Config: map[string]string{"nictype": "physical", "parent": hostEnd, "name": "eth1", "mtu": "1300"}}
	before, _ := iproute.GetLink(context.Background(), hostEnd)
	pres, err := nic.Create(context.Background(), o)
	if err != nil || pres.Device != hostEnd || pres.MTU != 1300 {
		t.Fatalf("physical: %+v %v", pres, err)
	}
	networktest.MustRun(t, "ip", "link", "set", "dev", hostEnd, "mtu", "1300")
	o.Volatile = pres.Volatile
	if err := nic.Remove(context.Background(), o); err != nil {
		t.Fatalf("RestorePhysical: %v", err)
	}
	if after, _ := iproute.GetLink(context.Background(), hostEnd); after.MTU != before.MTU {
		t.Fatalf("MTU not restored: %d -> %d", before.MTU, after.MTU)
	}
	if _, err := nic.Create(context.Background(), nic.Opts{Config: map[string]string{"nictype": "ipvlan", "parent": br}}); err == nil || !strings.Contains(err.Error(), "not supported by this kernel") {
		t.Fatalf("ipvlan must be refused clearly, got %v", err)
	}
}

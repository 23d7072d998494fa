//go:build integration

package api_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/drivers/network/networktest"
	"github.com/lxdng/lxd/shared/api"
)

// The keys behind the network API extensions, each observed on the host.

// TestNetworkFirewallFiltering: ipv4.firewall adds the bridge's accept
// rules for DHCP/DNS to the daemon's own table, and removes them when off.
func TestNetworkFirewallFiltering(t *testing.T) {
	d := daemontest.Start(t)
	name, _ := createTestNetwork(t, d)
	if rs := nftRuleset(t); !strings.Contains(rs, "chain in."+name) || !strings.Contains(rs, `iifname "`+name+`" meta nfproto ipv4 udp dport { 53, 67 } accept`) {
		t.Fatalf("firewall rules missing:\n%s", rs)
	}
	d.MustLXC(t, "network", "set", name, "ipv4.firewall=false")
	if rs := nftRuleset(t); strings.Contains(rs, "in."+name) {
		t.Fatalf("firewall rules left with ipv4.firewall=false:\n%s", rs)
	}
}

// TestNetworkRoutes: ipv4.routes are routed to the bridge.
func TestNetworkRoutes(t *testing.T) {
	d := daemontest.Start(t)
	extra := netSubnet(t) + ".0/24"
	name, _ := createTestNetwork(t, d, "ipv4.routes="+extra)
	out, _ := exec.Command("ip", "-4", "route", "show", "dev", name).Output()
	if !strings.Contains(string(out), extra) {
		t.Fatalf("route %s missing on %s:\n%s", extra, name, out)
	}
	d.MustLXC(t, "network", "unset", name, "ipv4.routes")
	out, _ = exec.Command("ip", "-4", "route", "show", "dev", name).Output()
	if strings.Contains(string(out), extra) {
		t.Fatalf("route %s left after unset:\n%s", extra, out)
	}
}

// TestNetworkDHCPExpiryAndGateway: ipv4.dhcp.expiry, .gateway and .ranges
// reach dnsmasq, and a client gets an address from the range.
func TestNetworkDHCPExpiryAndGateway(t *testing.T) {
	d := daemontest.Start(t)
	name, subnet := createTestNetwork(t, d)
	d.MustLXC(t, "network", "set", name, "ipv4.dhcp.expiry=2h", "ipv4.dhcp.gateway="+subnet+".254",
		"ipv4.dhcp.ranges="+subnet+".100-"+subnet+".110")
	args := dnsmasqArgs(t, name)
	for _, want := range []string{"--dhcp-range=" + subnet + ".100," + subnet + ".110,2h", "--dhcp-option-force=3," + subnet + ".254"} {
		if !strings.Contains(args, want) {
			t.Fatalf("dnsmasq lacks %q: %s", want, args)
		}
	}
	_, addr := attachClient(t, name, "00:16:3e:5a:04:01")
	if !strings.HasPrefix(addr, subnet+".10") && addr != subnet+".110" {
		t.Fatalf("address %s outside the range", addr)
	}
	_, err := createNetworkRaw(d, daemontest.Name(t, "lxns"), map[string]string{"ipv4.address": "none", "ipv4.dhcp.gateway": "10.0.0.1"})
	if err == nil {
		t.Fatal("dhcp.gateway without an address accepted")
	}
}

// TestNetworkHwaddr: bridge.hwaddr sets the bridge's MAC.
func TestNetworkHwaddr(t *testing.T) {
	d := daemontest.Start(t)
	name, _ := createTestNetwork(t, d, "bridge.hwaddr=00:16:3e:5a:05:01")
	b, _ := os.ReadFile("/sys/class/net/" + name + "/address")
	if strings.TrimSpace(string(b)) != "00:16:3e:5a:05:01" {
		t.Fatalf("bridge MAC %q", b)
	}
	st, err := d.Client.GetNetworkState(context.Background(), name)
	if err != nil || st.Hwaddr != "00:16:3e:5a:05:01" {
		t.Fatalf("state hwaddr: %+v %v", st, err)
	}
}

// TestNetworkDNSSearch: dns.search is handed to DHCP clients.
func TestNetworkDNSSearch(t *testing.T) {
	d := daemontest.Start(t)
	name, _ := createTestNetwork(t, d, "dns.search=a.example,b.example")
	if args := dnsmasqArgs(t, name); !strings.Contains(args, "option:domain-search,a.example,b.example") {
		t.Fatalf("dnsmasq lacks the search list: %s", args)
	}
}

// TestNetworkVXLANInterfaceAndTTL: a vxlan tunnel uses tunnel.NAME.interface
// as its underlay device and tunnel.NAME.ttl as its TTL.
func TestNetworkVXLANInterfaceAndTTL(t *testing.T) {
	d := daemontest.Start(t)
	name, _ := createTestNetwork(t, d, "tunnel.t1.protocol=vxlan", "tunnel.t1.id=4242", "tunnel.t1.local=127.0.0.1",
		"tunnel.t1.remote=127.0.0.2", "tunnel.t1.port=4789", "tunnel.t1.interface=lo", "tunnel.t1.ttl=7")
	out, err := exec.Command("ip", "-d", "link", "show", name+"-t1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "master "+name) || !strings.Contains(string(out), "dev lo") || !strings.Contains(string(out), "ttl 7") {
		t.Fatalf("tunnel: %v\n%s", err, out)
	}
	d.MustLXC(t, "network", "set", name, "tunnel.t1.ttl=9")
	out, _ = exec.Command("ip", "-d", "link", "show", name+"-t1").CombinedOutput()
	if !strings.Contains(string(out), "ttl 9") {
		t.Fatalf("tunnel TTL not updated:\n%s", out)
	}
}

// TestNetworkTypeMacvlan: a macvlan network names a parent, shows the
// parent's state and serves no leases.
func TestNetworkTypeMacvlan(t *testing.T) {
	ctx := context.Background()
	d := daemontest.Start(t)
	parent, _ := networktest.Veth(t)
	name := daemontest.Name(t, "lxns")
	cleanupNetwork(t, d, name)
	d.MustLXC(t, "network", "create", name, "--type=macvlan", "parent="+parent)
	n, _, err := d.Client.GetNetwork(ctx, name)
	if err != nil || n.Type != "macvlan" || n.Config["parent"] != parent || n.Status != "Created" || !n.Managed {
		t.Fatalf("macvlan network: %+v %v", n, err)
	}
	st, err := d.Client.GetNetworkState(ctx, name)
	if err != nil || st.Mtu != 1500 || st.Hwaddr == "" {
		t.Fatalf("macvlan state: %+v %v", st, err)
	}
	if l, err := d.Client.GetNetworkLeases(ctx, name); err != nil || len(l) != 0 {
		t.Fatalf("macvlan leases: %+v %v", l, err)
	}
	_, err = createNetworkRaw(d, daemontest.Name(t, "lxns"), map[string]string{}, "macvlan")
	if err == nil || !strings.Contains(err.Error(), "parent") {
		t.Fatalf("macvlan without parent: %v", err)
	}
	d.MustLXC(t, "network", "delete", name)
}

// TestNetworkTypePhysical: a physical network applies its MTU to the parent
// and restores it on delete.
func TestNetworkTypePhysical(t *testing.T) {
	ctx := context.Background()
	d := daemontest.Start(t)
	_, parent := networktest.Veth(t)
	name := daemontest.Name(t, "lxns")
	cleanupNetwork(t, d, name)
	d.MustLXC(t, "network", "create", name, "--type=physical", "parent="+parent, "mtu=1400")
	mtu := func() string {
		b, _ := os.ReadFile("/sys/class/net/" + parent + "/mtu")
		return strings.TrimSpace(string(b))
	}
	if mtu() != "1400" {
		t.Fatalf("parent MTU %s, want 1400", mtu())
	}
	if n, _, err := d.Client.GetNetwork(ctx, name); err != nil || n.Type != "physical" {
		t.Fatalf("physical network: %+v %v", n, err)
	}
	d.MustLXC(t, "network", "delete", name)
	if mtu() != "1500" {
		t.Fatalf("parent MTU %s after delete, want 1500", mtu())
	}
}

// createNetworkRaw creates a network through the Go client (type optional).
func createNetworkRaw(d *daemontest.Daemon, name string, cfg map[string]string, typ ...string) (string, error) {
	req := api.NetworksPost{Name: name, NetworkPut: api.NetworkPut{Config: cfg}}
	if len(typ) > 0 {
		req.Type = typ[0]
	}
	err := d.Client.CreateNetwork(context.Background(), req)
	if err == nil {
		_ = d.Client.DeleteNetwork(context.Background(), name)
	}
	return name, err
}

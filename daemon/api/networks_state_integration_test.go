//go:build integration

package api_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/drivers/network/networktest"
	"github.com/lxdng/lxd/shared/api"
)

// attachClient plugs a network namespace (a stand-in instance) into the
// bridge with the given MAC and runs a real DHCP client (busybox udhcpc) in
// it; it returns the namespace and the address it got.
func attachClient(t *testing.T, bridge, mac string) (*networktest.Netns, string) {
	t.Helper()
	ns := networktest.NewNetns(t)
	host := ns.AddVeth("eth0", mac)
	networktest.MustRun(t, "ip", "link", "set", "dev", host, "master", bridge, "up")
	return ns, ns.DHCP("eth0")
}

// scenarioNetworkLeasesHideStrangers: the gateway entry is listed (location
// ""), and a DHCP client that is no instance of the project is not.
func scenarioNetworkLeasesHideStrangers(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	name, subnet := createTestNetwork(t, d)
	gw := api.NetworkLease{Hostname: name + ".gw", Address: subnet + ".1", Type: "gateway", Location: ""}
	leases, err := d.Client.GetNetworkLeases(ctx, name)
	if err != nil || len(leases) != 1 || leases[0] != gw {
		t.Fatalf("leases before any client: %+v %v", leases, err)
	}
	mac := "00:16:3e:5a:01:02"
	_, addr := attachClient(t, name, mac)
	if !strings.HasPrefix(addr, subnet+".") {
		t.Fatalf("DHCP gave %s, outside %s.0/24", addr, subnet)
	}
	leaseFile := filepath.Join(d.Dir, "networks", name, "dnsmasq.leases")
	daemontest.Eventually(t, 10*time.Second, "dnsmasq to record the lease", func() bool {
		b, _ := os.ReadFile(leaseFile)
		return strings.Contains(string(b), mac)
	})
	leases, err = d.Client.GetNetworkLeases(ctx, name)
	if err != nil || len(leases) != 1 || leases[0] != gw {
		t.Fatalf("leases with a stranger: %+v %v", leases, err)
	}
}

func TestNetworkLeasesHideStrangers(t *testing.T) {
	scenarioNetworkLeasesHideStrangers(t, daemontest.Start(t))
}

func TestReferenceNetworkLeasesHideStrangers(t *testing.T) {
	scenarioNetworkLeasesHideStrangers(t, daemontest.StartReference(t))
}

// addInstanceRow writes an instance row with one NIC on network (our daemon
// has no instance API yet: the rows stand in for instances) and removes it
// at cleanup.
func addInstanceRow(t *testing.T, d *daemontest.Daemon, name, network, mac, ipv4 string) {
	t.Helper()
	dev := `{"eth0":{"type":"nic","name":"eth0","network":"` + network + `"`
	if ipv4 != "" {
		dev += `,"ipv4.address":"` + ipv4 + `"`
	}
	dev += `}}`
	d.SQL(t, `INSERT INTO instances (project_id, member_id, name, architecture, config, devices)
		VALUES (1, (SELECT id FROM members ORDER BY id LIMIT 1), '`+name+`', 'x86_64', '{"volatile.eth0.hwaddr":"`+mac+`"}', '`+dev+`')`)
	t.Cleanup(func() { d.SQL(t, "DELETE FROM instances WHERE name = '"+name+"'") })
}

// TestNetworkLeases: instances' NICs get their dynamic lease listed
// (location "none", the instance's name), a pinned ipv4.address is served
// by dnsmasq and listed as static, and the real lxc shows them.
func TestNetworkLeases(t *testing.T) {
	ctx := context.Background()
	d := daemontest.Start(t)
	name, subnet := createTestNetwork(t, d)
	c1, c2 := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	mac1, mac2 := "00:16:3e:5a:02:01", "00:16:3e:5a:02:02"
	addInstanceRow(t, d, c1, name, mac1, "")
	addInstanceRow(t, d, c2, name, mac2, subnet+".50")
	// Any change to the network rewrites dnsmasq's hosts from the database.
	d.MustLXC(t, "network", "set", name, "user.refresh=1")
	_, addr1 := attachClient(t, name, mac1)
	_, addr2 := attachClient(t, name, mac2)
	if addr2 != subnet+".50" {
		t.Fatalf("pinned address not served: got %s", addr2)
	}
	var leases []api.NetworkLease
	daemontest.Eventually(t, 10*time.Second, "both leases", func() bool {
		leases, _ = d.Client.GetNetworkLeases(ctx, name)
		return len(leases) == 3
	})
	want := []api.NetworkLease{
		{Hostname: name + ".gw", Address: subnet + ".1", Type: "gateway"},
		{Hostname: c2, Hwaddr: mac2, Address: subnet + ".50", Type: "static", Location: "none"},
		{Hostname: c1, Hwaddr: mac1, Address: addr1, Type: "dynamic", Location: "none"},
	}
	for i := range want {
		if leases[i] != want[i] {
			t.Fatalf("lease %d: %+v, want %+v", i, leases[i], want[i])
		}
	}
	n, _, _ := d.Client.GetNetwork(ctx, name)
	if len(n.UsedBy) != 2 || !slices.Contains(n.UsedBy, "/1.0/instances/"+c1) || !slices.Contains(n.UsedBy, "/1.0/instances/"+c2) {
		t.Fatalf("used_by: %v", n.UsedBy)
	}
	out := d.MustLXC(t, "network", "list-leases", name, "--format", "csv")
	for _, line := range []string{c1 + "," + mac1 + "," + addr1 + ",DYNAMIC", c2 + "," + mac2 + "," + subnet + ".50,STATIC", name + ".gw,," + subnet + ".1,GATEWAY"} {
		if !strings.Contains(out, line) {
			t.Fatalf("lxc network list-leases lacks %q:\n%s", line, out)
		}
	}
}

func scenarioNetworkState(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	name, subnet := createTestNetwork(t, d)
	ns, _ := attachClient(t, name, "00:16:3e:5a:01:03")
	if !ns.Ping(subnet+".1", 2) {
		t.Fatal("client cannot reach the bridge")
	}
	st, err := d.Client.GetNetworkState(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != "up" || st.Type != "broadcast" || st.Mtu != 1500 || len(st.Addresses) < 1 ||
		st.Addresses[0] != (api.NetworkStateAddress{Family: "inet", Address: subnet + ".1", Netmask: "24", Scope: "global"}) {
		t.Fatalf("state: %+v", st)
	}
	if st.Counters.PacketsReceived == 0 || st.Counters.BytesReceived == 0 || st.Counters.PacketsSent == 0 {
		t.Fatalf("counters did not move: %+v", st.Counters)
	}
	br := st.Bridge
	if br == nil || br.ID != "8000."+strings.ReplaceAll(st.Hwaddr, ":", "") || br.ForwardDelay != 1500 || len(br.UpperDevices) != 1 ||
		st.Bond != nil || st.VLAN != nil || st.OVN != nil {
		t.Fatalf("bridge section: %+v (hwaddr %s)", br, st.Hwaddr)
	}
	lo, err := d.Client.GetNetworkState(ctx, "lo")
	if err != nil || lo.Type != "loopback" || lo.Hwaddr != "" || lo.Mtu != 65536 || lo.Bridge != nil {
		t.Fatalf("lo state: %+v %v", lo, err)
	}
	out := d.MustLXC(t, "network", "info", name)
	for _, want := range []string{"State: up", "Type: broadcast", "inet\t" + subnet + ".1/24 (global)", "Bytes received:", "Packets sent:"} {
		if !strings.Contains(out, want) {
			t.Fatalf("lxc network info lacks %q:\n%s", want, out)
		}
	}
}

func TestNetworkState(t *testing.T) { scenarioNetworkState(t, daemontest.Start(t)) }

func TestReferenceNetworkState(t *testing.T) { scenarioNetworkState(t, daemontest.StartReference(t)) }

//go:build integration

package network

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/bridge"
	"github.com/lxdng/lxd/drivers/network/networktest"
	"github.com/lxdng/lxd/shared/api"
)

// TestRefreshStaticLeasesServesPinnedAddress drives the API the instance
// service uses, on a real bridge: Network resolves network=<name> into the
// bridge and its config, and after an instance's NIC pins an address,
// RefreshNICNetworks makes dnsmasq hand exactly that address to the NIC's MAC.
func TestRefreshStaticLeasesServesPinnedAddress(t *testing.T) {
	networktest.RequireTools(t, "ip", "nft", "dnsmasq", "busybox")
	ctx := request.With(context.Background(), &request.Requestor{Trusted: true, Protocol: "unix"})
	store, err := db.Open(ctx, t.TempDir(), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var member int64
	_ = store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		member, err = tx.CreateMember(ctx, db.Member{Name: "none", Address: "0.0.0.0", Architecture: "x86_64"})
		return err
	})
	drv := bridge.New(bridge.Options{})
	s := New(Options{Store: store, Drivers: map[string]netdriver.Driver{"bridge": drv}, Dir: networktest.StateDir(t),
		FirewallTable: networktest.Table(t), Self: cluster.StaticSelf(db.Member{ID: member, Name: "none"})})
	x := freeSubnet(t)
	gw := fmt.Sprintf("10.202.%d.1/24", x)
	name := "lxnss" + strings.TrimPrefix(networktest.Name(""), networktest.BridgePrefix)[:6]
	err = s.Create(ctx, "default", api.NetworksPost{Name: name, NetworkPut: api.NetworkPut{
		Config: map[string]string{"ipv4.address": gw, "ipv4.nat": "false", "ipv6.address": "none"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = store.Tx(context.Background(), func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.Exec(ctx, "DELETE FROM instances")
			return err
		})
		if err := s.Delete(ctx, "default", name); err != nil {
			t.Errorf("delete: %v", err)
		}
	})

	res, err := s.Network(ctx, "default", name)
	if err != nil || res.Network.Name != name || res.Network.Config["ipv4.address"] != gw || res.Driver.Type() != "bridge" || res.Status != "Created" {
		t.Fatalf("Network: %+v %v", res, err)
	}
	if _, err := s.Network(ctx, "default", "lxntnosuch"); !api.IsStatus(err, 404) {
		t.Fatalf("unknown network: %v", err)
	}

	mac, pinned := "00:16:3e:5b:00:01", fmt.Sprintf("10.202.%d.77", x)
	devices := map[string]map[string]string{"eth0": {"type": "nic", "network": name, "ipv4.address": pinned}}
	err = store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO instances (project_id, member_id, name, architecture, config, devices)
			VALUES (1, ?, 'c1', 'x86_64', ?, ?)`, member, db.JSONMap{"volatile.eth0.hwaddr": mac}, db.JSONDevices(devices))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RefreshNICNetworks(ctx, "default", devices, map[string]map[string]string{"x": {"type": "nic", "network": "nosuch"}}); err != nil {
		t.Fatal(err)
	}
	hosts, _ := os.ReadFile(filepath.Join(res.Network.StateDir, "dnsmasq.hosts"))
	if !strings.Contains(string(hosts), mac+","+pinned+",c1") {
		t.Fatalf("hosts file: %q", hosts)
	}
	ns := networktest.NewNetns(t)
	host := ns.AddVeth("eth0", mac)
	networktest.MustRun(t, "ip", "link", "set", "dev", host, "master", name, "up")
	if got := ns.DHCP("eth0"); got != pinned {
		t.Fatalf("DHCP gave %s, want the pinned %s", got, pinned)
	}
	leases, err := s.Leases(ctx, "default", name)
	if err != nil || len(leases) != 2 || leases[1] != (api.NetworkLease{Hostname: "c1", Hwaddr: mac, Address: pinned, Type: "static", Location: "none"}) {
		t.Fatalf("leases: %+v %v", leases, err)
	}
}

// freeSubnet picks N for 10.202.N.0/24 (200..249, apart from the API
// tests' range) that no host route uses.
func freeSubnet(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("ip", "-4", "route", "show").Output()
	if err != nil {
		t.Fatal(err)
	}
	for n := 200; n < 250; n++ {
		if !strings.Contains(string(out), fmt.Sprintf("10.202.%d.", n)) {
			return n
		}
	}
	t.Fatal("no free subnet in 10.202.200.0-10.202.249.0")
	return 0
}

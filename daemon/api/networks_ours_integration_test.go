//go:build integration

package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/drivers/network/networktest"
	"github.com/lxdng/lxd/shared/api"
)

// Tests of our daemon only: restart/restore, supervision, revert, and the
// keys behind the network API extensions.

func dnsmasqPid(t *testing.T, d *daemontest.Daemon, name string) int {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(d.Dir, "networks", name, "dnsmasq.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func bridgeAddress(name string) string {
	out, _ := exec.Command("ip", "-4", "-o", "addr", "show", "dev", name).Output()
	f := strings.Fields(string(out))
	for i, w := range f {
		if w == "inet" && i+1 < len(f) {
			return f[i+1]
		}
	}
	return ""
}

// TestNetworkRestartRestores: a daemon restart adopts the running bridge and
// dnsmasq; after a "reboot" (bridge and dnsmasq gone while the daemon was
// down) the next start recreates them with the same subnet and keeps the
// lease file; a network that cannot start is marked Errored without
// stopping the daemon.
func TestNetworkRestartRestores(t *testing.T) {
	ctx := context.Background()
	d := daemontest.Start(t)
	name, subnet := createTestNetwork(t, d)
	mac := "00:16:3e:5a:03:01"
	addInstanceRow(t, d, daemontest.Name(t, "c"), name, mac, "")
	_, addr := attachClient(t, name, mac)
	extA, _ := networktest.Veth(t)
	broken, _ := createTestNetwork(t, d, "bridge.external_interfaces="+extA)

	pid := dnsmasqPid(t, d, name)
	d.Restart()
	if got := dnsmasqPid(t, d, name); got != pid || !networktest.ProcessAlive(pid) {
		t.Fatalf("dnsmasq not adopted across restart: pid %d -> %d", pid, got)
	}

	d.Stop()
	networktest.MustRun(t, "ip", "link", "del", name)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	daemontest.Eventually(t, 10*time.Second, "old dnsmasq to exit", func() bool { return !networktest.ProcessAlive(pid) })
	networktest.MustRun(t, "ip", "link", "del", extA)
	d.Restart()

	if got := bridgeAddress(name); got != subnet+".1/24" {
		t.Fatalf("bridge not restored: address %q", got)
	}
	if len(dnsmasqPids(name)) != 1 {
		t.Fatal("dnsmasq not restarted")
	}
	leases, err := d.Client.GetNetworkLeases(ctx, name)
	if err != nil || len(leases) != 2 || leases[1].Address != addr {
		t.Fatalf("lease file not kept: %+v %v", leases, err)
	}
	n, _, err := d.Client.GetNetwork(ctx, broken)
	if err != nil || n.Status != "Errored" {
		t.Fatalf("unstartable network: %+v %v", n, err)
	}
	if ok, _, _ := d.Client.GetNetwork(ctx, name); ok.Status != "Created" {
		t.Fatalf("healthy network status: %s", ok.Status)
	}
}

// TestNetworkDnsmasqRestarted: a killed dnsmasq is started again.
func TestNetworkDnsmasqRestarted(t *testing.T) {
	d := daemontest.Start(t)
	name, _ := createTestNetwork(t, d)
	pid := dnsmasqPid(t, d, name)
	if pid == 0 {
		t.Fatal("no dnsmasq pid file")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	daemontest.Eventually(t, 15*time.Second, "dnsmasq to be restarted", func() bool {
		p := dnsmasqPid(t, d, name)
		return p != 0 && p != pid && networktest.ProcessAlive(p)
	})
}

// TestNetworkBadInputLeavesNothing: refused creations leave no interface,
// dnsmasq, chains, state directory or row; refused updates leave the
// network as it was.
func TestNetworkBadInputLeavesNothing(t *testing.T) {
	ctx := context.Background()
	d := daemontest.Start(t)
	name, subnet := createTestNetwork(t, d)
	other, otherSubnet := createTestNetwork(t, d)
	bad := daemontest.Name(t, "lxns")
	cleanupNetwork(t, d, bad)
	tries := []map[string]string{
		{"ipv4.address": subnet + ".5/24", "ipv4.nat": "false", "ipv6.address": "none"},
		{"ipv4.address": netSubnet(t) + ".1/24", "ipv4.nat": "false", "ipv6.address": "none", "bridge.external_interfaces": "lxnsnosuchif"},
		{"ipv4.address": "10.202.300.1/24"},
	}
	for _, cfg := range tries {
		err := d.Client.CreateNetwork(ctx, api.NetworksPost{Name: bad, NetworkPut: api.NetworkPut{Config: cfg}})
		if err == nil {
			t.Fatalf("create with %v accepted", cfg)
		}
		if _, _, err := d.Client.GetNetwork(ctx, bad); !api.IsStatus(err, 404) {
			t.Fatalf("refused create (%v) left a record: %v", cfg, err)
		}
		if _, err := os.Stat(filepath.Join(d.Dir, "networks", bad)); err == nil {
			t.Fatalf("refused create (%v) left its state directory", cfg)
		}
		assertNetworkGone(t, bad)
	}
	before, etag, _ := d.Client.GetNetwork(ctx, name)
	err := d.Client.PatchNetwork(ctx, name, api.NetworkPut{Config: map[string]string{"ipv4.address": otherSubnet + ".9/24"}}, "")
	if !api.IsStatus(err, 400) || !strings.Contains(err.Error(), other) {
		t.Fatalf("overlapping update: %v", err)
	}
	err = d.Client.PatchNetwork(ctx, name, api.NetworkPut{Config: map[string]string{"bridge.external_interfaces": "lxnsnosuchif", "ipv4.address": netSubnet(t) + ".1/24"}}, "")
	if err == nil {
		t.Fatal("update with a missing external interface accepted")
	}
	after, etag2, _ := d.Client.GetNetwork(ctx, name)
	if etag2 != etag || !mapsEqual(after.Config, before.Config) || bridgeAddress(name) != subnet+".1/24" || len(dnsmasqPids(name)) != 1 {
		t.Fatalf("failed update not reverted: %v -> %v, address %s", before.Config, after.Config, bridgeAddress(name))
	}
}

// TestNetworkUsedByExpandedDevices: instances use a network through their
// profiles (in apply order, overridden by local devices) or a bridged
// parent; projects with their own networks do not count.
func TestNetworkUsedByExpandedDevices(t *testing.T) {
	ctx := context.Background()
	d := daemontest.Start(t)
	name, _ := createTestNetwork(t, d)
	own := daemontest.Name(t, "p")
	d.CreateProject(t, own, map[string]string{"features.networks": "true", "features.profiles": "true"})
	addProfileNIC(t, d, own, "default", name) // refers to own's network of that name, not ours
	prof := daemontest.Name(t, "pr")
	d.SQL(t, `INSERT INTO profiles (project_id, name, devices) VALUES (1, '`+prof+`', '{"eth1":{"type":"nic","network":"`+name+`"}}')`)
	t.Cleanup(func() { d.SQL(t, "DELETE FROM profiles WHERE name = '"+prof+"'") })
	viaProfile, overridden, bridged := daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c")
	insert := func(inst, devices string) {
		d.SQL(t, `INSERT INTO instances (project_id, member_id, name, architecture, devices)
			VALUES (1, (SELECT id FROM members ORDER BY id LIMIT 1), '`+inst+`', 'x86_64', '`+devices+`')`)
		d.SQL(t, `INSERT INTO instances_profiles (instance_id, profile_id, apply_order)
			SELECT instances.id, profiles.id, 1 FROM instances, profiles WHERE instances.name = '`+inst+`' AND profiles.name = '`+prof+`'`)
		t.Cleanup(func() { d.SQL(t, "DELETE FROM instances WHERE name = '"+inst+"'") })
	}
	insert(viaProfile, `{}`)
	insert(overridden, `{"eth1":{"type":"nic","network":"lxnsother"}}`)
	insert(bridged, `{"eth1":{"type":"none"},"eth2":{"type":"nic","nictype":"bridged","parent":"`+name+`"}}`)
	n, _, err := d.Client.GetNetwork(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/1.0/profiles/" + prof, "/1.0/instances/" + viaProfile, "/1.0/instances/" + bridged}
	slices.Sort(want[1:])
	if !slices.Equal(n.UsedBy, want) {
		t.Fatalf("used_by %v, want %v", n.UsedBy, want)
	}
	wantStatus(t, "delete", d.Client.DeleteNetwork(ctx, name), 400, "The network is currently in use")
}

// TestNetworkPreseed: `lxd init --preseed` creates a bridge with an "auto"
// IPv4 subnet (typed YAML values accepted) the way `lxd init --auto` asks.
func TestNetworkPreseed(t *testing.T) {
	ctx := context.Background()
	requireNetTools(t)
	d := daemontest.Start(t)
	name := daemontest.Name(t, "lxns")
	cleanupNetwork(t, d, name)
	seed := "networks:\n- name: " + name + "\n  type: bridge\n  config:\n    ipv4.address: auto\n    ipv4.nat: false\n    ipv6.address: none\n"
	cmd := exec.Command(daemontest.Binary(t, "lxd"), "init", "--preseed")
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir)
	cmd.Stdin = strings.NewReader(seed)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lxd init --preseed: %v: %s", err, out)
	}
	n, _, err := d.Client.GetNetwork(ctx, name)
	if err != nil || !strings.HasPrefix(n.Config["ipv4.address"], "10.") || !strings.HasSuffix(n.Config["ipv4.address"], ".1/24") ||
		n.Config["ipv4.nat"] != "false" || n.Status != "Created" {
		t.Fatalf("preseeded network: %+v %v", n, err)
	}
	if bridgeAddress(name) != n.Config["ipv4.address"] {
		t.Fatalf("bridge address %q, config %q", bridgeAddress(name), n.Config["ipv4.address"])
	}
}

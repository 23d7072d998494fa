//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// Network test objects: names "lxns<hex>", subnets 10.202.N.0/24, NAT off.

var netSubnetMu sync.Mutex
var netSubnetsTaken = map[int]bool{}

// netSubnet returns "10.202.N" for a /24 no host route uses and this test
// process has not handed out.
func netSubnet(t *testing.T) string {
	t.Helper()
	netSubnetMu.Lock()
	defer netSubnetMu.Unlock()
	out, err := exec.Command("ip", "-4", "route", "show").Output()
	if err != nil {
		t.Fatalf("ip route: %v (install iproute2)", err)
	}
	for n := 10; n < 250; n++ {
		prefix := fmt.Sprintf("10.202.%d.", n)
		if !netSubnetsTaken[n] && !strings.Contains(string(out), prefix) {
			netSubnetsTaken[n] = true
			return fmt.Sprintf("10.202.%d", n)
		}
	}
	t.Fatal("no free test subnet in 10.202.0.0/16")
	return ""
}

// requireNetTools fails (never skips) when a tool the network tests need is missing.
func requireNetTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ip", "nft", "dnsmasq", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install iproute2 nftables dnsmasq-base busybox-static", tool)
		}
	}
}

// createTestNetwork creates a bridge with the real lxc client (NAT off, no
// IPv6) and deletes it at cleanup if the test has not.
func createTestNetwork(t *testing.T, d *daemontest.Daemon, extra ...string) (name, subnet string) {
	t.Helper()
	requireNetTools(t)
	name, subnet = daemontest.Name(t, "lxns"), netSubnet(t)
	args := append([]string{"network", "create", name, "ipv4.address=" + subnet + ".1/24", "ipv4.nat=false", "ipv6.address=none"}, extra...)
	out := d.MustLXC(t, args...)
	if !strings.Contains(out, "Network "+name+" created") {
		t.Fatalf("lxc network create: %q", out)
	}
	cleanupNetwork(t, d, name)
	return name, subnet
}

// cleanupNetwork deletes the network at cleanup (under its current name
// when it was renamed: pass the new name to a second cleanupNetwork).
func cleanupNetwork(t *testing.T, d *daemontest.Daemon, name string) {
	t.Cleanup(func() {
		err := d.Client.DeleteNetwork(context.Background(), name)
		if err != nil && !api.IsStatus(err, http.StatusNotFound) {
			t.Errorf("cleanup: deleting network %s: %v", name, err)
		}
	})
}

func linkExists(name string) bool {
	_, err := os.Lstat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// dnsmasqPids lists the dnsmasq processes serving an interface.
func dnsmasqPids(iface string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		argv := strings.Split(string(cmd), "\x00")
		if filepath.Base(argv[0]) != "dnsmasq" {
			continue
		}
		for _, a := range argv {
			if a == "--interface="+iface {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// dnsmasqArgs returns the command line of the dnsmasq serving iface.
func dnsmasqArgs(t *testing.T, iface string) string {
	t.Helper()
	pids := dnsmasqPids(iface)
	if len(pids) != 1 {
		t.Fatalf("want one dnsmasq for %s, found %v", iface, pids)
	}
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pids[0]))
	return strings.ReplaceAll(string(cmd), "\x00", " ")
}

// nftRuleset is `nft list ruleset` (every table: ours and LXD's).
func nftRuleset(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return string(out)
}

// assertNetworkGone checks nothing of a deleted network is left on the host.
func assertNetworkGone(t *testing.T, name string) {
	t.Helper()
	if linkExists(name) {
		t.Fatalf("interface %s still exists", name)
	}
	if pids := dnsmasqPids(name); len(pids) > 0 {
		t.Fatalf("dnsmasq for %s still running: %v", name, pids)
	}
	if rs := nftRuleset(t); strings.Contains(rs, name) {
		t.Fatalf("nftables still mentions %s:\n%s", name, rs)
	}
}

// addProfileNIC gives a profile a NIC device on network with the real lxc
// (or, while our daemon has no profile API, by writing the row) and removes
// it at cleanup, before the network's own cleanup runs.
func addProfileNIC(t *testing.T, d *daemontest.Daemon, project, profile, network string) {
	t.Helper()
	args := []string{"profile", "device", "add", profile, "eth0", "nic", "network=" + network, "name=eth0"}
	rm := []string{"profile", "device", "remove", profile, "eth0"}
	if project != "default" {
		args, rm = append(args, "--project", project), append(rm, "--project", project)
	}
	if r := d.LXC(t, args...); r.ExitCode == 0 {
		t.Cleanup(func() { d.LXC(t, rm...) })
		return
	}
	if d.Kind != daemontest.Ours {
		t.Fatalf("lxc %v failed", args)
	}
	sel := fmt.Sprintf("name = '%s' AND project_id = (SELECT id FROM projects WHERE name = '%s')", profile, project)
	d.SQL(t, fmt.Sprintf(`UPDATE profiles SET devices = '{"eth0":{"type":"nic","name":"eth0","network":"%s"}}' WHERE %s`, network, sel))
	t.Cleanup(func() { d.SQL(t, "UPDATE profiles SET devices = '{}' WHERE "+sel) })
}

// wantStatus checks an error's HTTP status and message.
func wantStatus(t *testing.T, what string, err error, status int, msg string) {
	t.Helper()
	if err == nil || api.StatusOf(err) != status || err.Error() != msg {
		t.Fatalf("%s: got %v (status %d), want %d %q", what, err, api.StatusOf(err), status, msg)
	}
}

// lxcWithStdin runs the real lxc with stdin (for `edit`).
func lxcWithStdin(d *daemontest.Daemon, stdin string, args ...string) (string, error) {
	cmd := exec.Command("lxc", args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// rawWithLocation sends a request and returns status, envelope and Location.
func rawWithLocation(t *testing.T, d *daemontest.Daemon, method, path, body string) (int, api.Response, string) {
	t.Helper()
	resp, err := d.Client.Raw(context.Background(), method, path, strings.NewReader(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r api.Response
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r, resp.Header.Get("Location")
}

//go:build integration

package api_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// NIC test objects: bridges "lxnd<hex>", subnets 10.207.N.0/24, NAT off,
// no IPv6 on the bridges.

var nicSubnetMu sync.Mutex
var nicSubnetsTaken = map[int]bool{}

// nicSubnet returns "10.207.N" for a /24 no host route or address uses and
// this test process has not handed out.
func nicSubnet(t *testing.T) string {
	t.Helper()
	nicSubnetMu.Lock()
	defer nicSubnetMu.Unlock()
	routes, err := exec.Command("ip", "-4", "route", "show", "table", "all").Output()
	if err != nil {
		t.Fatalf("ip route: %v (install iproute2)", err)
	}
	addrs, _ := exec.Command("ip", "-4", "addr", "show").Output()
	for n := 10; n < 250; n++ {
		prefix := fmt.Sprintf("10.207.%d.", n)
		if !nicSubnetsTaken[n] && !strings.Contains(string(routes), prefix) && !strings.Contains(string(addrs), prefix) {
			nicSubnetsTaken[n] = true
			return fmt.Sprintf("10.207.%d", n)
		}
	}
	t.Fatal("no free test subnet in 10.207.0.0/16")
	return ""
}

// nicNetwork creates a managed bridge lxnd<hex> on 10.207.N.1/24 with NAT
// off and no IPv6, deleted at cleanup when the test has not.
func nicNetwork(t *testing.T, d *daemontest.Daemon) (name, subnet string) {
	t.Helper()
	requireNetTools(t)
	name, subnet = daemontest.Name(t, "lxnd"), nicSubnet(t)
	d.MustLXC(t, "network", "create", name, "ipv4.address="+subnet+".1/24", "ipv4.nat=false", "ipv6.address=none")
	t.Cleanup(func() { d.LXC(t, "network", "delete", name) })
	return name, subnet
}

// nicAddrs returns the global addresses (without prefix) of an
// instance's interface from its state.
func nicAddrs(t *testing.T, e *instEnv, name, iface, family string) []string {
	t.Helper()
	var out []string
	for _, a := range e.state(t, name).Network[iface].Addresses {
		if a.Family == family && a.Scope == "global" {
			out = append(out, a.Address)
		}
	}
	return out
}

// nicWaitIPv4 waits until an instance's interface has a global IPv4
// address (its DHCP lease applied) and returns it.
func nicWaitIPv4(t *testing.T, e *instEnv, name, iface string) string {
	t.Helper()
	var addr string
	daemontest.Eventually(t, 30*time.Second, name+" "+iface+" to get an IPv4 address", func() bool {
		if a := nicAddrs(t, e, name, iface, "inet"); len(a) > 0 {
			addr = a[0]
			return true
		}
		return false
	})
	return addr
}

// nicExecOK runs a command in an instance and reports whether it exited 0.
func nicExecOK(t *testing.T, d *daemontest.Daemon, name string, cmd ...string) bool {
	t.Helper()
	return d.LXC(t, append([]string{"exec", name, "--"}, cmd...)...).ExitCode == 0
}

// nicPing pings addr from an instance (busybox ping, one probe, 2s),
// optionally from a given source address.
func nicPing(t *testing.T, d *daemontest.Daemon, name, addr, from string) bool {
	t.Helper()
	cmd := []string{"ping", "-c", "1", "-W", "2"}
	if from != "" {
		cmd = append(cmd, "-I", from)
	}
	return nicExecOK(t, d, name, append(cmd, addr)...)
}

// nicHostPing pings addr from the host.
func nicHostPing(addr string) bool {
	return exec.Command("ping", "-c", "1", "-W", "2", addr).Run() == nil
}

// nicNetworkState reads /1.0/networks/<name>/state.
func nicNetworkState(t *testing.T, d *daemontest.Daemon, name string) api.NetworkState {
	t.Helper()
	var st api.NetworkState
	if err := json.Unmarshal([]byte(d.MustLXC(t, "query", "/1.0/networks/"+name+"/state")), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// nicLeases reads /1.0/networks/<name>/leases.
func nicLeases(t *testing.T, d *daemontest.Daemon, name string) []api.NetworkLease {
	t.Helper()
	var leases []api.NetworkLease
	if err := json.Unmarshal([]byte(d.MustLXC(t, "query", "/1.0/networks/"+name+"/leases")), &leases); err != nil {
		t.Fatal(err)
	}
	return leases
}

// nicListIPv4 is the IPV4 column of `lxc list` for one instance.
func nicListIPv4(t *testing.T, d *daemontest.Daemon, name string) string {
	t.Helper()
	return strings.TrimSpace(d.MustLXC(t, "list", name, "--format", "csv", "-c", "4"))
}

// nicHostLink reports whether a host interface exists in the host's
// namespace.
func nicHostLink(name string) bool { return name != "" && linkExists(name) }

// nicInside lists the interface names inside a running instance.
func nicInside(t *testing.T, e *instEnv, name string) map[string]api.InstanceStateNetwork {
	t.Helper()
	return e.state(t, name).Network
}

// nicVethPair creates a veth pair on the host standing in for a physical
// NIC (this kernel has no dummy links) and deletes it at cleanup.
func nicVethPair(t *testing.T) (a, b string) {
	t.Helper()
	a, b = daemontest.Name(t, "lxndph"), daemontest.Name(t, "lxndpp")
	if out, err := exec.Command("ip", "link", "add", a, "type", "veth", "peer", "name", b).CombinedOutput(); err != nil {
		t.Fatalf("ip link add: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", a).Run() })
	return a, b
}

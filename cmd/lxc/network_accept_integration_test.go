//go:build integration

package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// TestNetworkLeasesLikeRealClient: with a container holding a DHCP lease
// and a static one on a managed bridge, our lxc prints what the real
// 5.0.2 client prints for `network list-leases` (every format), `network
// show` (used_by), `network info`, and the IPv4 column of `lxc list`;
// `network attach` and `detach` with our client wire a NIC that gets its
// lease. Against LXD 5.0.2 and ours.
func TestNetworkLeasesLikeRealClient(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		n, sub := daemontest.Name(t, "a5"), acceptFreeSubnet(t)
		mustReal(t, d, "network", "create", n, "ipv4.address="+sub+".1/24", "ipv4.nat=false", "ipv6.address=none")
		cleanupReal(t, d, []string{"network", "delete", n})
		dyn, static := instName(t), instName(t)
		cleanupInstances(t, d, dyn, static)
		mustReal(t, d, "init", "busybox", dyn, "-q")
		mustReal(t, d, "init", "busybox", static, "-q")
		// Our client wires both NICs (attach: dynamic; config device: static).
		ourLXC(t, d, "network", "attach", n, dyn, "eth0", "eth0")
		ourLXC(t, d, "config", "device", "add", static, "eth0", "nic", "network="+n, "name=eth0", "ipv4.address="+sub+".50")
		ourLXC(t, d, "start", dyn, static)
		acceptWaitLease(t, d, n, dyn)
		acceptWaitLease(t, d, n, static)
		for _, f := range formats {
			sameOutput(t, d, "network", "list-leases", n, "-f", f)
		}
		sameOutput(t, d, "network", "show", n)
		sameOutput(t, d, "network", "info", n)
		sameOutput(t, d, "list", dyn, "-c", "n4", "-f", "csv")
		sameOutput(t, d, "list", static, "-c", "ns4", "-f", "table")
		out := ourLXC(t, d, "network", "list-leases", n, "-f", "csv")
		if !strings.Contains(out, static+",") || !strings.Contains(out, ","+sub+".50,STATIC") || !strings.Contains(out, dyn+",") {
			t.Fatalf("list-leases:\n%s", out)
		}
		// detach from a running instance (hot-unplug) with our client.
		ourLXC(t, d, "network", "detach", n, dyn)
		if got := strings.TrimSpace(ourLXC(t, d, "list", dyn, "-c", "4", "-f", "csv")); got != "" {
			t.Fatalf("IPv4 after detach: %q", got)
		}
	})
}

// acceptWaitLease waits until our lxc lists a dynamic or static lease
// for instance on network n, and the instance shows an IPv4 address.
func acceptWaitLease(t *testing.T, d *daemontest.Daemon, n, instance string) {
	t.Helper()
	daemontest.Eventually(t, 30*time.Second, instance+"'s lease on "+n, func() bool {
		leases := d.OurLXC(t, "network", "list-leases", n, "-f", "csv").Stdout
		ip := strings.TrimSpace(d.OurLXC(t, "list", instance, "-c", "4", "-f", "csv").Stdout)
		return strings.Contains("\n"+leases, "\n"+instance+",") && ip != ""
	})
}

// acceptFreeSubnet returns "10.208.N" for a /24 no host route uses.
func acceptFreeSubnet(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ip", "-4", "route", "show", "table", "all").Output()
	if err != nil {
		t.Fatalf("ip route: %v (install iproute2)", err)
	}
	for i := 10; i < 250; i++ {
		p := fmt.Sprintf("10.208.%d.", (i+time.Now().Nanosecond())%240+10)
		if !strings.Contains(string(out), p) {
			return strings.TrimSuffix(p, ".")
		}
	}
	t.Fatal("no free test subnet in 10.208.0.0/16")
	return ""
}

//go:build integration

package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

func TestNICKinds(t *testing.T)          { scenarioNICKinds(t, daemontest.Start(t)) }
func TestReferenceNICKinds(t *testing.T) { scenarioNICKinds(t, daemontest.StartReference(t)) }

// scenarioNICKinds: routed (addresses and default route inside, reachable
// from the host, hot-plugged too), p2p (host end left unattached),
// physical (moved in, back with its MTU at stop) and macvlan NICs.
func scenarioNICKinds(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, _ := nicNetwork(t, d)
	sub := nicSubnet(t)
	phys, _ := nicVethPair(t)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	routed := sub + ".10"
	// Not eth0: the image's init runs DHCP on eth0, which would flush
	// the static address.
	routed6 := "fd42:207:" + strings.TrimPrefix(sub, "10.207.") + "::10"
	d.MustLXC(t, "config", "device", "add", name, "rt", "nic", "nictype=routed", "ipv4.address="+routed, "ipv6.address="+routed6, "name=rt0",
		"ipv4.host_address=169.254.0.5", "ipv4.host_table=2070", "limits.ingress=10Mbit")
	p2pRoutes := nicSubnet(t) + ".0/28"
	d.MustLXC(t, "config", "device", "add", name, "pp", "nic", "nictype=p2p", "name=pp0", "ipv4.routes="+p2pRoutes)
	d.MustLXC(t, "config", "device", "add", name, "ph", "nic", "nictype=physical", "parent="+phys, "name=ph0", "mtu=1400")
	d.MustLXC(t, "config", "device", "add", name, "mv", "nic", "nictype=macvlan", "parent="+br, "name=mv0")
	d.MustLXC(t, "start", name)

	if got := nicAddrs(t, e, name, "rt0", "inet"); len(got) != 1 || got[0] != routed {
		t.Fatalf("routed addresses inside %v, want %s", got, routed)
	}
	if out := d.MustLXC(t, "exec", name, "--", "ip", "-4", "route", "show", "default"); strings.TrimSpace(out) != "default via 169.254.0.5 dev rt0" {
		t.Fatalf("routed default route inside: %q", out)
	}
	if !nicHostPing(routed) {
		t.Fatalf("the host cannot ping the routed address %s", routed)
	}
	rtHost := e.get(t, name).Config["volatile.rt.host_name"]
	nicHostHas(t, []string{"ip", "-4", "addr", "show", "dev", rtHost}, "inet 169.254.0.5/32")
	nicHostHas(t, []string{"ip", "-4", "route", "show", "table", "2070"}, routed+" dev "+rtHost)
	nicHostHas(t, []string{"tc", "qdisc", "show", "dev", rtHost}, "qdisc htb")
	if got := nicListIPv4(t, d, name); got != routed+" (rt0)" {
		t.Fatalf("lxc list IPv4 = %q", got)
	}
	if got := strings.TrimSpace(d.MustLXC(t, "list", name, "--format", "csv", "-c", "6")); got != routed6+" (rt0)" {
		t.Fatalf("lxc list IPv6 = %q", got)
	}
	daemontest.Eventually(t, 10*time.Second, "the routed IPv6 address to answer the host", func() bool {
		return exec.Command("ping", "-6", "-c", "1", "-W", "1", routed6).Run() == nil
	})

	inst := e.get(t, name)
	nics := nicInside(t, e, name)
	p2pHost := inst.Config["volatile.pp.host_name"]
	if !nicHostLink(p2pHost) || nics["pp0"].Hwaddr != inst.Config["volatile.pp.hwaddr"] {
		t.Fatalf("p2p: host end %q exists %v, inside %+v", p2pHost, nicHostLink(p2pHost), nics["pp0"])
	}
	if _, err := os.Lstat(filepath.Join("/sys/class/net", p2pHost, "master")); err == nil {
		t.Fatalf("p2p host end %s is attached to a bridge", p2pHost)
	}
	nicHostHas(t, []string{"ip", "-4", "route", "show", p2pRoutes}, "dev "+p2pHost)
	if nicHostLink(phys) || nics["ph0"].Mtu != 1400 {
		t.Fatalf("physical: %s still on the host %v, inside %+v", phys, nicHostLink(phys), nics["ph0"])
	}
	if mv := nics["mv0"]; mv.Hwaddr == "" || mv.Hwaddr != inst.Config["volatile.mv.hwaddr"] {
		t.Fatalf("macvlan inside %+v, volatile hwaddr %q", mv, inst.Config["volatile.mv.hwaddr"])
	}

	// A routed NIC hot-plugged and unplugged.
	hot := sub + ".11"
	r := d.LXC(t, "config", "device", "add", name, "rt1", "nic", "nictype=routed", "ipv4.address="+hot, "name=rt1")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, `already uses "ipv4.gateway" in auto mode`) {
		t.Fatalf("second routed NIC with an automatic gateway: %+v", r)
	}
	d.MustLXC(t, "config", "device", "add", name, "rt1", "nic", "nictype=routed", "ipv4.address="+hot, "ipv4.gateway=none", "ipv6.gateway=none", "name=rt1")
	if _, ok := nicInside(t, e, name)["rt1"]; !ok || !nicHostRoute(t, hot) {
		t.Fatalf("hot-plugged routed NIC: inside %v, host route %v", ok, nicHostRoute(t, hot))
	}
	// LXD 5.0.2 leaves a hot-plugged routed NIC without its addresses
	// inside (down, as liblxc's attach leaves it); ours configures it as
	// at start.
	if got := nicAddrs(t, e, name, "rt1", "inet"); d.Kind == daemontest.Ours && (len(got) != 1 || got[0] != hot || !nicHostPing(hot)) {
		t.Fatalf("hot-plugged routed NIC: addresses %v", got)
	}
	// Started with the instance, it gets its address but (ipv4.gateway
	// none) no second default route.
	d.MustLXC(t, "restart", "--force", name)
	if got := nicAddrs(t, e, name, "rt1", "inet"); len(got) != 1 || got[0] != hot {
		t.Fatalf("routed NIC rt1 after restart: addresses %v", got)
	}
	if out := d.MustLXC(t, "exec", name, "--", "ip", "-4", "route", "show", "default"); strings.TrimSpace(out) != "default via 169.254.0.5 dev rt0" {
		t.Fatalf("default routes with a gateway-less second routed NIC: %q", out)
	}
	d.MustLXC(t, "config", "device", "remove", name, "rt1")
	if _, still := nicInside(t, e, name)["rt1"]; still || nicHostRoute(t, hot) {
		t.Fatalf("unplugged routed NIC: inside %v, host route %v", still, nicHostRoute(t, hot))
	}

	p2pHost = e.get(t, name).Config["volatile.pp.host_name"]
	d.MustLXC(t, "stop", "--force", name)
	daemontest.Eventually(t, 10*time.Second, "the physical NIC back on the host", func() bool { return nicHostLink(phys) })
	if mtu := nicHostMTU(t, phys); mtu != "1500" {
		t.Fatalf("physical NIC MTU after stop %s, want 1500", mtu)
	}
	if nicHostLink(p2pHost) || nicHostRoute(t, routed) || nicHostRoute(t, p2pRoutes) {
		t.Fatalf("after stop: p2p host end %v, routed host route %v, p2p routes %v", nicHostLink(p2pHost), nicHostRoute(t, routed), nicHostRoute(t, p2pRoutes))
	}
	if out, _ := exec.Command("ip", "-4", "route", "show", "table", "2070").Output(); strings.TrimSpace(string(out)) != "" {
		t.Fatalf("routes left in host_table 2070: %s", out)
	}
}

// nicHostHas runs a host command and checks its output contains want.
func nicHostHas(t *testing.T, cmd []string, want string) {
	t.Helper()
	out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("%v: want %q in output (err %v):\n%s", cmd, want, err, out)
	}
}

// nicHostRoute reports whether the host's main table routes addr.
func nicHostRoute(t *testing.T, addr string) bool {
	t.Helper()
	out, err := exec.Command("ip", "-4", "route", "show", addr).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out)) != ""
}

// nicHostMTU is a host interface's MTU.
func nicHostMTU(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/sys/class/net", name, "mtu"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestNICProfileHotplug(t *testing.T) { scenarioNICProfileHotplug(t, daemontest.Start(t)) }
func TestReferenceNICProfileHotplug(t *testing.T) {
	scenarioNICProfileHotplug(t, daemontest.StartReference(t))
}

// scenarioNICProfileHotplug: a NIC added to the default profile appears
// in the running instances using it, and goes away when removed.
func scenarioNICProfileHotplug(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub := nicNetwork(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	d.MustLXC(t, "start", name)
	d.MustLXC(t, "profile", "device", "add", "default", "eth0", "nic", "network="+br, "name=eth0")
	t.Cleanup(func() { d.LXC(t, "profile", "device", "remove", "default", "eth0") })
	inst := e.get(t, name)
	eth0, ok := nicInside(t, e, name)["eth0"]
	if !ok || eth0.Hwaddr == "" || eth0.Hwaddr != inst.Config["volatile.eth0.hwaddr"] || !nicHostLink(inst.Config["volatile.eth0.host_name"]) {
		t.Fatalf("profile NIC in the running instance: %+v, config %v", eth0, inst.Config)
	}
	d.MustLXC(t, "exec", name, "--", "udhcpc", "-i", "eth0", "-q", "-n", "-t", "5", "-T", "1", "-s", "/usr/share/udhcpc/default.script")
	if ip := nicWaitIPv4(t, e, name, "eth0"); !strings.HasPrefix(ip, sub+".") || !nicPing(t, d, name, sub+".1", "") {
		t.Fatalf("profile NIC got %q or cannot reach the bridge", ip)
	}
	host := inst.Config["volatile.eth0.host_name"]
	d.MustLXC(t, "profile", "device", "remove", "default", "eth0")
	if _, still := nicInside(t, e, name)["eth0"]; still || nicHostLink(host) {
		t.Fatalf("after the profile lost its NIC: inside %v, host end %v", still, nicHostLink(host))
	}
}

// TestNICUnsupportedKinds: what this kernel cannot do (802.1Q VLANs,
// ipvlan, SR-IOV) is accepted by validation as LXD does and then refused
// clearly at start, leaving the instance stopped and nothing on the host.
func TestNICUnsupportedKinds(t *testing.T) {
	d := daemontest.Start(t)
	e := newInstEnv(t, d)
	img := busyboxImage(t)
	e.img = &img
	br, _ := nicNetwork(t, d)
	phys, _ := nicVethPair(t)
	tests := []struct {
		name string
		dev  []string
		want string
	}{
		{"macvlan vlan", []string{"nictype=macvlan", "parent=" + br, "vlan=10"}, "not supported by this kernel"},
		{"ipvlan", []string{"nictype=ipvlan", "parent=" + br, "ipv4.address=10.207.250.2"}, "not supported by this kernel"},
		{"sriov", []string{"nictype=sriov", "parent=" + br}, "not supported by this server"},
		{"bridged vlan", []string{"nictype=bridged", "parent=" + br, "vlan=10"}, "not supported by this kernel"},
		{"bridged vlan.tagged", []string{"nictype=bridged", "parent=" + br, "vlan.tagged=10,11"}, "not supported by this kernel"},
		{"routed vlan", []string{"nictype=routed", "parent=" + br, "vlan=10", "ipv4.address=10.207.250.3"}, "not supported by this kernel"},
		{"physical vlan", []string{"nictype=physical", "parent=" + phys, "vlan=10"}, "not supported by this kernel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := daemontest.Name(t, "c")
			e.newBusybox(t, name)
			d.MustLXC(t, append([]string{"config", "device", "add", name, "n", "nic"}, tt.dev...)...)
			before := nicLinkCount(t)
			r := d.LXC(t, "start", name)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, tt.want) || !strings.Contains(r.Stderr, `device "n"`) {
				t.Fatalf("start: %+v, want an error with %q", r, tt.want)
			}
			if st := e.status(t, name); st != "Stopped" || nicLinkCount(t) != before {
				t.Fatalf("after the refused start: status %s, host links %d -> %d", st, before, nicLinkCount(t))
			}
			// Hot-plugged into a running instance: refused, not stored.
			d.MustLXC(t, "config", "device", "remove", name, "n")
			d.MustLXC(t, "start", name)
			inside := len(nicInside(t, e, name))
			r = d.LXC(t, append([]string{"config", "device", "add", name, "n", "nic"}, tt.dev...)...)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, tt.want) {
				t.Fatalf("hotplug: %+v, want an error with %q", r, tt.want)
			}
			// (Host links are not counted here: the instance's veths
			// and other tests' come and go meanwhile.)
			if _, stored := e.get(t, name).Devices["n"]; stored || len(nicInside(t, e, name)) != inside {
				t.Fatalf("after the refused hotplug: stored %v, interfaces inside %d -> %d", stored, inside, len(nicInside(t, e, name)))
			}
		})
	}
}

// nicLinkCount is the number of interfaces in the host namespace.
func nicLinkCount(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/sys/class/net")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestNICLeasesAfterDnsmasqRestart: a killed dnsmasq is restarted with
// its leases, and serves the same address to the instance again.
func TestNICLeasesAfterDnsmasqRestart(t *testing.T) {
	d := daemontest.Start(t)
	e := newInstEnv(t, d)
	br, _ := nicNetwork(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "device", "add", name, "eth0", "nic", "network="+br, "name=eth0")
	d.MustLXC(t, "start", name)
	ip := nicWaitIPv4(t, e, name, "eth0")
	nicCheckLeases(t, d, br, map[string]string{name: ip}, false)
	pids := dnsmasqPids(br)
	if len(pids) != 1 {
		t.Fatalf("dnsmasq for %s: %v", br, pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	daemontest.Eventually(t, 20*time.Second, "dnsmasq restarted", func() bool {
		p := dnsmasqPids(br)
		return len(p) == 1 && p[0] != pids[0]
	})
	for _, l := range nicLeases(t, d, br) {
		if l.Hostname == name && l.Address != ip {
			t.Fatalf("lease after the restart %+v, want %s", l, ip)
		}
	}
	d.MustLXC(t, "restart", "--force", name)
	if again := nicWaitIPv4(t, e, name, "eth0"); again != ip {
		t.Fatalf("address from the restarted dnsmasq %s, before %s", again, ip)
	}
	nicCheckLeases(t, d, br, map[string]string{name: ip}, false)
}

func TestNICPhysicalHotplug(t *testing.T) { scenarioNICPhysicalHotplug(t, daemontest.Start(t)) }
func TestReferenceNICPhysicalHotplug(t *testing.T) {
	scenarioNICPhysicalHotplug(t, daemontest.StartReference(t))
}

// scenarioNICPhysicalHotplug: a physical NIC hot-plugged into a running
// container comes back to the host under its name with its MTU when
// unplugged, and when the container stops.
func scenarioNICPhysicalHotplug(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	phys, _ := nicVethPair(t)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	d.MustLXC(t, "start", name)
	for round := 0; round < 2; round++ {
		d.MustLXC(t, "config", "device", "add", name, "ph", "nic", "nictype=physical", "parent="+phys, "name=ph0", "mtu=1400")
		if ph, ok := nicInside(t, e, name)["ph0"]; !ok || ph.Mtu != 1400 || nicHostLink(phys) {
			t.Fatalf("round %d: hot-plugged physical NIC inside %v %+v, still on the host %v", round, ok, ph, nicHostLink(phys))
		}
		if round == 0 {
			d.MustLXC(t, "config", "device", "remove", name, "ph")
		} else {
			d.MustLXC(t, "stop", "--force", name)
		}
		daemontest.Eventually(t, 10*time.Second, "the physical NIC back on the host", func() bool { return nicHostLink(phys) })
		if mtu := nicHostMTU(t, phys); mtu != "1500" {
			t.Fatalf("round %d: MTU back on the host %s, want 1500", round, mtu)
		}
	}
}

func TestNICRoutedNeighborProbe(t *testing.T) { scenarioNICRoutedNeighborProbe(t, daemontest.Start(t)) }
func TestReferenceNICRoutedNeighborProbe(t *testing.T) {
	scenarioNICRoutedNeighborProbe(t, daemontest.StartReference(t))
}

// scenarioNICRoutedNeighborProbe: a routed NIC with a parent refuses to
// start on an address the parent network already uses, and publishes a
// free one there by proxy ARP.
func scenarioNICRoutedNeighborProbe(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br, sub := nicNetwork(t, d)
	owner, name := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	e.newBusybox(t, owner)
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "device", "add", owner, "eth0", "nic", "network="+br, "name=eth0")
	d.MustLXC(t, "start", owner)
	taken := nicWaitIPv4(t, e, owner, "eth0")
	d.MustLXC(t, "config", "device", "add", name, "rt", "nic", "nictype=routed", "parent="+br, "ipv4.address="+taken, "name=rt0")
	r := d.LXC(t, "start", name)
	want := `Failed to start device "rt": IP address "` + taken + `" in use on parent network "` + br + `"`
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, want) {
		t.Fatalf("start on a used address: %+v, want %q", r, want)
	}
	free := sub + ".240"
	d.MustLXC(t, "config", "device", "set", name, "rt", "ipv4.address="+free)
	d.MustLXC(t, "start", name)
	nicHostHas(t, []string{"ip", "neigh", "show", "proxy", "dev", br}, free)
	if !nicHostPing(free) {
		t.Fatalf("the host cannot ping %s", free)
	}
	d.MustLXC(t, "stop", "--force", name)
	if out, _ := exec.Command("ip", "neigh", "show", "proxy", "dev", br).Output(); strings.Contains(string(out), free) {
		t.Fatalf("proxy ARP entry for %s left after stop: %s", free, out)
	}
}

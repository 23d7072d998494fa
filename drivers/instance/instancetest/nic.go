package instancetest

import (
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/instance"
)

// testNICHotplug: a prepared host interface (one end of a veth pair) is
// moved into a running container with its name, MAC, MTU, addresses and
// default route, and moved back to the host under its name on detach.
func testNICHotplug(t *testing.T, e *env) {
	h, ok := e.drv.(instance.Hotplugger)
	if !ok || e.drv.Info().Type != "container" {
		t.Skip("driver cannot hotplug NICs")
	}
	host, peer := "lxdngct"+randomHex(4), "lxdngcp"+randomHex(4)
	if out, err := exec.Command("ip", "link", "add", host, "type", "veth", "peer", "name", peer).CombinedOutput(); err != nil {
		t.Fatalf("ip link add: %v: %s (install iproute2)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", host).Run() })
	s := e.started(false, nil)
	hwaddr := "00:16:3e:" + randomHex(1) + ":" + randomHex(1) + ":" + randomHex(1)
	nic := instance.NIC{Type: "phys", Name: "eth7", HostName: peer, Hwaddr: hwaddr, MTU: 1400,
		IPv4: []string{"10.207.251.2/32"}, IPv4Gateway: "169.254.0.1"}
	dev := instance.DeviceSpec{Name: "eth7", NICs: []instance.NIC{nic}}
	bad := instance.DeviceSpec{Name: "bad", NICs: []instance.NIC{{Type: "veth", Name: "eth8"}}}
	if err := h.AttachDevice(ctx(t), s.Ref, bad); err == nil {
		t.Fatal("a NIC liblxc would have to create was hot-plugged")
	}
	if err := h.AttachDevice(ctx(t), s.Ref, dev); err != nil {
		t.Fatal(err)
	}
	eth7, ok := e.state(s.Ref).Network["eth7"]
	if !ok || eth7.Hwaddr != hwaddr || eth7.Mtu != 1400 || eth7.State != "up" {
		t.Fatalf("hot-plugged eth7: %v %+v", ok, eth7)
	}
	if !hasAddress(eth7, "10.207.251.2") {
		t.Fatalf("hot-plugged eth7 addresses: %+v", eth7.Addresses)
	}
	if got := e.output(s.Ref, "ip", "-4", "route", "show", "default"); !strings.Contains(got, "via 169.254.0.1 dev eth7") {
		t.Fatalf("default route inside: %q", got)
	}
	if _, err := net.InterfaceByName(peer); err == nil {
		t.Fatal("the hot-plugged interface is still on the host")
	}
	if err := h.DetachDevice(ctx(t), s.Ref, dev); err != nil {
		t.Fatal(err)
	}
	if _, still := e.state(s.Ref).Network["eth7"]; still {
		t.Fatal("eth7 still inside after DetachDevice")
	}
	if _, err := net.InterfaceByName(peer); err != nil {
		t.Fatalf("the detached interface is not back on the host: %v", err)
	}
}

func hasAddress(n instance.NetworkState, addr string) bool {
	for _, a := range n.Addresses {
		if a.Address == addr {
			return true
		}
	}
	return false
}

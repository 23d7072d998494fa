//go:build integration

package api_test

import (
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioRebootInside: `reboot` inside the container brings it back up
// (new init), and `poweroff` inside stops it for good.
func scenarioRebootInside(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	br := daemontest.Name(t, "br")
	d.MustLXC(t, "network", "create", br, "ipv4.address="+testSubnet(br), "ipv4.nat=false", "ipv6.address=none")
	t.Cleanup(func() { d.LXC(t, "network", "delete", br) })
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "device", "add", name, "eth0", "nic", "network="+br, "name=eth0")
	d.MustLXC(t, "start", name)
	pid := e.state(t, name).Pid
	d.LXC(t, "exec", name, "--", "reboot")
	daemontest.Eventually(t, 30*time.Second, "restarted with a new init and its NIC", func() bool {
		st := e.state(t, name)
		_, nic := st.Network["eth0"]
		return st.Status == "Running" && st.Pid != 0 && st.Pid != pid && nic
	})
	d.LXC(t, "exec", name, "--", "poweroff")
	e.waitStatus(t, name, "Stopped")
	daemontest.Eventually(t, 30*time.Second, "power state recorded", func() bool {
		return e.get(t, name).Config["volatile.last_state.power"] == "STOPPED"
	})
}

func TestInstanceRebootInside(t *testing.T) { scenarioRebootInside(t, daemontest.Start(t)) }
func TestReferenceInstanceRebootInside(t *testing.T) {
	scenarioRebootInside(t, daemontest.StartReference(t))
}

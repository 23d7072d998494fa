//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioHotplugVolume: a custom volume attached to a running container
// and detached again (or present since the start and removed while it
// runs) is free once detached: it can be deleted without stopping the
// container. A custom block volume cannot be attached to a container.
func scenarioHotplugVolume(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "a34c")
	e.newBusybox(t, name)
	d.MustLXC(t, "storage", "volume", "create", e.pool, "a34early")
	d.MustLXC(t, "storage", "volume", "create", e.pool, "a34late")
	t.Cleanup(func() {
		d.LXC(t, "storage", "volume", "delete", e.pool, "a34early")
		d.LXC(t, "storage", "volume", "delete", e.pool, "a34late")
	})
	d.MustLXC(t, "storage", "volume", "attach", e.pool, "a34early", name, "/mnt/early")
	d.MustLXC(t, "start", name)
	e.waitStatus(t, name, "Running")

	d.MustLXC(t, "storage", "volume", "attach", e.pool, "a34late", name, "/mnt/late")
	d.MustLXC(t, "exec", name, "--", "sh", "-c", "echo late > /mnt/late/f && echo early > /mnt/early/f")
	if r := d.LXC(t, "storage", "volume", "delete", e.pool, "a34late"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "still in use") {
		t.Fatalf("deleting an attached volume: exit %d %s", r.ExitCode, r.Stderr)
	}
	d.MustLXC(t, "storage", "volume", "detach", e.pool, "a34late", name)
	d.MustLXC(t, "storage", "volume", "detach", e.pool, "a34early", name)
	if out := d.MustLXC(t, "exec", name, "--", "sh", "-c", "ls /mnt/late /mnt/early 2>/dev/null | grep -c f || true"); strings.TrimSpace(out) != "0" {
		t.Errorf("volume content still visible inside after detach: %q", out)
	}
	d.MustLXC(t, "storage", "volume", "delete", e.pool, "a34late")
	d.MustLXC(t, "storage", "volume", "delete", e.pool, "a34early")
	if e.status(t, name) != "Running" {
		t.Errorf("container no longer running")
	}

	// A custom block volume is for VMs: refused on a container. It cannot
	// shrink either.
	d.MustLXC(t, "storage", "volume", "create", e.pool, "a34blk", "--type=block", "size=8MiB")
	t.Cleanup(func() { d.LXC(t, "storage", "volume", "delete", e.pool, "a34blk") })
	if msg := e.lxcFails(t, "storage", "volume", "attach", e.pool, "a34blk", name, "/dev/xvdb"); !strings.Contains(msg, "Custom block volumes cannot be used on containers") {
		t.Errorf("block volume attached to a container: %s", msg)
	}
	if msg := e.lxcFails(t, "storage", "volume", "set", e.pool, "a34blk", "size", "4MiB"); !strings.HasSuffix(strings.TrimSpace(msg), "Error: Block volumes cannot be shrunk: Cannot be shrunk") {
		t.Errorf("shrinking a block volume: %q", msg)
	}
}

func TestInstanceHotplugVolume(t *testing.T) { scenarioHotplugVolume(t, daemontest.Start(t)) }

func TestReferenceInstanceHotplugVolume(t *testing.T) {
	scenarioHotplugVolume(t, daemontest.StartReference(t))
}

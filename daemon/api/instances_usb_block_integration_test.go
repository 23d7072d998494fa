//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioUSBAndUnixBlock: a usb device (no such hardware here) does not
// stop a container from starting and can be added and removed while it
// runs; unix-block devices by major/minor appear as block nodes at start
// and when hot-plugged, and disappear when removed.
func scenarioUSBAndUnixBlock(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "a34c")
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "device", "add", name, "u1", "usb", "vendorid=1d6b", "productid=0002")
	d.MustLXC(t, "config", "device", "add", name, "blk", "unix-block", "path=/dev/a34blk", "major=7", "minor=200")
	d.MustLXC(t, "start", name)
	e.waitStatus(t, name, "Running")
	if out := d.MustLXC(t, "exec", name, "--", "ls", "-l", "/dev/a34blk"); !strings.HasPrefix(out, "b") || !strings.Contains(out, "7, 200") {
		t.Errorf("unix-block node: %q", out)
	}
	d.MustLXC(t, "config", "device", "add", name, "u2", "usb", "vendorid=1d6b")
	d.MustLXC(t, "config", "device", "add", name, "blk2", "unix-block", "path=/dev/a34blk2", "major=7", "minor=201")
	if out := d.MustLXC(t, "exec", name, "--", "ls", "-l", "/dev/a34blk2"); !strings.HasPrefix(out, "b") {
		t.Errorf("hot-plugged unix-block node: %q", out)
	}
	d.MustLXC(t, "config", "device", "remove", name, "u1", "u2", "blk", "blk2")
	if r := d.LXC(t, "exec", name, "--", "ls", "/dev/a34blk", "/dev/a34blk2"); r.ExitCode == 0 {
		t.Errorf("unix-block nodes left after removal: %q", r.Stdout)
	}
	if e.status(t, name) != "Running" {
		t.Error("container stopped")
	}

	// A removed disk's mount point goes when empty (even /mnt, which the
	// image had); a directory with content stays.
	d.MustLXC(t, "exec", name, "--", "sh", "-c", "mkdir -p /srv/keep && touch /srv/keep/x")
	src := t.TempDir()
	d.MustLXC(t, "config", "device", "add", name, "m1", "disk", "source="+src, "path=/mnt")
	d.MustLXC(t, "config", "device", "add", name, "m2", "disk", "source="+src, "path=/srv/keep")
	d.MustLXC(t, "config", "device", "remove", name, "m1", "m2")
	if r := d.LXC(t, "exec", name, "--", "ls", "-d", "/mnt"); r.ExitCode == 0 {
		t.Errorf("empty mount point left after removal")
	}
	if r := d.LXC(t, "exec", name, "--", "ls", "/srv/keep/x"); r.ExitCode != 0 {
		t.Errorf("directory with content removed: %+v", r)
	}
}

func TestInstanceUSBAndUnixBlock(t *testing.T) { scenarioUSBAndUnixBlock(t, daemontest.Start(t)) }

func TestReferenceInstanceUSBAndUnixBlock(t *testing.T) {
	scenarioUSBAndUnixBlock(t, daemontest.StartReference(t))
}

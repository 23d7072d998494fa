//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioMovePool: `lxc move c1 -s pool2` (instance_pool_move) moves a
// stopped container to another pool with its content, config and
// snapshots; with a new name and --instance-only the snapshots stay
// behind; a running container is refused (no CRIU) and left as it was;
// changing the root disk's pool by editing the instance is refused.
func scenarioMovePool(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	other := newInstEnv(t, d).pool
	name := daemontest.Name(t, "a34c")
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "set", name, "user.keep", "yes")
	d.MustLXC(t, "start", name)
	d.MustLXC(t, "exec", name, "--", "sh", "-c", "echo moved > /root/f")
	d.MustLXC(t, "snapshot", name, "s1")
	if msg := e.lxcFails(t, "move", name, "-s", other); !strings.Contains(msg, "CRIU") {
		t.Errorf("moving a running container: %s", msg)
	}
	if got := strings.TrimSpace(d.MustLXC(t, "list", name, "-c", "nsb", "-f", "csv")); got != name+",RUNNING,"+e.pool {
		t.Fatalf("after a refused move: %q", got)
	}
	d.MustLXC(t, "stop", "-f", name)
	// Editing the root disk's pool would orphan the volume: refused.
	if msg := e.lxcFails(t, "config", "device", "set", name, "root", "pool="+other); !strings.Contains(msg, `Cannot update root disk device pool name to "`+other+`"`) {
		t.Errorf("changing the root pool by edit: %s", msg)
	}

	d.MustLXC(t, "move", name, "-s", other)
	if got := strings.TrimSpace(d.MustLXC(t, "list", name, "-c", "nb", "-f", "csv")); got != name+","+other {
		t.Fatalf("after move: %q", got)
	}
	inst := e.get(t, name)
	if inst.Config["user.keep"] != "yes" || inst.Devices["root"]["pool"] != other {
		t.Errorf("moved config %v devices %v", inst.Config, inst.Devices)
	}
	if out := d.MustLXC(t, "storage", "volume", "list", other, "-f", "csv", "-c", "tn"); !strings.Contains(out, "container (snapshot),"+name+"/s1") {
		t.Errorf("snapshot not moved:\n%s", out)
	}
	if out := d.MustLXC(t, "storage", "volume", "list", e.pool, "-f", "csv", "-c", "tn"); strings.Contains(out, name) {
		t.Errorf("volumes left on the old pool:\n%s", out)
	}
	d.MustLXC(t, "start", name)
	if out := d.MustLXC(t, "exec", name, "--", "cat", "/root/f"); strings.TrimSpace(out) != "moved" {
		t.Errorf("content after move: %q", out)
	}
	d.MustLXC(t, "stop", "-f", name)

	renamed := daemontest.Name(t, "a34c")
	e.cleanupInstance(t, renamed)
	d.MustLXC(t, "move", name, renamed, "-s", e.pool, "--instance-only")
	if e.exists(t, name) {
		t.Errorf("%s still exists after move to %s", name, renamed)
	}
	if got := strings.TrimSpace(d.MustLXC(t, "list", renamed, "-c", "nbS", "-f", "csv")); got != renamed+","+e.pool+",0" {
		t.Errorf("after move --instance-only with a new name: %q", got)
	}
	if out := d.MustLXC(t, "storage", "volume", "list", other, "-f", "csv", "-c", "tn"); strings.Contains(out, "container") {
		t.Errorf("volumes left on the old pool:\n%s", out)
	}
}

func TestInstanceMovePool(t *testing.T) { scenarioMovePool(t, daemontest.Start(t)) }

func TestReferenceInstanceMovePool(t *testing.T) { scenarioMovePool(t, daemontest.StartReference(t)) }

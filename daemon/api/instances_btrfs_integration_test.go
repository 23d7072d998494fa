//go:build integration

package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioBtrfs: instances on a btrfs pool (on a loop file) are clones of
// one unpacked image volume; snapshot, restore, copy and delete work on
// subvolumes.
func scenarioBtrfs(t *testing.T, d *daemontest.Daemon) {
	pool := daemontest.Name(t, "b")
	d.MustLXC(t, "storage", "create", pool, "btrfs", "size=1GiB")
	t.Cleanup(func() { d.LXC(t, "storage", "delete", pool) })
	alias := daemontest.Name(t, "bb")
	d.MustLXC(t, "image", "import", busyboxImage(t).Unified, "--alias", alias)
	t.Cleanup(func() { d.LXC(t, "image", "delete", alias) })
	e := &instEnv{d: d, pool: pool}
	c1, c2, c3 := daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c")
	for _, c := range []string{c1, c2, c3} {
		e.cleanupInstance(t, c)
	}
	d.MustLXC(t, "launch", alias, c1, "-s", pool)
	d.MustLXC(t, "init", alias, c2, "-s", pool)
	var vols []map[string]any
	if err := json.Unmarshal([]byte(d.MustLXC(t, "query", "/1.0/storage-pools/"+pool+"/volumes?recursion=1")), &vols); err != nil {
		t.Fatal(err)
	}
	images := 0
	for _, v := range vols {
		if v["type"] == "image" {
			images++
		}
	}
	if images != 1 {
		t.Fatalf("%d image volumes in %v", images, vols)
	}
	d.MustLXC(t, "exec", c1, "--", "sh", "-c", "echo one > /marker")
	d.MustLXC(t, "snapshot", c1, "s0")
	d.MustLXC(t, "exec", c1, "--", "sh", "-c", "echo two > /marker")
	d.MustLXC(t, "restore", c1, "s0")
	e.waitStatus(t, c1, "Running")
	if out := d.MustLXC(t, "exec", c1, "--", "cat", "/marker"); strings.TrimSpace(out) != "one" {
		t.Fatalf("marker after restore %q", out)
	}
	d.MustLXC(t, "copy", c1, c3)
	d.MustLXC(t, "start", c3)
	if out := d.MustLXC(t, "exec", c3, "--", "cat", "/marker"); strings.TrimSpace(out) != "one" {
		t.Fatalf("marker in copy %q", out)
	}
	for _, c := range []string{c1, c2, c3} {
		d.MustLXC(t, "delete", "-f", c)
	}
}

func TestInstanceBtrfs(t *testing.T)          { scenarioBtrfs(t, daemontest.Start(t)) }
func TestReferenceInstanceBtrfs(t *testing.T) { scenarioBtrfs(t, daemontest.StartReference(t)) }

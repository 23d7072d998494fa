//go:build integration

package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/daemon/images/imagefile"
)

// Moves and copies between the members of a cluster with the real lxc
// 5.0.2: `lxc move c1 --target m2` and `lxc copy c1 c2 --target m3` of a
// stopped busybox container with a snapshot.

// clusterInstanceVolume is an instance's volume directory on a member.
func clusterInstanceVolume(m *daemontest.Member, pool, name string) string {
	vol := "default_" + name
	if m.Kind == daemontest.Reference {
		vol = name
	}
	return filepath.Join(m.Dir, "storage-pools", pool, "containers", vol)
}

// clusterLocations maps instance name -> member from `lxc list`.
func clusterLocations(t *testing.T, m *daemontest.Member) map[string]string {
	t.Helper()
	out := m.MustLXC(t, "list", "-c", "nL", "--format", "csv")
	locs := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if name, member, ok := strings.Cut(l, ","); ok {
			locs[name] = member
		}
	}
	return locs
}

func scenarioMigrateCluster(t *testing.T, c *daemontest.TestCluster) {
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]
	pool := daemontest.Name(t, "cp")
	for _, m := range c.Members {
		m1.MustLXC(t, "storage", "create", pool, "dir", "--target", m.Name)
	}
	m1.MustLXC(t, "storage", "create", pool, "dir")
	t.Cleanup(func() { m1.LXC(t, "storage", "delete", pool) })
	for _, n := range []string{"c1", "c2", "c3"} {
		n := n
		t.Cleanup(func() { m1.LXC(t, "delete", "-f", n) })
	}
	m1.MustLXC(t, "init", "c1", "--empty", "-s", pool, "--target", "m1", "-c", "user.k=v")
	img := busyboxImage(t)
	if err := imagefile.UnpackFile(context.Background(), img.Unified, clusterInstanceVolume(m1, pool, "c1"),
		imagefile.UnpackOpts{Layout: imagefile.LayoutImage, AllowDevices: true}); err != nil {
		t.Fatal(err)
	}
	m1.MustLXC(t, "snapshot", "c1", "s1")
	migrateWrite(t, filepath.Join(clusterInstanceVolume(m1, pool, "c1"), "rootfs"), map[string]string{"marker": "moved"})

	m1.MustLXC(t, "move", "c1", "--target", "m2")
	if locs := clusterLocations(t, m1); locs["c1"] != "m2" || len(locs) != 1 {
		t.Fatalf("after the move: %v", locs)
	}
	if got := strings.TrimSpace(m1.MustLXC(t, "query", "/1.0/instances/c1/snapshots")); !strings.Contains(got, "/1.0/instances/c1/snapshots/s1") {
		t.Errorf("snapshots after the move: %s", got)
	}
	if cfg := m1.MustLXC(t, "config", "get", "c1", "user.k"); strings.TrimSpace(cfg) != "v" {
		t.Errorf("config after the move: %q", cfg)
	}
	if got := migrateTree(t, filepath.Join(clusterInstanceVolume(m2, pool, "c1"), "rootfs"))["marker"]; got != "moved" {
		t.Errorf("content on m2: %q", got)
	}

	m1.MustLXC(t, "copy", "c1", "c2", "--target", "m3")
	if locs := clusterLocations(t, m1); locs["c1"] != "m2" || locs["c2"] != "m3" {
		t.Fatalf("after the copy: %v", locs)
	}
	if got := migrateTree(t, filepath.Join(clusterInstanceVolume(m3, pool, "c2"), "rootfs"))["marker"]; got != "moved" {
		t.Errorf("content on m3: %q", got)
	}
	if got := strings.TrimSpace(m1.MustLXC(t, "query", "/1.0/instances/c2/snapshots")); !strings.Contains(got, "/1.0/instances/c2/snapshots/s1") {
		t.Errorf("snapshots of the copy: %s", got)
	}
	// A snapshot held by another member copies too.
	m1.MustLXC(t, "copy", "c1/s1", "c3", "--target", "m3")
	if locs := clusterLocations(t, m1); locs["c3"] != "m3" {
		t.Fatalf("after the snapshot copy: %v", locs)
	}
	if _, err := os.Stat(filepath.Join(clusterInstanceVolume(m3, pool, "c3"), "rootfs", "marker")); !os.IsNotExist(err) {
		t.Errorf("the snapshot copy has the marker written after the snapshot: %v", err)
	}
	// The copy starts on its member.
	m3.MustLXC(t, "start", "c2")
	if got := strings.TrimSpace(m3.MustLXC(t, "exec", "c2", "--", "cat", "/marker")); got != "moved" {
		t.Errorf("marker inside c2: %q", got)
	}
	m3.MustLXC(t, "stop", "c2", "-f")
}

func TestMigrateCluster(t *testing.T) {
	scenarioMigrateCluster(t, daemontest.Cluster(t, 3))
}

func TestReferenceMigrateCluster(t *testing.T) {
	scenarioMigrateCluster(t, daemontest.ReferenceCluster(t, 3))
}

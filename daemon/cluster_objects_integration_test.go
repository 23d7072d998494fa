//go:build integration

package daemon_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestClusterObjects: storage pools, instances, images and networks of a
// 3-member cluster behave as one, driven with the real lxc 5.0.2 through
// member 2 (one cluster for every subtest: forming it is the slow part).
func TestClusterObjects(t *testing.T) {
	c := daemontest.Cluster(t, 3)
	t.Run("pools", func(t *testing.T) { checkClusterPools(t, c) })
}

// clusterQuery runs lxc query on m and decodes the answer into out.
func clusterQuery(t *testing.T, m *daemontest.Member, path string, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(m.MustLXC(t, "query", path)), out); err != nil {
		t.Fatalf("lxc query %s: %v", path, err)
	}
}

// clusterFails runs lxc on m, expecting a failure whose message contains want.
func clusterFails(t *testing.T, m *daemontest.Member, want string, args ...string) {
	t.Helper()
	r := m.LXC(t, args...)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, want) {
		t.Fatalf("lxc %s: exit %d, stderr %q; want an error containing %q", strings.Join(args, " "), r.ExitCode, r.Stderr, want)
	}
}

// checkClusterPools: the pending/created flow of a dir pool, the per-member
// view, a member's failure (Errored), member_config, deletion everywhere.
func checkClusterPools(t *testing.T, c *daemontest.TestCluster) {
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]
	pool := daemontest.Name(t, "p")
	clusterFails(t, m2, "Pool not pending on any node (use --target <node> first)", "storage", "create", pool, "dir")
	out := m2.MustLXC(t, "storage", "create", pool, "dir", "--target", "m1")
	if !strings.Contains(out, "Storage pool "+pool+" pending on member m1") {
		t.Fatalf("targeted create: %q", out)
	}
	t.Cleanup(func() { m2.LXC(t, "storage", "delete", pool) })
	clusterFails(t, m2, `The storage pool already defined on member "m1"`, "storage", "create", pool, "dir", "--target", "m1")
	clusterFails(t, m2, `Config key "rsync.bwlimit" may not be used as member-specific key`,
		"storage", "create", pool, "dir", "rsync.bwlimit=10", "--target", "m2")
	clusterFails(t, m2, "Pool not defined on nodes: m2, m3", "storage", "create", pool, "dir")
	var p api.StoragePool
	clusterQuery(t, m2, "/1.0/storage-pools/"+pool, &p)
	if p.Status != "Pending" || strings.Join(p.Locations, ",") != "m1" || len(p.Config) != 0 {
		t.Fatalf("pending pool: %+v", p)
	}
	m2.MustLXC(t, "storage", "create", pool, "dir", "--target", "m2")
	m2.MustLXC(t, "storage", "create", pool, "dir", "--target", "m3")
	clusterFails(t, m2, `Config key "source" is cluster member specific`, "storage", "create", pool, "dir", "source=/x")
	if out := m2.MustLXC(t, "storage", "create", pool, "dir"); !strings.Contains(out, "Storage pool "+pool+" created") {
		t.Fatalf("global create: %q", out)
	}
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool, &p)
	if p.Status != "Created" || strings.Join(p.Locations, ",") != "m1,m2,m3" || len(p.Config) != 0 {
		t.Fatalf("created pool: %+v", p)
	}
	for _, m := range c.Members {
		clusterQuery(t, m1, "/1.0/storage-pools/"+pool+"?target="+m.Name, &p)
		want := filepath.Join(m.Dir, "storage-pools", pool)
		if p.Config["source"] != want || p.Status != "Created" {
			t.Fatalf("pool on %s: %+v, want source %s", m.Name, p, want)
		}
		if st, err := os.Stat(want); err != nil || !st.IsDir() {
			t.Fatalf("pool directory on %s: %v", m.Name, err)
		}
	}
	var cl api.Cluster
	clusterQuery(t, m3, "/1.0/cluster", &cl)
	found := false
	for _, k := range cl.MemberConfig {
		found = found || (k.Entity == "storage-pool" && k.Name == pool && k.Key == "source" &&
			k.Description == `"source" property for storage pool "`+pool+`"`)
	}
	if !found {
		t.Fatalf("member_config lacks the pool's source: %+v", cl.MemberConfig)
	}
	clusterFails(t, m2, `Config key "source" is cluster member specific`, "storage", "set", pool, "source", "/y")
	m2.MustLXC(t, "storage", "set", pool, "rsync.bwlimit", "10")
	m2.MustLXC(t, "storage", "delete", pool)
	for _, m := range c.Members {
		if _, err := os.Stat(filepath.Join(m.Dir, "storage-pools", pool)); !os.IsNotExist(err) {
			t.Fatalf("pool directory left on %s: %v", m.Name, err)
		}
	}
	checkClusterPoolFailure(t, c)
	_ = m3
}

// checkClusterPoolFailure: a member whose part can't be created leaves the
// pool Errored with that member's error; running the create again retries.
func checkClusterPoolFailure(t *testing.T, c *daemontest.TestCluster) {
	m2 := c.Members[1]
	pool := daemontest.Name(t, "p")
	bad := filepath.Join(t.TempDir(), "afile")
	if err := os.WriteFile(bad, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	m2.MustLXC(t, "storage", "create", pool, "dir", "--target", "m1")
	t.Cleanup(func() { m2.LXC(t, "storage", "delete", pool) })
	m2.MustLXC(t, "storage", "create", pool, "dir", "--target", "m2")
	m2.MustLXC(t, "storage", "create", pool, "dir", "source="+bad, "--target", "m3")
	r := m2.LXC(t, "storage", "create", pool, "dir")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, `"m3"`) {
		t.Fatalf("create with a bad source on m3: exit %d %s", r.ExitCode, r.Stderr)
	}
	var p api.StoragePool
	clusterQuery(t, m2, "/1.0/storage-pools/"+pool, &p)
	if p.Status != "Errored" {
		t.Fatalf("pool after a member failed: %+v", p)
	}
	clusterQuery(t, m2, "/1.0/storage-pools/"+pool+"?target=m3", &p)
	if p.Status != "Pending" {
		t.Fatalf("failed member's view: %+v", p)
	}
	clusterQuery(t, m2, "/1.0/storage-pools/"+pool+"?target=m1", &p)
	if p.Status != "Created" {
		t.Fatalf("good member's view: %+v", p)
	}
	m2.MustLXC(t, "storage", "delete", pool)
}

var _ = context.Background

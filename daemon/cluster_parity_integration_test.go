//go:build integration

package daemon_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// scenarioClusterParity: details of a 2-member cluster where our answers
// once differed from LXD 5.0.2's: custom volumes in a pool's used_by carry
// their member and a member's view lists only its objects; a volume name
// held by two members must be targeted; a created pool can't be defined on
// a member again; only member keys change through --target; member config
// unset; rename clash; cluster config validation.
func scenarioClusterParity(t *testing.T, c *daemontest.TestCluster) {
	m1 := c.Members[0]
	ctx := context.Background()
	pool := daemontest.Name(t, "a6q")
	for _, m := range c.Members {
		m1.MustLXC(t, "storage", "create", pool, "dir", "--target", m.Name)
	}
	m1.MustLXC(t, "storage", "create", pool, "dir")
	t.Cleanup(func() { m1.LXC(t, "storage", "delete", pool) })
	m1.MustLXC(t, "storage", "volume", "create", pool, "v1", "--target", "m1")
	t.Cleanup(func() { m1.LXC(t, "storage", "volume", "delete", pool, "v1", "--target", "m1") })
	m1.MustLXC(t, "storage", "volume", "create", pool, "v1", "--target", "m2")
	t.Cleanup(func() { m1.LXC(t, "storage", "volume", "delete", pool, "v1", "--target", "m2") })
	m1.MustLXC(t, "storage", "volume", "create", pool, "v2", "--target", "m2")
	t.Cleanup(func() { m1.LXC(t, "storage", "volume", "delete", pool, "v2", "--target", "m2") })

	vols := "/1.0/storage-pools/" + pool + "/volumes/custom/"
	var p api.StoragePool
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool, &p)
	if got, want := strings.Join(p.UsedBy, " "), vols+"v1?target=m1 "+vols+"v1?target=m2 "+vols+"v2?target=m2"; got != want {
		t.Fatalf("used_by:\n got %s\nwant %s", got, want)
	}
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool+"?target=m1", &p)
	if got, want := strings.Join(p.UsedBy, " "), vols+"v1?target=m1"; got != want {
		t.Fatalf("used_by seen from m1:\n got %s\nwant %s", got, want)
	}

	ambiguous := `More than one cluster member has a volume named "v1". Please target a specific member`
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		_, _, err := m1.Client.Query(ctx, method, vols+"v1", nil, "")
		if !api.IsStatus(err, http.StatusInternalServerError) || err.Error() != ambiguous {
			t.Fatalf("%s of a volume on two members: %v (%d)", method, err, api.StatusOf(err))
		}
	}
	clusterFails(t, m1, "Storage pool is not in pending state", "storage", "create", pool, "dir", "--target", "m1")
	clusterFails(t, m1, `Config key "volume.size" may not be used as cluster member specific key`,
		"storage", "set", pool, "volume.size", "1GiB", "--target", "m1")

	clusterFails(t, m1, `Invalid cluster configuration key "scheduler.instance" value`, "cluster", "set", "m2", "scheduler.instance", "bogus")
	m1.MustLXC(t, "cluster", "set", "m2", "scheduler.instance", "manual")
	m1.MustLXC(t, "cluster", "set", "m2", "user.a6", "x")
	m1.MustLXC(t, "cluster", "unset", "m2", "scheduler.instance")
	if cfg := memberOf(t, m1, "m2").Config; len(cfg) != 1 || cfg["user.a6"] != "x" {
		t.Fatalf("member config after unset: %v", cfg)
	}
	_, _, err := m1.Client.Query(ctx, http.MethodPost, "/1.0/cluster/members/m2", map[string]string{"server_name": "m1"}, "")
	if !api.IsStatus(err, http.StatusConflict) || err.Error() != "Conflict" {
		t.Fatalf("rename onto an existing member: %v (%d)", err, api.StatusOf(err))
	}

	clusterFails(t, m1, "Value must be greater than '10'", "config", "set", "cluster.offline_threshold", "10")
	m1.MustLXC(t, "config", "set", "cluster.offline_threshold", "100000")
	m1.MustLXC(t, "config", "unset", "cluster.offline_threshold")
	clusterFails(t, m1, "Invalid expiry expression", "config", "set", "cluster.join_token_expiry", "bogus")

	// Two voters left by a removal: the follower stops voting (LXD 5.0.2
	// leaves it a spare; ours makes it a stand-by, as in a pair formed by
	// a join).
	m1.MustLXC(t, "cluster", "remove", "m3", "--force", "--yes")
	c.Members = c.Members[:2]
	want := "m1:database-leader+database m2:database-standby"
	if c.Kind == daemontest.Reference {
		want = "m1:database-leader+database m2:"
	}
	daemontest.Eventually(t, 30*time.Second, "one voter left", func() bool {
		var members []api.ClusterMember
		_, err := m1.Client.Get(ctx, "/1.0/cluster/members?recursion=1", &members)
		roles := []string{}
		for _, m := range members {
			roles = append(roles, m.ServerName+":"+strings.Join(m.Roles, "+"))
		}
		sort.Strings(roles)
		return err == nil && strings.Join(roles, " ") == want
	})
}

// The third member only serves the removal at the end.
func TestClusterParity(t *testing.T) { scenarioClusterParity(t, daemontest.Cluster(t, 3)) }

func TestReferenceClusterParity(t *testing.T) {
	scenarioClusterParity(t, daemontest.ReferenceCluster(t, 3))
}

//go:build integration

package daemon_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestClusterFailover kills the database leader with SIGKILL: a survivor
// accepts writes within 10s, calls for the dead member fail fast naming it,
// the member goes Offline after cluster.offline_threshold, and comes back
// Online and up to date after a restart.
func TestClusterFailover(t *testing.T) {
	c := daemontest.Cluster(t, 3)
	ctx := context.Background()
	c.Members[0].MustLXC(t, "config", "set", "cluster.offline_threshold", "11")
	leader := leaderOf(t, c)
	var survivor *daemontest.Member
	for _, m := range c.Members {
		if m.Name != leader.Name {
			survivor = m
			break
		}
	}
	// A listing reads on the read-only connections: they are open to the
	// leader about to die.
	survivor.MustLXC(t, "list")
	killed := time.Now()
	leader.Kill()

	// A write on a survivor: retried by the database layer until a new
	// leader is elected.
	write := time.Now()
	r := survivor.LXC(t, "config", "set", "images.remote_cache_expiry", "4")
	recovery := time.Since(write)
	t.Logf("write on %s after killing leader %s took %s", survivor.Name, leader.Name, recovery)
	if r.ExitCode != 0 || recovery > 10*time.Second {
		t.Fatalf("write after leader loss: exit %d in %s: %s", r.ExitCode, recovery, r.Stderr)
	}

	// Reads on the read-only connections find the new leader too.
	if r := survivor.LXC(t, "list"); r.ExitCode != 0 {
		t.Fatalf("list after leader loss: %s", r.Stderr)
	}

	// Calls for the dead member fail fast and name it.
	call := time.Now()
	r = survivor.LXC(t, "query", "/1.0?target="+leader.Name)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, leader.Name) || time.Since(call) > 5*time.Second {
		t.Fatalf("call to dead member: exit %d after %s: %s", r.ExitCode, time.Since(call), r.Stderr)
	}
	t.Logf("call targeting the dead member failed in %s: %s", time.Since(call), strings.TrimSpace(r.Stderr))

	// Offline after the threshold, with LXD's message.
	daemontest.Eventually(t, 30*time.Second, leader.Name+" offline", func() bool {
		m := memberOf(t, survivor, leader.Name)
		return m.Status == api.ClusterMemberOffline && strings.HasPrefix(m.Message, "No heartbeat for ")
	})
	t.Logf("%s reported offline %s after the kill", leader.Name, time.Since(killed).Round(time.Second))

	// Restarted, it catches up and is Online again.
	restart := time.Now()
	leader.Restart()
	t.Logf("%s restarted in %s", leader.Name, time.Since(restart))
	daemontest.Eventually(t, 30*time.Second, leader.Name+" online again", func() bool {
		return memberOf(t, survivor, leader.Name).Status == api.ClusterMemberOnline
	})
	if v := strings.TrimSpace(leader.MustLXC(t, "config", "get", "images.remote_cache_expiry")); v != "4" {
		t.Fatalf("restarted member sees images.remote_cache_expiry=%q", v)
	}
	t.Logf("%s online again %s after its restart", leader.Name, time.Since(restart))
	srv, _, err := leader.Client.GetServer(ctx)
	if err != nil || !srv.Environment.ServerClustered || srv.Environment.ServerName != leader.Name {
		t.Fatalf("restarted member: %+v %v", srv.Environment, err)
	}
	c.WaitSettled(t, 30*time.Second)
}

func memberOf(t *testing.T, m *daemontest.Member, name string) api.ClusterMember {
	t.Helper()
	var out api.ClusterMember
	if _, err := m.Client.Get(context.Background(), "/1.0/cluster/members/"+name, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func leaderOf(t *testing.T, c *daemontest.TestCluster) *daemontest.Member {
	t.Helper()
	var members []api.ClusterMember
	if _, err := c.Members[0].Client.Get(context.Background(), "/1.0/cluster/members?recursion=1", &members); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		for _, r := range m.Roles {
			if r == api.ClusterRoleDatabaseLeader {
				return c.Member(m.ServerName)
			}
		}
	}
	t.Fatal("no database leader")
	return nil
}

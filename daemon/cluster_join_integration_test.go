//go:build integration

package daemon_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestClusterJoinPreseed: a 4th server joins with `lxd init --preseed`
// (cluster section with the token printed by the real `lxc cluster add`),
// is removed with `lxc cluster remove` and becomes a standalone server
// again, joins again through a raw PUT /1.0/cluster, and is removed again.
// A member holding an instance is not removed without force.
func TestClusterJoinPreseed(t *testing.T) {
	c := daemontest.Cluster(t, 3)
	m1, m2 := c.Members[0], c.Members[1]
	m4 := &daemontest.Member{Daemon: daemontest.StartWith(t, daemontest.Options{Env: []string{daemontest.HeartbeatEnv}}),
		Name: "m4", Address: daemontest.NextAddress(t)}

	out := m2.MustLXC(t, "cluster", "add", "m4")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	tok := lines[len(lines)-1]
	preseed := "cluster:\n  enabled: true\n  server_name: m4\n  server_address: " + m4.Address +
		"\n  cluster_address: " + m1.Address + "\n  cluster_token: " + tok + "\n  member_config: []\n"
	runPreseed(t, m4, preseed)
	waitMembers(t, m1, 4)
	checkClusteredServer(t, m4, "m4")
	if m := memberOf(t, m1, "m4"); m.Status != api.ClusterMemberOnline {
		t.Fatalf("m4 after preseed join: %+v", m)
	}

	// An instance on m4 stops its removal.
	runSQL(t, m4, "INSERT INTO instances (project_id, member_id, name, architecture) "+
		"SELECT 1, id, 'c-on-m4', 'x86_64' FROM members WHERE name = 'm4'")
	r := m2.LXC(t, "cluster", "remove", "m4")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "c-on-m4") {
		t.Fatalf("removal of a member holding an instance: exit %d: %s", r.ExitCode, r.Stderr)
	}
	runSQL(t, m4, "DELETE FROM instances WHERE name = 'c-on-m4'")

	m2.MustLXC(t, "cluster", "remove", "m4")
	waitStandalone(t, m4)
	waitMembers(t, m1, 3)

	// Joined again through the raw API, then removed by force.
	c.Join(t, m4)
	waitMembers(t, m1, 4)
	if _, err := m1.Client.Do(context.Background(), http.MethodDelete, "/1.0/cluster/members/m4?force=1", nil, ""); err != nil {
		t.Fatal(err)
	}
	waitStandalone(t, m4)
	waitMembers(t, m1, 3)
	checkClusterList(t, m2)
}

func runPreseed(t *testing.T, m *daemontest.Member, preseed string) {
	t.Helper()
	runPreseedWith(t, daemontest.Binary(t, "lxd"), m, preseed)
}

// runPreseedWith runs `lxd init --preseed` of the lxd binary bin on m.
func runPreseedWith(t *testing.T, bin string, m *daemontest.Member, preseed string) {
	t.Helper()
	cmd := exec.Command(bin, "init", "--preseed")
	cmd.Env = append(os.Environ(), "LXD_DIR="+m.Dir)
	cmd.Stdin = strings.NewReader(preseed)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("lxd init --preseed: %v\n%s", err, out.String())
	}
}

func runSQL(t *testing.T, m *daemontest.Member, query string) {
	t.Helper()
	cmd := exec.Command(daemontest.Binary(t, "lxd"), "sql", "global", query)
	cmd.Env = append(os.Environ(), "LXD_DIR="+m.Dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lxd sql %q: %v\n%s", query, err, out)
	}
}

func waitMembers(t *testing.T, m *daemontest.Member, n int) {
	t.Helper()
	daemontest.Eventually(t, 30*time.Second, "cluster members online", func() bool {
		var members []api.ClusterMember
		if _, err := m.Client.Get(context.Background(), "/1.0/cluster/members?recursion=1", &members); err != nil || len(members) != n {
			return false
		}
		for _, mb := range members {
			if mb.Status != api.ClusterMemberOnline {
				return false
			}
		}
		return true
	})
}

// waitStandalone waits until a removed member has reset itself: not
// clustered, a fresh database (member "none"), no cluster certificate; its
// cluster.https_address stays set (as LXD 5.0.2 leaves it).
func waitStandalone(t *testing.T, m *daemontest.Member) {
	t.Helper()
	daemontest.Eventually(t, 30*time.Second, m.Name+" standalone again", func() bool {
		srv, _, err := m.Client.GetServer(context.Background())
		return err == nil && !srv.Environment.ServerClustered && srv.Config["cluster.https_address"] == m.Address
	})
	var cl api.Cluster
	if _, err := m.Client.Get(context.Background(), "/1.0/cluster", &cl); err != nil || cl.Enabled || cl.ServerName != "" {
		t.Fatalf("GET /1.0/cluster on %s after removal: %+v %v", m.Name, cl, err)
	}
	if _, err := os.Stat(m.Dir + "/cluster.crt"); !os.IsNotExist(err) {
		t.Fatalf("%s still has cluster.crt", m.Name)
	}
}

// TestClusterInitInteractive: `lxd init` answered like a user bootstraps a
// cluster on one server and joins another with a token.
func TestClusterInitInteractive(t *testing.T) {
	env := daemontest.Options{Env: []string{daemontest.HeartbeatEnv}}
	a := &daemontest.Member{Daemon: daemontest.StartWith(t, env), Name: "solo", Address: daemontest.NextAddress(t)}
	b := &daemontest.Member{Daemon: daemontest.StartWith(t, env), Name: "second", Address: daemontest.NextAddress(t)}
	runInit(t, a, "yes\n"+a.Address+"\nno\nsolo\nno\n")
	checkClusteredServer(t, a, "solo")
	c := &daemontest.TestCluster{Kind: daemontest.Ours, Members: []*daemontest.Member{a}}
	runInit(t, b, "yes\n"+b.Address+"\nyes\n"+c.Token(t, "second")+"\nyes\nno\n")
	c.Members = append(c.Members, b)
	waitMembers(t, a, 2)
	checkClusteredServer(t, b, "second")
}

func runInit(t *testing.T, m *daemontest.Member, answers string) {
	t.Helper()
	cmd := exec.Command(daemontest.Binary(t, "lxd"), "init")
	cmd.Env = append(os.Environ(), "LXD_DIR="+m.Dir)
	cmd.Stdin = strings.NewReader(answers)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lxd init: %v\n%s", err, out)
	}
}

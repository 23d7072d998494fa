//go:build integration

package daemon_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestClusterFormation: a 3-member cluster formed through the real token
// flow, inspected with the real lxc 5.0.2 against member 2.
func TestClusterFormation(t *testing.T) {
	start := time.Now()
	c := daemontest.Cluster(t, 3)
	t.Logf("3-member cluster formed in %s", time.Since(start))
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]

	t.Run("list", func(t *testing.T) { checkClusterList(t, m2) })
	t.Run("show", func(t *testing.T) {
		var m api.ClusterMember
		if err := yaml.Unmarshal([]byte(m2.MustLXC(t, "cluster", "show", "m3")), &m); err != nil {
			t.Fatal(err)
		}
		if m.ServerName != "m3" || m.URL != "https://"+m3.Address || m.Status != "Online" || m.Architecture == "" ||
			m.FailureDomain != "default" || len(m.Groups) != 1 || !m.Database {
			t.Fatalf("lxc cluster show m3: %+v", m)
		}
	})
	t.Run("server", func(t *testing.T) { checkClusteredServer(t, m2, "m2") })
	t.Run("target", func(t *testing.T) {
		out := m2.MustLXC(t, "query", "/1.0?target=m3")
		var srv api.Server
		if err := json.Unmarshal([]byte(out), &srv); err != nil {
			t.Fatal(err)
		}
		if srv.Environment.ServerName != "m3" || srv.Environment.Addresses[0] != m3.Address {
			t.Fatalf("/1.0?target=m3 answered by %q %v", srv.Environment.ServerName, srv.Environment.Addresses)
		}
		r := m2.LXC(t, "query", "/1.0?target=nosuch")
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Cluster member not found") {
			t.Fatalf("unknown target: exit %d, %s", r.ExitCode, r.Stderr)
		}
		r = m2.LXC(t, "cluster", "show", "nosuch")
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Cluster member not found") {
			t.Fatalf("unknown member: exit %d, %s", r.ExitCode, r.Stderr)
		}
	})
	t.Run("events", func(t *testing.T) { checkEventsFromPeer(t, m1, m3) })
	t.Run("operations", func(t *testing.T) { checkOperationsAcrossMembers(t, m1, m2) })
	t.Run("config", func(t *testing.T) {
		m1.MustLXC(t, "config", "set", "images.remote_cache_expiry", "7")
		daemontest.Eventually(t, 10*time.Second, "global key visible on m3", func() bool {
			return strings.TrimSpace(m3.MustLXC(t, "config", "get", "images.remote_cache_expiry")) == "7"
		})
	})
	t.Run("address fixed", func(t *testing.T) {
		r := m2.LXC(t, "config", "set", "cluster.https_address", "127.0.1.250:8443")
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Changing cluster.https_address is currently not supported") {
			t.Fatalf("changing cluster.https_address: exit %d: %s", r.ExitCode, r.Stderr)
		}
	})
	t.Run("tokens", func(t *testing.T) {
		m2.MustLXC(t, "cluster", "add", "m9")
		if out := m1.MustLXC(t, "cluster", "list-tokens", "--format=csv"); !strings.Contains(out, "m9,") {
			t.Fatalf("list-tokens on m1 lacks the token made on m2:\n%s", out)
		}
		m1.MustLXC(t, "cluster", "revoke-token", "m9")
		if out := m2.MustLXC(t, "cluster", "list-tokens", "--format=csv"); strings.Contains(out, "m9,") {
			t.Fatalf("token still listed after revoke:\n%s", out)
		}
	})
	checkClusterList(t, m2) // unchanged by the failures above
}

func checkClusterList(t *testing.T, m *daemontest.Member) {
	t.Helper()
	out := m.MustLXC(t, "cluster", "list", "--format=csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("lxc cluster list:\n%s", out)
	}
	leaders, voters := strings.Count(out, "database-leader"), 0
	for _, l := range lines {
		if !strings.Contains(l, "ONLINE") || !strings.Contains(l, "Fully operational") {
			t.Fatalf("member not online: %s", l)
		}
		for _, f := range strings.Split(l, ",") {
			for _, role := range strings.Split(f, "\n") {
				if role == "database" {
					voters++
				}
			}
		}
	}
	var members []api.ClusterMember
	if _, err := m.Client.Get(context.Background(), "/1.0/cluster/members?recursion=1", &members); err != nil {
		t.Fatal(err)
	}
	voters = 0
	for _, mb := range members {
		for _, r := range mb.Roles {
			if r == "database" {
				voters++
			}
		}
	}
	if leaders != 1 || voters != 3 {
		t.Fatalf("want one database-leader and 3 database members, got %d and %d:\n%s", leaders, voters, out)
	}
}

func checkClusteredServer(t *testing.T, m *daemontest.Member, name string) {
	t.Helper()
	srv, _, err := m.Client.GetServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env := srv.Environment
	if !env.ServerClustered || env.ServerName != name || len(env.Addresses) != 1 || env.Addresses[0] != m.Address ||
		srv.Config["cluster.https_address"] != m.Address || env.ServerEventMode != "full-mesh" {
		t.Fatalf("GET /1.0 on %s: clustered=%v name=%q addresses=%v config=%v", name, env.ServerClustered,
			env.ServerName, env.Addresses, srv.Config)
	}
	var cl api.Cluster
	etag, err := m.Client.Get(context.Background(), "/1.0/cluster", &cl)
	if err != nil || etag == "" || cl.ServerName != name || !cl.Enabled || cl.MemberConfig == nil {
		t.Fatalf("GET /1.0/cluster: %+v etag %q err %v", cl, etag, err)
	}
}

// checkEventsFromPeer: lxc monitor on a sees a lifecycle event made on b,
// with b's location.
func checkEventsFromPeer(t *testing.T, a, b *daemontest.Member) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mon := exec.CommandContext(ctx, "lxc", "monitor", "--type=lifecycle", "--format=json")
	mon.Env = append(os.Environ(), "LXD_DIR="+a.Dir, "LXD_CONF="+a.ConfDir)
	stdout, _ := mon.StdoutPipe()
	if err := mon.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mon.Process.Kill(); _ = mon.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			// A lifecycle event on b only (a server config change).
			if err := b.Client.PatchServer(ctx, api.ServerPut{Config: map[string]any{"images.auto_update_interval": "5"}}, ""); err != nil {
				t.Fatal(err)
			}
		case l, ok := <-lines:
			if !ok {
				t.Fatal("lxc monitor ended")
			}
			var e api.Event
			if json.Unmarshal([]byte(l), &e) == nil && e.Location == b.Name && strings.Contains(string(e.Metadata), "config-updated") {
				return
			}
		case <-ctx.Done():
			t.Fatalf("lxc monitor on %s never saw %s's event", a.Name, b.Name)
		}
	}
}

// checkOperationsAcrossMembers: an operation made on b is visible by id on
// a, listed there, and can be cancelled from a.
func checkOperationsAcrossMembers(t *testing.T, a, b *daemontest.Member) {
	t.Helper()
	ctx := context.Background()
	op, err := b.Client.Do(ctx, http.MethodPost, "/1.0/cluster/members", api.ClusterMembersPost{ServerName: "opcheck"}, "")
	if err != nil {
		t.Fatal(err)
	}
	out := a.MustLXC(t, "query", "/1.0/operations/"+op.ID)
	var got api.Operation
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.ID != op.ID || got.Location != b.Name {
		t.Fatalf("operation of %s seen from %s: %s (%v)", b.Name, a.Name, out, err)
	}
	all, err := a.Client.GetOperations(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range all["running"] {
		found = found || o.ID == op.ID
	}
	if !found {
		t.Fatalf("GET /1.0/operations on %s lacks %s's operation: %v", a.Name, b.Name, all)
	}
	a.MustLXC(t, "operation", "delete", op.ID)
	if err := op.Refresh(ctx); err != nil || op.StatusCode != api.Cancelled {
		t.Fatalf("after delete from %s: %v %v", a.Name, op.Status, err)
	}
}

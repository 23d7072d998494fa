//go:build integration

package daemon_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestClusterJoinObjects: a member joining a cluster that has a storage
// pool and a network creates its part of both, with the member_config
// values it gave (a network parent) or the defaults (the pool's source).
func TestClusterJoinObjects(t *testing.T) {
	c := daemontest.Cluster(t, 2)
	m1 := c.Members[0]
	pool := daemontest.Name(t, "p")
	for _, m := range c.Members {
		m1.MustLXC(t, "storage", "create", pool, "dir", "--target", m.Name)
	}
	m1.MustLXC(t, "storage", "create", pool, "dir")
	t.Cleanup(func() { m1.LXC(t, "storage", "delete", pool) })
	net := daemontest.Name(t, "lxc2j")
	for _, m := range c.Members {
		m1.MustLXC(t, "network", "create", net, "--type", "macvlan", "parent="+clusterVeth(t), "--target", m.Name)
	}
	m1.MustLXC(t, "network", "create", net, "--type", "macvlan")
	t.Cleanup(func() { m1.LXC(t, "network", "delete", net) })

	var cl api.Cluster
	clusterQuery(t, m1, "/1.0/cluster", &cl)
	keys := map[string]bool{}
	for _, k := range cl.MemberConfig {
		keys[k.Entity+"/"+k.Name+"/"+k.Key] = true
	}
	if !keys["storage-pool/"+pool+"/source"] || !keys["network/"+net+"/parent"] {
		t.Fatalf("member_config: %+v", cl.MemberConfig)
	}

	m3 := &daemontest.Member{Daemon: daemontest.StartWith(t, daemontest.Options{Env: []string{daemontest.HeartbeatEnv}}),
		Name: "m3", Address: daemontest.NextAddress(t)}
	parent := clusterVeth(t)
	put := c.JoinPut(t, m3, c.Token(t, "m3"))
	put.MemberConfig = []api.ClusterMemberConfigKey{
		{Entity: "storage-pool", Name: pool, Key: "source", Value: ""},
		{Entity: "network", Name: net, Key: "parent", Value: parent},
	}
	op, err := m3.Client.Do(context.Background(), http.MethodPut, "/1.0/cluster", put, "")
	if err == nil {
		err = op.Wait(context.Background())
	}
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	c.Members = append(c.Members, m3)
	// Delete both while m3 still runs (every member's part goes).
	t.Cleanup(func() {
		m1.MustLXC(t, "network", "delete", net)
		m1.MustLXC(t, "storage", "delete", pool)
	})
	c.WaitSettled(t, 60*time.Second)

	var p api.StoragePool
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool+"?target=m3", &p)
	want := filepath.Join(m3.Dir, "storage-pools", pool)
	if p.Status != "Created" || p.Config["source"] != want || len(p.Locations) != 3 {
		t.Fatalf("pool on the joiner: %+v", p)
	}
	if _, err := os.Stat(want); err != nil {
		t.Fatalf("pool directory on the joiner: %v", err)
	}
	var n api.Network
	clusterQuery(t, m1, "/1.0/networks/"+net+"?target=m3", &n)
	if n.Status != "Created" || n.Config["parent"] != parent || len(n.Locations) != 3 {
		t.Fatalf("network on the joiner: %+v", n)
	}
}

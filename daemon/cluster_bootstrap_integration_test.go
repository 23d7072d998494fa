//go:build integration

package daemon_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// scenarioClusterBootstrapObjects: a standalone server with a pool, an
// image and an instance, listening for clients on core.https_address and
// for members on a distinct cluster.https_address, becomes the first
// member without losing any of them; two more members join on their
// cluster addresses; a custom volume is copied and moved between members;
// a graceful stop of the database leader hands leadership over at once.
func scenarioClusterBootstrapObjects(t *testing.T, c *daemontest.TestCluster, extra []*daemontest.Member) {
	m1 := c.Members[0]
	ctx := context.Background()
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	core := distinctPort(t, m1.Address)
	m1.MustLXC(t, "config", "set", "core.https_address", core)
	m1.MustLXC(t, "config", "set", "cluster.https_address", m1.Address)
	pool := daemontest.Name(t, "a6b")
	m1.MustLXC(t, "storage", "create", pool, "dir")
	t.Cleanup(func() { m1.LXC(t, "storage", "delete", pool) })
	m1.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "pool="+pool, "path=/")
	t.Cleanup(func() { m1.LXC(t, "profile", "device", "remove", "default", "root") })
	clusterImport(t, m1, img.Unified, "busybox")
	inst := daemontest.Name(t, "a6c")
	m1.MustLXC(t, "init", "busybox", inst)
	t.Cleanup(func() { m1.LXC(t, "delete", "-f", inst) })

	op, err := m1.Client.Do(ctx, http.MethodPut, "/1.0/cluster", api.ClusterPut{Cluster: api.Cluster{ServerName: "m1", Enabled: true}}, "")
	if err == nil {
		err = op.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	srv, _, err := m1.Client.GetServer(ctx)
	if err != nil || srv.Config["core.https_address"] != core || srv.Config["cluster.https_address"] != m1.Address ||
		!srv.Environment.ServerClustered {
		t.Fatalf("after bootstrap: %v %v", srv.Config, err)
	}
	if m := memberOf(t, m1, "m1"); m.URL != "https://"+m1.Address {
		t.Fatalf("member m1: %+v", m)
	}
	var p api.StoragePool
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool, &p)
	if p.Status != "Created" || strings.Join(p.Locations, ",") != "m1" {
		t.Fatalf("pool after bootstrap: %+v", p)
	}
	if got := clusterLocations(t, m1)[inst]; got != "STOPPED@m1" {
		t.Fatalf("instance after bootstrap: %q", got)
	}

	for _, m := range extra {
		c.Join(t, m)
	}
	c.WaitSettled(t, 60*time.Second)
	m1.MustLXC(t, "start", inst)
	if out := c.Members[1].MustLXC(t, "exec", inst, "--", "echo", "kept"); strings.TrimSpace(out) != "kept" {
		t.Fatalf("exec in the bootstrapped instance via m2: %q", out)
	}
	m1.MustLXC(t, "delete", "-f", inst)
	m1.MustLXC(t, "image", "delete", "busybox")

	checkClusterVolumeCopyMove(t, c, pool)
	checkGracefulHandover(t, c)
}

// distinctPort returns addr's host with another free port.
func distinctPort(t *testing.T, addr string) string {
	host, _, _ := net.SplitHostPort(addr)
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// checkClusterVolumeCopyMove: a custom volume on m1 is copied to m3 and
// moved to m2 with the real lxc; its content goes along.
func checkClusterVolumeCopyMove(t *testing.T, c *daemontest.TestCluster, pool string) {
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]
	volDir := func(m *daemontest.Member, name string) string { // same layout as LXD's
		return filepath.Join(m.Dir, "storage-pools", pool, "custom", "default_"+name)
	}
	m2.MustLXC(t, "storage", "volume", "create", pool, "a6v", "--target", "m1")
	if err := os.WriteFile(filepath.Join(volDir(m1, "a6v"), "marker"), []byte("a6"), 0o644); err != nil {
		t.Fatal(err)
	}
	m2.MustLXC(t, "storage", "volume", "copy", pool+"/a6v", pool+"/a6w", "--target", "m1", "--destination-target", "m3")
	t.Cleanup(func() { m2.LXC(t, "storage", "volume", "delete", pool, "a6w", "--target", "m3") })
	if data, err := os.ReadFile(filepath.Join(volDir(m3, "a6w"), "marker")); err != nil || string(data) != "a6" {
		t.Fatalf("copied volume on m3: %q %v", data, err)
	}
	m2.MustLXC(t, "storage", "volume", "move", pool+"/a6v", pool+"/a6v", "--target", "m1", "--destination-target", "m2")
	t.Cleanup(func() { m2.LXC(t, "storage", "volume", "delete", pool, "a6v", "--target", "m2") })
	if data, err := os.ReadFile(filepath.Join(volDir(m2, "a6v"), "marker")); err != nil || string(data) != "a6" {
		t.Fatalf("moved volume on m2: %q %v", data, err)
	}
	var v api.StorageVolume
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool+"/volumes/custom/a6v", &v)
	if v.Location != "m2" {
		t.Fatalf("moved volume: %+v", v)
	}
	if _, err := os.Stat(volDir(m1, "a6v")); !os.IsNotExist(err) {
		t.Fatalf("moved volume left on m1: %v", err)
	}
	m2.MustLXC(t, "storage", "volume", "delete", pool, "a6v", "--target", "m2")
	m2.MustLXC(t, "storage", "volume", "delete", pool, "a6w", "--target", "m3")
}

// checkGracefulHandover: a graceful stop of the database leader hands the
// leadership to another member: a write on a survivor succeeds at once.
func checkGracefulHandover(t *testing.T, c *daemontest.TestCluster) {
	leader := leaderOf(t, c)
	var survivor *daemontest.Member
	for _, m := range c.Members {
		if m != leader {
			survivor = m
			break
		}
	}
	leader.Stop()
	begin := time.Now()
	survivor.MustLXC(t, "config", "set", "images.remote_cache_expiry", "6")
	took := time.Since(begin)
	t.Logf("write on %s after a graceful stop of leader %s took %s", survivor.Name, leader.Name, took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Fatalf("leadership not handed over: a write took %s", took)
	}
	leader.Restart()
	c.WaitSettled(t, 60*time.Second)
}

func bootstrapMembers(t *testing.T, kind daemontest.Kind) (*daemontest.TestCluster, []*daemontest.Member) {
	c := &daemontest.TestCluster{Kind: kind, Members: []*daemontest.Member{newClusterJoiner(t, kind, "m1")}}
	return c, []*daemontest.Member{newClusterJoiner(t, kind, "m2"), newClusterJoiner(t, kind, "m3")}
}

func TestClusterBootstrapObjects(t *testing.T) {
	c, extra := bootstrapMembers(t, daemontest.Ours)
	scenarioClusterBootstrapObjects(t, c, extra)
}

func TestReferenceClusterBootstrapObjects(t *testing.T) {
	c, extra := bootstrapMembers(t, daemontest.Reference)
	scenarioClusterBootstrapObjects(t, c, extra)
}

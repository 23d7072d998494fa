//go:build integration

package daemon_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// TestClusterObjects: storage pools, instances, images and networks of a
// 3-member cluster behave as one, driven with the real lxc 5.0.2 through
// member 2 (one cluster for every subtest: forming it is the slow part).
func TestClusterObjects(t *testing.T) {
	c := daemontest.Cluster(t, 3)
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("pools", func(t *testing.T) { checkClusterPools(t, c) })
	t.Run("images", func(t *testing.T) { checkClusterImages(t, c, img.Unified) })
	t.Run("instances", func(t *testing.T) { checkClusterInstances(t, c, img.Unified) })
	t.Run("networks", func(t *testing.T) { checkClusterNetworks(t, c) })
	t.Run("bridge", func(t *testing.T) { checkClusterBridge(t, c, img.Unified) })
	t.Run("volumes", func(t *testing.T) { checkClusterVolumes(t, c, img.Unified) })
	t.Run("offline", func(t *testing.T) { checkClusterMemberDown(t, c, img.Unified) })
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

// checkClusterImages: cluster.images_minimal_replica decides how many
// members get a copy at import; a member without the image pulls it for a
// launch; deleting the image removes every copy.
func checkClusterImages(t *testing.T, c *daemontest.TestCluster, file string) {
	m1, m2 := c.Members[0], c.Members[1]
	clusterPoolEverywhere(t, c)
	for _, tt := range []struct{ replica, want string }{{"2", "m1,m2"}, {"-1", "m1,m2,m3"}, {"1", "m1"}} {
		m2.MustLXC(t, "config", "set", "cluster.images_minimal_replica="+tt.replica)
		alias := daemontest.Name(t, "img")
		fp := clusterImport(t, m1, file, alias)
		if got := imageHolders(c, fp); got != tt.want {
			t.Fatalf("replica %s: image held by %q, want %q", tt.replica, got, tt.want)
		}
		if tt.replica != "1" {
			m2.MustLXC(t, "image", "delete", alias)
			if got := imageHolders(c, fp); got != "" {
				t.Fatalf("deleted image still held by %q", got)
			}
			continue
		}
		// Only m1 has it: a launch on m3 pulls it.
		name := daemontest.Name(t, "c")
		m2.MustLXC(t, "init", alias, name, "--target", "m3")
		if got := imageHolders(c, fp); got != "m1,m3" {
			t.Fatalf("after a launch on m3 the image is held by %q", got)
		}
		m2.MustLXC(t, "delete", name)
		m2.MustLXC(t, "image", "delete", alias)
		if got := imageHolders(c, fp); got != "" {
			t.Fatalf("deleted image still held by %q", got)
		}
	}
	m2.MustLXC(t, "config", "unset", "cluster.images_minimal_replica")
}

// checkClusterInstances: launch on a target, list from any member with
// LOCATION, exec/stop/start/delete through other members, placement.
func checkClusterInstances(t *testing.T, c *daemontest.TestCluster, file string) {
	m1, m2 := c.Members[0], c.Members[1]
	clusterPoolEverywhere(t, c)
	clusterImport(t, m1, file, "busybox")
	name := daemontest.Name(t, "c")
	m2.MustLXC(t, "launch", "busybox", name, "--target", "m3")
	t.Cleanup(func() { m2.LXC(t, "delete", "-f", name) })
	if got := clusterLocations(t, m1)[name]; got != "RUNNING@m3" {
		t.Fatalf("lxc list on m1: %s is %q", name, got)
	}
	if out := strings.TrimSpace(m1.MustLXC(t, "exec", name, "--", "hostname")); out != name {
		t.Fatalf("exec hostname via m1: %q", out)
	}
	var full []api.InstanceFull
	clusterQuery(t, m1, "/1.0/instances?recursion=2", &full)
	if len(full) != 1 || full[0].Location != "m3" || full[0].State == nil || full[0].State.Pid <= 0 {
		t.Fatalf("recursion=2 from m1: %+v", full)
	}
	m2.MustLXC(t, "stop", name, "--force")
	if got := clusterLocations(t, m1)[name]; got != "STOPPED@m3" {
		t.Fatalf("after stop via m2: %q", got)
	}
	m2.MustLXC(t, "start", name)
	m2.MustLXC(t, "delete", "-f", name)
	if _, ok := clusterLocations(t, m1)[name]; ok {
		t.Fatalf("%s still listed after delete", name)
	}
	placed := map[string]bool{}
	for i := 0; i < 3; i++ {
		n := daemontest.Name(t, "c")
		m2.MustLXC(t, "init", "busybox", n)
		t.Cleanup(func() { m2.LXC(t, "delete", "-f", n) })
		loc := clusterLocations(t, m1)[n]
		placed[loc] = true
	}
	if len(placed) != 3 {
		t.Fatalf("three instances created without a target landed on %v", placed)
	}
}

// clusterPoolEverywhere creates a dir pool on every member and makes it the
// default profile's root disk; both go at cleanup.
func clusterPoolEverywhere(t *testing.T, c *daemontest.TestCluster) string {
	t.Helper()
	m1 := c.Members[0]
	pool := daemontest.Name(t, "p")
	for _, m := range c.Members {
		m1.MustLXC(t, "storage", "create", pool, "dir", "--target", m.Name)
	}
	m1.MustLXC(t, "storage", "create", pool, "dir")
	t.Cleanup(func() { m1.LXC(t, "storage", "delete", pool) })
	m1.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "pool="+pool, "path=/")
	t.Cleanup(func() { m1.LXC(t, "profile", "device", "remove", "default", "root") })
	return pool
}

// clusterImport imports the busybox image on m with alias and returns its
// fingerprint; the image is deleted at cleanup.
func clusterImport(t *testing.T, m *daemontest.Member, file, alias string) string {
	t.Helper()
	out := m.MustLXC(t, "image", "import", file, "--alias", alias)
	_, fp, ok := strings.Cut(strings.TrimSpace(out), "fingerprint: ")
	if !ok {
		t.Fatalf("image import: %q", out)
	}
	t.Cleanup(func() { m.LXC(t, "image", "delete", alias) })
	return fp
}

// imageHolders names the members holding the files of image fp.
func imageHolders(c *daemontest.TestCluster, fp string) string {
	var out []string
	for _, m := range c.Members {
		if _, err := os.Stat(filepath.Join(m.Dir, "images", fp)); err == nil {
			out = append(out, m.Name)
		}
	}
	return strings.Join(out, ",")
}

// clusterLocations maps instance names to their location (lxc list on m).
func clusterLocations(t *testing.T, m *daemontest.Member) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(m.MustLXC(t, "list", "-c", "nsL", "--format", "csv")), "\n") {
		if f := strings.Split(line, ","); len(f) == 3 {
			out[f[0]] = f[1] + "@" + f[2]
		}
	}
	return out
}

// clusterVeth makes a veth pair on the host (removed at cleanup) and
// returns the name of one end.
func clusterVeth(t *testing.T) string {
	t.Helper()
	a := daemontest.Name(t, "lxc2v")
	if out, err := exec.Command("ip", "link", "add", a, "type", "veth", "peer", "name", a+"p").CombinedOutput(); err != nil {
		t.Fatalf("ip link add %s: %v: %s", a, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", a).Run() })
	return a
}

// checkClusterNetworks: a macvlan network whose parent differs per member
// goes through the pending/created flow and is Created on every member.
func checkClusterNetworks(t *testing.T, c *daemontest.TestCluster) {
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]
	name := daemontest.Name(t, "lxc2m")
	clusterFails(t, m2, "Network not pending on any node (use --target <node> first)", "network", "create", name, "--type", "macvlan")
	parents := map[string]string{}
	for _, m := range c.Members {
		parents[m.Name] = clusterVeth(t)
		out := m2.MustLXC(t, "network", "create", name, "--type", "macvlan", "parent="+parents[m.Name], "--target", m.Name)
		if !strings.Contains(out, "Network "+name+" pending on member "+m.Name) {
			t.Fatalf("targeted create: %q", out)
		}
		if m == m1 {
			t.Cleanup(func() { m2.LXC(t, "network", "delete", name) })
			clusterFails(t, m2, `The network is already defined on member "m1"`, "network", "create", name, "--type", "macvlan", "--target", "m1")
			clusterFails(t, m2, `Config key "mtu" may not be used as member-specific key`,
				"network", "create", name, "--type", "macvlan", "mtu=1400", "--target", "m2")
			clusterFails(t, m2, "Network not defined on nodes: m2, m3", "network", "create", name, "--type", "macvlan")
		}
	}
	var n api.Network
	clusterQuery(t, m1, "/1.0/networks/"+name, &n)
	if n.Status != "Pending" || strings.Join(n.Locations, ",") != "m1,m2,m3" || len(n.Config) != 0 {
		t.Fatalf("pending network: %+v", n)
	}
	clusterFails(t, m2, `Config key "parent" is cluster member specific`, "network", "create", name, "--type", "macvlan", "parent=x")
	if out := m2.MustLXC(t, "network", "create", name, "--type", "macvlan", "mtu=1400"); !strings.Contains(out, "Network "+name+" created") {
		t.Fatalf("global create: %q", out)
	}
	clusterQuery(t, m3, "/1.0/networks/"+name, &n)
	if n.Status != "Created" || n.Config["mtu"] != "1400" || n.Config["parent"] != "" {
		t.Fatalf("created network: %+v", n)
	}
	for _, m := range c.Members {
		clusterQuery(t, m1, "/1.0/networks/"+name+"?target="+m.Name, &n)
		if n.Status != "Created" || n.Config["parent"] != parents[m.Name] {
			t.Fatalf("network on %s: %+v", m.Name, n)
		}
	}
	var cl api.Cluster
	clusterQuery(t, m3, "/1.0/cluster", &cl)
	found := false
	for _, k := range cl.MemberConfig {
		found = found || (k.Entity == "network" && k.Name == name && k.Key == "parent")
	}
	if !found {
		t.Fatalf("member_config lacks the network's parent: %+v", cl.MemberConfig)
	}
	m2.MustLXC(t, "network", "delete", name)
	clusterFails(t, m1, "Network not found", "network", "show", name)
}

// checkClusterBridge: members sharing one host cannot each have a bridge
// of the same name: the first member's part is created, the others fail
// (as LXD 5.0.2 does here), leaving the network Errored. The leases of the
// member that has it are seen from every member, with its location.
func checkClusterBridge(t *testing.T, c *daemontest.TestCluster, file string) {
	m1, m2 := c.Members[0], c.Members[1]
	name := daemontest.Name(t, "lxc2b")
	for _, m := range c.Members {
		m2.MustLXC(t, "network", "create", name, "--target", m.Name)
		if m == m1 {
			t.Cleanup(func() { m2.LXC(t, "network", "delete", name) })
		}
	}
	r := m2.LXC(t, "network", "create", name, "ipv4.address=10.206.77.1/24", "ipv4.nat=false", "ipv6.address=none")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, `Network interface "`+name+`" already exists`) ||
		!strings.Contains(r.Stderr, `"m1"`) || !strings.Contains(r.Stderr, `"m3"`) {
		t.Fatalf("bridge create on a shared host: exit %d: %s", r.ExitCode, r.Stderr)
	}
	var n api.Network
	for member, want := range map[string]string{"": "Errored", "m1": "Pending", "m2": "Created"} {
		path := "/1.0/networks/" + name
		if member != "" {
			path += "?target=" + member
		}
		clusterQuery(t, m1, path, &n)
		if n.Status != want || n.Config["ipv4.address"] != "10.206.77.1/24" {
			t.Fatalf("%s: %+v, want status %s", path, n, want)
		}
	}
	pool := clusterPoolEverywhere(t, c)
	_ = pool
	clusterImport(t, m1, file, "busybox")
	inst := daemontest.Name(t, "c")
	m2.MustLXC(t, "launch", "busybox", inst, "--target", "m2", "--network", name)
	t.Cleanup(func() { m2.LXC(t, "delete", "-f", inst) })
	daemontest.Eventually(t, 30*time.Second, "the instance's lease is seen from m1 with location m2", func() bool {
		var leases []api.NetworkLease
		clusterQuery(t, m1, "/1.0/networks/"+name+"/leases", &leases)
		for _, l := range leases {
			if l.Type == api.NetworkLeaseDynamic && l.Location == "m2" && strings.HasPrefix(l.Address, "10.206.77.") {
				return true
			}
		}
		return false
	})
	m2.MustLXC(t, "delete", "-f", inst)
	m1.MustLXC(t, "network", "delete", name)
	if err := exec.Command("ip", "link", "show", name).Run(); err == nil {
		t.Fatalf("bridge %s left on the host", name)
	}
}

// checkClusterVolumes: custom volumes live on one member; lists show every
// member's with their location, requests about one reach its member, and a
// member holding volumes or instances is not removed without --force.
func checkClusterVolumes(t *testing.T, c *daemontest.TestCluster, file string) {
	m1, m2 := c.Members[0], c.Members[1]
	pool := clusterPoolEverywhere(t, c)
	m2.MustLXC(t, "storage", "volume", "create", pool, "v1", "--target", "m3")
	t.Cleanup(func() { m2.LXC(t, "storage", "volume", "delete", pool, "v1", "--target", "m3") })
	m2.MustLXC(t, "storage", "volume", "create", pool, "v2")
	t.Cleanup(func() { m2.LXC(t, "storage", "volume", "delete", pool, "v2", "--target", "m2") })
	var urls []string
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool+"/volumes/custom", &urls)
	want := "/1.0/storage-pools/" + pool + "/volumes/custom/v1?target=m3 /1.0/storage-pools/" + pool + "/volumes/custom/v2?target=m2"
	if strings.Join(urls, " ") != want {
		t.Fatalf("volume URLs from m1:\n got %v\nwant %s", urls, want)
	}
	var v api.StorageVolume
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool+"/volumes/custom/v1", &v)
	if v.Location != "m3" || v.Name != "v1" {
		t.Fatalf("volume v1 via m1: %+v", v)
	}
	if _, err := os.Stat(filepath.Join(c.Members[2].Dir, "storage-pools", pool, "custom", "default_v1")); err != nil {
		t.Fatalf("v1 on m3's disk: %v", err)
	}
	m1.MustLXC(t, "storage", "volume", "set", pool, "v1", "user.k", "x")
	clusterFails(t, m1, "Node still has the following custom volumes: v1", "cluster", "remove", "m3")
	m1.MustLXC(t, "storage", "volume", "delete", pool, "v1")
	clusterImport(t, m1, file, "busybox")
	name := daemontest.Name(t, "c")
	m2.MustLXC(t, "init", "busybox", name, "--target", "m3")
	t.Cleanup(func() { m2.LXC(t, "delete", "-f", name) })
	clusterFails(t, m1, "Node still has the following containers: "+name, "cluster", "remove", "m3")
	m1.MustLXC(t, "delete", name)
}

// checkClusterMemberDown: after kill -9 of the member holding an instance,
// requests about it fail at once naming the member, and lists show it in
// Error (LXD's entry for an unreachable member).
func checkClusterMemberDown(t *testing.T, c *daemontest.TestCluster, file string) {
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]
	clusterPoolEverywhere(t, c)
	clusterImport(t, m1, file, "busybox")
	name := daemontest.Name(t, "c")
	m2.MustLXC(t, "launch", "busybox", name, "--target", "m3")
	t.Cleanup(func() { m2.LXC(t, "delete", "-f", name) })
	m3.Kill()
	t.Cleanup(func() { m3.Restart(); c.WaitSettled(t, 60*time.Second) })
	start := time.Now()
	clusterFails(t, m1, `"m3"`, "exec", name, "--", "true")
	clusterFails(t, m1, `"m3"`, "stop", name)
	if got := clusterLocations(t, m1)[name]; got != "ERROR@m3" {
		t.Fatalf("lxc list with m3 down: %s is %q", name, got)
	}
	var list []api.Instance
	clusterQuery(t, m2, "/1.0/instances?recursion=1", &list)
	if len(list) != 1 || list[0].StatusCode != api.Error || list[0].Location != "m3" || list[0].Config != nil {
		t.Fatalf("recursion=1 with m3 down: %+v", list)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("requests about an instance on a dead member took %s", took)
	}
}

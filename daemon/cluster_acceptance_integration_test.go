//go:build integration

package daemon_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// TestClusterAcceptance is issue 6's acceptance scenario on one 3-member
// cluster, driven with the real lxc 5.0.2 through member 2: cluster list,
// pool pending/created flow, image replication, launch with --target, list
// and exec through m1, move to another member, bad input (unknown target,
// bad joins, removing a member that holds an instance), token join and
// removal of a 4th member, and finally kill -9 of the database leader with a
// write on a survivor timed.
func TestClusterAcceptance(t *testing.T) {
	start := time.Now()
	c := daemontest.Cluster(t, 3)
	t.Logf("cluster formed in %s", time.Since(start).Round(time.Millisecond))
	scenarioClusterAcceptance(t, c, start)
}

// TestReferenceClusterAcceptance runs the same scenario against LXD 5.0.2
// (without the raw-API bad joins, which need our harness's joiner).
func TestReferenceClusterAcceptance(t *testing.T) {
	start := time.Now()
	c := daemontest.ReferenceCluster(t, 3)
	t.Logf("cluster formed in %s", time.Since(start).Round(time.Millisecond))
	scenarioClusterAcceptance(t, c, start)
}

func scenarioClusterAcceptance(t *testing.T, c *daemontest.TestCluster, start time.Time) {
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string, f func()) {
		t.Helper()
		begin := time.Now()
		f()
		t.Logf("%s: ok in %s", name, time.Since(begin).Round(time.Millisecond))
	}

	step("cluster list", func() { checkClusterList(t, m2) })
	var pool string
	step("storage pending/created", func() { pool = acceptancePool(t, c) })
	var fp string
	step("image replication", func() { fp = acceptanceImage(t, c, img.Unified) })
	inst := daemontest.Name(t, "a6c")
	step("launch --target m3", func() {
		m2.MustLXC(t, "launch", "busybox", inst, "--target", "m3")
		t.Cleanup(func() { m2.LXC(t, "delete", "-f", inst) })
		if got := clusterLocations(t, m1)[inst]; got != "RUNNING@m3" {
			t.Fatalf("lxc list on m1: %s is %q, want RUNNING@m3", inst, got)
		}
		// m3 holds the image now (a copy, or pulled for the launch).
		if got := imageHolders(c, fp); !strings.Contains(got, "m3") {
			t.Fatalf("after the launch on m3 the image is held by %q", got)
		}
	})
	step("exec via m1", func() { acceptanceExec(t, m1, inst) })
	step("move --target m2", func() { acceptanceMove(t, c, pool, inst) })
	step("unknown target", func() { acceptanceUnknownTarget(t, c, inst) })
	step("remove a member holding an instance", func() {
		clusterFails(t, m2, "Node still has the following containers: "+inst, "cluster", "remove", "m2")
		_, err := m1.Client.Do(t.Context(), http.MethodDelete, "/1.0/cluster/members/m2", nil, "")
		if !api.IsStatus(err, http.StatusInternalServerError) { // LXD 5.0.2's status for it
			t.Fatalf("DELETE of a member holding an instance: %v (status %d)", err, api.StatusOf(err))
		}
		checkClusterList(t, m2)
	})
	step("token join, bad joins, cluster remove", func() { acceptanceJoin(t, c) })

	// Nothing may be left on the members before one of them is killed.
	m2.MustLXC(t, "delete", "-f", inst)
	m2.MustLXC(t, "image", "delete", "busybox")
	if got := imageHolders(c, fp); got != "" {
		t.Fatalf("deleted image still held by %q", got)
	}
	m2.MustLXC(t, "profile", "device", "remove", "default", "root")
	m2.MustLXC(t, "storage", "delete", pool)
	m2.MustLXC(t, "config", "unset", "cluster.images_minimal_replica")
	step("kill -9 of the leader", func() { acceptanceLeaderLoss(t, c) })
	_ = m3
	t.Logf("acceptance scenario done in %s", time.Since(start).Round(time.Millisecond))
}

// acceptancePool creates a dir pool through m2: per member with --target
// (Pending), then globally (Created on every member). It becomes the
// default profile's root disk; both go at cleanup.
func acceptancePool(t *testing.T, c *daemontest.TestCluster) string {
	m1, m2 := c.Members[0], c.Members[1]
	pool := daemontest.Name(t, "a6p")
	var p api.StoragePool
	for i, m := range c.Members {
		out := m2.MustLXC(t, "storage", "create", pool, "dir", "--target", m.Name)
		if !strings.Contains(out, "Storage pool "+pool+" pending on member "+m.Name) {
			t.Fatalf("storage create --target %s: %q", m.Name, out)
		}
		if i == 0 {
			t.Cleanup(func() { m2.LXC(t, "storage", "delete", pool) })
		}
		clusterQuery(t, m1, "/1.0/storage-pools/"+pool, &p)
		if p.Status != "Pending" || len(p.Locations) != i+1 {
			t.Fatalf("pool after its part on %s: %+v", m.Name, p)
		}
	}
	if out := m2.MustLXC(t, "storage", "create", pool, "dir"); !strings.Contains(out, "Storage pool "+pool+" created") {
		t.Fatalf("global storage create: %q", out)
	}
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool, &p)
	sort.Strings(p.Locations) // LXD lists them in no fixed order
	if p.Status != "Created" || strings.Join(p.Locations, ",") != "m1,m2,m3" {
		t.Fatalf("created pool: %+v", p)
	}
	for _, m := range c.Members {
		if st, err := os.Stat(filepath.Join(m.Dir, "storage-pools", pool)); err != nil || !st.IsDir() {
			t.Fatalf("pool directory on %s: %v", m.Name, err)
		}
	}
	m2.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "pool="+pool, "path=/")
	t.Cleanup(func() { m2.LXC(t, "profile", "device", "remove", "default", "root") })
	return pool
}

// acceptanceImage imports the busybox image through m2 with
// cluster.images_minimal_replica=2: two members hold it, on disk and in
// the database.
func acceptanceImage(t *testing.T, c *daemontest.TestCluster, file string) string {
	m2 := c.Members[1]
	m2.MustLXC(t, "config", "set", "cluster.images_minimal_replica", "2")
	t.Cleanup(func() { m2.LXC(t, "config", "unset", "cluster.images_minimal_replica") })
	fp := clusterImport(t, m2, file, "busybox")
	var holders string
	daemontest.Eventually(t, 30*time.Second, "the image on 2 members", func() bool {
		holders = imageHolders(c, fp)
		return strings.Count(holders, ",") == 1 && strings.Contains(holders, "m2")
	})
	if c.Kind == daemontest.Reference {
		return fp // its database schema differs from ours
	}
	inDB := strings.Join(acceptanceSQLColumn(t, m2, "SELECT m.name FROM images_members im JOIN members m ON m.id = im.member_id "+
		"JOIN images i ON i.id = im.image_id WHERE i.fingerprint = '"+fp+"' ORDER BY m.name"), ",")
	if inDB != holders {
		t.Fatalf("image files on %q but the database says %q", holders, inDB)
	}
	t.Logf("image %s replicated to %s", fp[:12], holders)
	return fp
}

// acceptanceSQLColumn runs `lxd sql global --format json` on m and returns
// the first column of every row.
func acceptanceSQLColumn(t *testing.T, m *daemontest.Member, query string) []string {
	t.Helper()
	cmd := exec.Command(daemontest.Binary(t, "lxd"), "sql", "global", "--format", "json", query)
	cmd.Env = append(os.Environ(), "LXD_DIR="+m.Dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lxd sql %q: %v", query, err)
	}
	var batch struct {
		Results []struct{ Rows [][]any } `json:"results"`
	}
	if err := json.Unmarshal(out, &batch); err != nil || len(batch.Results) != 1 {
		t.Fatalf("lxd sql %q: %v: %s", query, err, out)
	}
	var col []string
	for _, row := range batch.Results[0].Rows {
		col = append(col, strings.TrimSpace(strings.Trim(strings.TrimSpace(jsonString(row[0])), `"`)))
	}
	return col
}

func jsonString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// acceptanceExec runs commands in inst through m (which does not hold it):
// output and exit codes come back.
func acceptanceExec(t *testing.T, m *daemontest.Member, inst string) {
	if out := m.MustLXC(t, "exec", inst, "--", "echo", "a6-hello"); strings.TrimSpace(out) != "a6-hello" {
		t.Fatalf("lxc exec echo via %s: %q", m.Name, out)
	}
	m.MustLXC(t, "exec", inst, "--", "true")
	if r := m.LXC(t, "exec", inst, "--", "sh", "-c", "exit 3"); r.ExitCode != 3 {
		t.Fatalf("lxc exec 'exit 3' via %s: exit %d: %s", m.Name, r.ExitCode, r.Stderr)
	}
	if out := m.MustLXC(t, "exec", inst, "--", "hostname"); strings.TrimSpace(out) != inst {
		t.Fatalf("hostname via %s: %q", m.Name, out)
	}
	// Files, console log and snapshots through the same member.
	src := filepath.Join(t.TempDir(), "a6file")
	if err := os.WriteFile(src, []byte("a6-data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m.MustLXC(t, "file", "push", src, inst+"/root/a6file")
	if out := m.MustLXC(t, "exec", inst, "--", "cat", "/root/a6file"); out != "a6-data\n" {
		t.Fatalf("pushed file via %s: %q", m.Name, out)
	}
	back := filepath.Join(t.TempDir(), "back")
	m.MustLXC(t, "file", "pull", inst+"/root/a6file", back)
	if data, err := os.ReadFile(back); err != nil || string(data) != "a6-data\n" {
		t.Fatalf("pulled file via %s: %q %v", m.Name, data, err)
	}
	m.MustLXC(t, "console", inst, "--show-log")
	m.MustLXC(t, "snapshot", inst, "a6s")
	if out := m.MustLXC(t, "query", "/1.0/instances/"+inst+"/snapshots"); !strings.Contains(out, "/snapshots/a6s") {
		t.Fatalf("snapshot via %s: %s", m.Name, out)
	}
	m.MustLXC(t, "delete", inst+"/a6s")
}

// acceptanceMove stops inst (on m3) and moves it to m2 through m2: it is
// listed at m2, its volume left m3, and it starts and runs there.
func acceptanceMove(t *testing.T, c *daemontest.TestCluster, pool, inst string) {
	m1, m2, m3 := c.Members[0], c.Members[1], c.Members[2]
	m2.MustLXC(t, "stop", inst, "--force")
	clusterFails(t, m2, "Migration API failure: Failed to get target node: Cluster member not found", "move", inst, "--target", "nosuch")
	if got := clusterLocations(t, m1)[inst]; got != "STOPPED@m3" {
		t.Fatalf("after a move to an unknown member: %s is %q", inst, got)
	}
	m2.MustLXC(t, "move", inst, "--target", "m2")
	if got := clusterLocations(t, m1)[inst]; got != "STOPPED@m2" {
		t.Fatalf("lxc list on m1 after the move: %s is %q", inst, got)
	}
	volume := func(m *daemontest.Member) string {
		if m.Kind == daemontest.Reference {
			return filepath.Join(m.Dir, "storage-pools", pool, "containers", inst)
		}
		return filepath.Join(m.Dir, "storage-pools", pool, "containers", "default_"+inst)
	}
	if _, err := os.Stat(volume(m2)); err != nil {
		t.Fatalf("volume on m2 after the move: %v", err)
	}
	if _, err := os.Stat(volume(m3)); !os.IsNotExist(err) {
		t.Fatalf("volume left on m3 after the move: %v", err)
	}
	m2.MustLXC(t, "start", inst)
	if got := clusterLocations(t, m1)[inst]; got != "RUNNING@m2" {
		t.Fatalf("lxc list on m1 after the start: %s is %q", inst, got)
	}
	if out := m1.MustLXC(t, "exec", inst, "--", "echo", "moved"); strings.TrimSpace(out) != "moved" {
		t.Fatalf("exec after the move: %q", out)
	}
}

// acceptanceUnknownTarget: --target naming no member is refused with LXD's
// error (404 Cluster member not found) and changes nothing.
func acceptanceUnknownTarget(t *testing.T, c *daemontest.TestCluster, inst string) {
	m1, m2 := c.Members[0], c.Members[1]
	before := m1.MustLXC(t, "list", "-c", "nsL", "--format", "csv")
	pools := m1.MustLXC(t, "storage", "list", "--format", "csv")
	x := daemontest.Name(t, "a6x")
	clusterFails(t, m2, "Cluster member not found", "init", "busybox", x, "--target", "nosuch")
	clusterFails(t, m2, "Cluster member not found", "storage", "create", x, "dir", "--target", "nosuch")
	clusterFails(t, m2, "Cluster member not found", "copy", inst, x, "--target", "nosuch")
	clusterFails(t, m2, "Cluster member not found", "cluster", "remove", "nosuch")
	_, err := m2.Client.WithTarget("nosuch").Get(t.Context(), "/1.0", nil)
	if !api.IsStatus(err, 404) || err.Error() != "Cluster member not found" {
		t.Fatalf("GET /1.0?target=nosuch: %v", err)
	}
	if after := m1.MustLXC(t, "list", "-c", "nsL", "--format", "csv"); after != before {
		t.Fatalf("instances changed by refused requests:\nbefore %s\nafter %s", before, after)
	}
	if after := m1.MustLXC(t, "storage", "list", "--format", "csv"); after != pools {
		t.Fatalf("pools changed by refused requests:\nbefore %s\nafter %s", pools, after)
	}
	checkClusterList(t, m2)
}

// acceptanceJoin: a 4th server joins with the token printed by `lxc
// cluster add` on m2 (after the bad joins are refused), gets a stand-by
// role, and `lxc cluster remove` makes it a standalone server again.
func acceptanceJoin(t *testing.T, c *daemontest.TestCluster) {
	m1, m2 := c.Members[0], c.Members[1]
	good := func() string {
		out := m2.MustLXC(t, "cluster", "add", "m4")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[len(lines)-1]
	}
	checkClusterJoinRefusals(t, c, newClusterJoiner(t, c.Kind, "m4"), newClusterJoiner(t, c.Kind, "j5"), good)
	m4 := c.Member("m4")
	daemontest.Eventually(t, 30*time.Second, "m4 is a database stand-by", func() bool {
		return strings.Join(memberOf(t, m1, "m4").Roles, ",") == "database-standby"
	})
	if out := m2.MustLXC(t, "cluster", "list", "--format", "csv"); strings.Count(out, "ONLINE") != 4 {
		t.Fatalf("lxc cluster list with m4:\n%s", out)
	}
	checkClusteredServer(t, m4, "m4")
	m2.MustLXC(t, "cluster", "remove", "m4")
	c.Members = c.Members[:3]
	waitStandalone(t, m4)
	waitMembers(t, m1, 3)
	checkClusterList(t, m2)
}

// acceptanceLeaderLoss kills the database leader with SIGKILL and times a
// write on a survivor (it must succeed within 10s).
func acceptanceLeaderLoss(t *testing.T, c *daemontest.TestCluster) {
	leader := leaderOf(t, c)
	var survivor, other *daemontest.Member
	for _, m := range c.Members {
		switch {
		case m == leader:
		case survivor == nil:
			survivor = m
		default:
			other = m
		}
	}
	leader.Kill()
	begin := time.Now()
	r := survivor.LXC(t, "profile", "create", "a6-after-kill")
	took := time.Since(begin)
	t.Logf("write (profile create) on %s after kill -9 of leader %s took %s", survivor.Name, leader.Name, took.Round(time.Millisecond))
	if r.ExitCode != 0 || took > 10*time.Second {
		t.Fatalf("write after the leader's loss: exit %d in %s: %s", r.ExitCode, took, r.Stderr)
	}
	if out := other.MustLXC(t, "profile", "list", "--format", "csv"); !strings.Contains(out, "a6-after-kill") {
		t.Fatalf("profile made on %s not seen on %s:\n%s", survivor.Name, other.Name, out)
	}
}

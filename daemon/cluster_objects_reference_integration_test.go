//go:build integration

package daemon_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// scenarioClusterObjectShapes checks, on a 2-member cluster, the JSON
// shapes LXD 5.0.2 gives pending and created pools, a pending network and
// the instances of a cluster (location), against ours and the reference.
func scenarioClusterObjectShapes(t *testing.T, c *daemontest.TestCluster) {
	m1, m2 := c.Members[0], c.Members[1]
	pool := daemontest.Name(t, "p")
	if out := m2.MustLXC(t, "storage", "create", pool, "dir", "--target", "m1"); !strings.Contains(out, "pending on member m1") {
		t.Fatalf("targeted pool create: %q", out)
	}
	t.Cleanup(func() { m1.LXC(t, "storage", "delete", pool) })
	shapeEqual(t, m2, "/1.0/storage-pools/"+pool, map[string]any{"config": map[string]any{}, "description": "",
		"driver": "dir", "locations": []any{"m1"}, "name": pool, "status": "Pending", "used_by": nil})
	clusterFails(t, m2, "Pool not defined on nodes: m2", "storage", "create", pool, "dir")
	clusterFails(t, m2, `The storage pool already defined on member "m1"`, "storage", "create", pool, "dir", "--target", "m1")
	clusterFails(t, m2, `Config key "rsync.bwlimit" may not be used as member-specific key`,
		"storage", "create", pool, "dir", "rsync.bwlimit=10", "--target", "m2")
	m2.MustLXC(t, "storage", "create", pool, "dir", "--target", "m2")
	clusterFails(t, m2, `Config key "source" is cluster member specific`, "storage", "create", pool, "dir", "source=/x")
	m2.MustLXC(t, "storage", "create", pool, "dir")
	var p map[string]any
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool, &p)
	if locs, _ := p["locations"].([]any); len(locs) == 2 {
		sort.Slice(locs, func(i, j int) bool { return locs[i].(string) < locs[j].(string) })
	}
	want := map[string]any{"config": map[string]any{}, "description": "", "driver": "dir",
		"locations": []any{"m1", "m2"}, "name": pool, "status": "Created", "used_by": p["used_by"]}
	if !reflect.DeepEqual(p, want) || (p["used_by"] != nil && len(p["used_by"].([]any)) != 0) {
		t.Fatalf("created pool:\n got %v\nwant %v", p, want)
	}
	clusterQuery(t, m1, "/1.0/storage-pools/"+pool+"?target=m2", &p)
	if cfg, _ := p["config"].(map[string]any); cfg["source"] != filepath.Join(m2.Dir, "storage-pools", pool) || p["status"] != "Created" {
		t.Fatalf("pool on m2: %v", p)
	}
	net := daemontest.Name(t, "lxc2r")
	if out := m2.MustLXC(t, "network", "create", net, "--target", "m1"); !strings.Contains(out, "Network "+net+" pending on member m1") {
		t.Fatalf("targeted network create: %q", out)
	}
	t.Cleanup(func() { m1.LXC(t, "network", "delete", net) })
	shapeEqual(t, m2, "/1.0/networks/"+net, map[string]any{"config": map[string]any{}, "description": "",
		"locations": []any{"m1"}, "managed": true, "name": net, "status": "Pending", "type": "bridge", "used_by": nil})
	clusterFails(t, m2, `The network is already defined on member "m1"`, "network", "create", net, "--target", "m1")
	clusterFails(t, m2, `Config key "ipv4.address" may not be used as member-specific key`,
		"network", "create", net, "ipv4.address=10.206.78.1/24", "--target", "m2")
	m1.MustLXC(t, "network", "delete", net)
	checkInstanceShapes(t, c, pool)
}

// shapeEqual compares the JSON of path on m with want.
func shapeEqual(t *testing.T, m *daemontest.Member, path string, want map[string]any) {
	t.Helper()
	var got map[string]any
	clusterQuery(t, m, path, &got)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%s:\n got %s\nwant %s", path, g, w)
	}
}

// checkInstanceShapes: instances carry their location, the create
// operation runs on the target, ?target= does not filter the list.
func checkInstanceShapes(t *testing.T, c *daemontest.TestCluster, pool string) {
	m1, m2 := c.Members[0], c.Members[1]
	ctx := context.Background()
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m1.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "pool="+pool, "path=/")
	t.Cleanup(func() { m1.LXC(t, "profile", "device", "remove", "default", "root") })
	fp := clusterImport(t, m1, img.Unified, "busybox")
	c1, c2 := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	m1.MustLXC(t, "launch", "busybox", c1, "--target", "m1")
	t.Cleanup(func() { m1.LXC(t, "delete", "-f", c1) })
	req := api.InstancesPost{Name: c2, Type: "container", Source: api.InstanceSource{Type: "image", Fingerprint: fp}}
	op, err := m1.Client.WithTarget("m2").Do(ctx, http.MethodPost, "/1.0/instances", req, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m1.LXC(t, "delete", "-f", c2) })
	if op.Location != "m2" || op.Description != "Creating instance" {
		t.Fatalf("create operation: %+v", op.Operation)
	}
	if err := op.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	m1.MustLXC(t, "start", c2)
	var list []api.Instance
	clusterQuery(t, m1, "/1.0/instances?recursion=1", &list)
	locs := map[string]string{}
	for _, i := range list {
		locs[i.Name] = i.Location + "/" + i.Status
	}
	if len(list) != 2 || locs[c1] != "m1/Running" || locs[c2] != "m2/Running" {
		t.Fatalf("instances from m1: %v", locs)
	}
	var inst api.Instance
	clusterQuery(t, m1, "/1.0/instances/"+c2, &inst)
	if inst.Location != "m2" || inst.Status != "Running" || inst.ExpandedDevices["root"]["pool"] != pool {
		t.Fatalf("instance on m2 via m1: %+v", inst)
	}
	var urls []string
	clusterQuery(t, m1, "/1.0/instances?target=nosuch", &urls)
	if len(urls) != 2 {
		t.Fatalf("?target=nosuch filtered the list: %v", urls)
	}
	if got := clusterLocations(t, m2); got[c1] != "RUNNING@m1" || got[c2] != "RUNNING@m2" {
		t.Fatalf("lxc list on m2: %v", got)
	}
}

func TestClusterObjectShapes(t *testing.T) {
	scenarioClusterObjectShapes(t, daemontest.Cluster(t, 2))
}

func TestReferenceClusterObjectShapes(t *testing.T) {
	scenarioClusterObjectShapes(t, daemontest.ReferenceCluster(t, 2))
}

//go:build integration

package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

func (e *instEnv) writeMarker(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.volumePath(name), "rootfs", "marker"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (e *instEnv) marker(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e.volumePath(name), "rootfs", "marker"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func (e *instEnv) snapshotNames(t *testing.T, name string) []string {
	t.Helper()
	var urls []string
	out := e.d.MustLXC(t, "query", "/1.0/containers/"+name+"/snapshots")
	if err := json.Unmarshal([]byte(out), &urls); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range urls {
		if !strings.HasPrefix(u, "/1.0/instances/"+name+"/snapshots/") {
			t.Fatalf("snapshot URL %q", u)
		}
		names = append(names, u[strings.LastIndex(u, "/")+1:])
	}
	return names
}

// scenarioSnapshotsCopies: snapshot, restore reverts a file, copies from a
// snapshot and with/without snapshots, move, snapshot rename and delete,
// a snapshot of a running container.
func scenarioSnapshotsCopies(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	c1 := daemontest.Name(t, "c")
	e.newBusybox(t, c1)
	e.writeMarker(t, c1, "one")
	d.MustLXC(t, "snapshot", c1, "snap0")
	e.writeMarker(t, c1, "two")
	d.MustLXC(t, "restore", c1, "snap0")
	if got := e.marker(t, c1); got != "one" {
		t.Fatalf("marker after restore = %q", got)
	}

	fromSnap, only, full, moved := daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c")
	for _, n := range []string{fromSnap, only, full, moved} {
		e.cleanupInstance(t, n)
	}
	d.MustLXC(t, "copy", c1+"/snap0", fromSnap)
	if got := e.marker(t, fromSnap); got != "one" {
		t.Fatalf("copy of snapshot: marker %q", got)
	}
	if cfg := e.get(t, fromSnap).Config; cfg["volatile.apply_template"] != "copy" || cfg["volatile.uuid"] == e.get(t, c1).Config["volatile.uuid"] {
		t.Fatalf("copy volatile keys: %v", cfg)
	}
	d.MustLXC(t, "copy", c1, only, "--instance-only")
	if got := e.snapshotNames(t, only); len(got) != 0 {
		t.Fatalf("--instance-only copy has snapshots %v", got)
	}
	d.MustLXC(t, "copy", c1, full)
	if got := e.snapshotNames(t, full); len(got) != 1 || got[0] != "snap0" {
		t.Fatalf("copy snapshots %v", got)
	}
	e.writeMarker(t, c1, "three")
	d.MustLXC(t, "copy", c1, full, "--refresh")
	if got := e.marker(t, full); got != "three" {
		t.Fatalf("copy --refresh: marker %q", got)
	}
	d.MustLXC(t, "move", fromSnap, moved)
	if e.exists(t, fromSnap) || !e.exists(t, moved) || e.marker(t, moved) != "one" {
		t.Fatal("move did not rename")
	}

	d.MustLXC(t, "start", c1)
	d.MustLXC(t, "snapshot", c1)
	if got := e.snapshotNames(t, c1); strings.Join(got, ",") != "snap0,snap1" {
		t.Fatalf("snapshots %v", got)
	}
	e.waitStatus(t, c1, "Running")
	d.MustLXC(t, "move", c1+"/snap1", c1+"/renamed")
	d.MustLXC(t, "delete", c1+"/snap0")
	if got := e.snapshotNames(t, c1); strings.Join(got, ",") != "renamed" {
		t.Fatalf("snapshots after rename/delete %v", got)
	}
	info := d.MustLXC(t, "info", c1)
	if !strings.Contains(info, "renamed") {
		t.Fatalf("lxc info lacks the snapshot: %s", info)
	}
	d.MustLXC(t, "restore", c1, "renamed")
	e.waitStatus(t, c1, "Running")
}

func TestInstanceSnapshotsCopies(t *testing.T) { scenarioSnapshotsCopies(t, daemontest.Start(t)) }
func TestReferenceInstanceSnapshotsCopies(t *testing.T) {
	scenarioSnapshotsCopies(t, daemontest.StartReference(t))
}

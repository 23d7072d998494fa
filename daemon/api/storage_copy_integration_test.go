//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// scenarioStorageVolumeCopyMove: copies within a pool and to another pool
// (rsync, with the target pool's rsync.bwlimit/compression), with or
// without snapshots, from a snapshot, refreshes, and moves through lxc and
// through the API.
func scenarioStorageVolumeCopyMove(t *testing.T, d *daemontest.Daemon) {
	d1 := newPool(t, d, "dir")
	b := newPool(t, d, "btrfs", "size=1GiB")
	d.MustLXC(t, "storage", "set", b, "rsync.bwlimit", "100MiB")
	d.MustLXC(t, "storage", "set", b, "rsync.compression", "false")
	d.MustLXC(t, "storage", "volume", "create", d1, "v")
	file := func(pool, vol string) string { return filepath.Join(volumeDir(d, pool, "default", vol), "f") }
	snapFile := func(pool, vol, snap string) string {
		return filepath.Join(d.Dir, "storage-pools", pool, "custom-snapshots", "default_"+vol, snap, "f")
	}
	writeFile(t, file(d1, "v"), "snapv")
	d.MustLXC(t, "storage", "volume", "snapshot", d1, "v", "s0")
	writeFile(t, file(d1, "v"), "orig")

	d.MustLXC(t, "storage", "volume", "copy", d1+"/v", d1+"/c1")
	if readFile(t, file(d1, "c1")) != "orig" || readFile(t, snapFile(d1, "c1", "s0")) != "snapv" {
		t.Errorf("same-pool copy: %q %q", readFile(t, file(d1, "c1")), readFile(t, snapFile(d1, "c1", "s0")))
	}
	d.MustLXC(t, "storage", "volume", "copy", d1+"/v", d1+"/c2", "--volume-only")
	if names := snapshotNames(t, d, d1, "c2"); len(names) != 0 || readFile(t, file(d1, "c2")) != "orig" {
		t.Errorf("volume-only copy: %v %q", names, readFile(t, file(d1, "c2")))
	}
	d.MustLXC(t, "storage", "volume", "copy", d1+"/v", b+"/c3")
	if readFile(t, file(b, "c3")) != "orig" || readFile(t, snapFile(b, "c3", "s0")) != "snapv" {
		t.Errorf("cross-pool copy: %q %q", readFile(t, file(b, "c3")), readFile(t, snapFile(b, "c3", "s0")))
	}
	mustAsync(t, d, "POST", "/1.0/storage-pools/"+b+"/volumes/custom",
		`{"name":"fromsnap","type":"custom","source":{"type":"copy","pool":"`+d1+`","name":"v/s0"}}`)
	if got := readFile(t, file(b, "fromsnap")); got != "snapv" {
		t.Errorf("copy of a snapshot: %q", got)
	}
	writeFile(t, file(d1, "v"), "new")
	d.MustLXC(t, "storage", "volume", "snapshot", d1, "v", "s1")
	d.MustLXC(t, "storage", "volume", "copy", d1+"/v", b+"/c3", "--refresh")
	if names := snapshotNames(t, d, b, "c3"); readFile(t, file(b, "c3")) != "new" || len(names) != 2 {
		t.Errorf("refresh: %q %v", readFile(t, file(b, "c3")), names)
	}
	expectError(t, d, "POST", "/1.0/storage-pools/"+b+"/volumes/custom",
		`{"name":"c3","type":"custom","source":{"type":"copy","pool":"`+d1+`","name":"v"}}`, 409, "Volume by that name already exists")

	d.MustLXC(t, "storage", "volume", "move", d1+"/c1", b+"/m1")
	if _, err := os.Stat(volumeDir(d, d1, "default", "c1")); !os.IsNotExist(err) {
		t.Errorf("moved volume still in its old pool: %v", err)
	}
	if got := readFile(t, file(b, "m1")); got != "orig" {
		t.Errorf("moved volume content: %q", got)
	}
	mustAsync(t, d, "POST", "/1.0/storage-pools/"+b+"/volumes/custom/m1", `{"name":"m2","pool":"`+d1+`"}`)
	if got := readFile(t, file(d1, "m2")); got != "orig" || !contains(snapshotNames(t, d, d1, "m2"), "m2/s0") {
		t.Errorf("API move: %q %v", got, snapshotNames(t, d, d1, "m2"))
	}
	if _, _, err := d.Client.GetStorageVolume(context.Background(), b, "custom", "m1"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("source of the move still there: %v", err)
	}
}

func TestStorageVolumeCopyMove(t *testing.T) { scenarioStorageVolumeCopyMove(t, daemontest.Start(t)) }

func TestReferenceStorageVolumeCopyMove(t *testing.T) {
	scenarioStorageVolumeCopyMove(t, daemontest.StartReference(t))
}

// scenarioStorageVolumeProjects: custom volumes belong to a project with
// features.storage.volumes, else to default; all-projects and filters.
func scenarioStorageVolumeProjects(t *testing.T, d *daemontest.Daemon) {
	pa, pb := daemontest.Name(t, "pa"), daemontest.Name(t, "pb")
	d.CreateProject(t, pa, map[string]string{"features.storage.volumes": "true"})
	d.CreateProject(t, pb, map[string]string{"features.storage.volumes": "false"})
	p := newPool(t, d, "dir")
	u := "/1.0/storage-pools/" + p + "/volumes"
	mustSync(t, d, "POST", u+"/custom?project="+pa, `{"name":"va"}`)
	mustSync(t, d, "POST", u+"/custom?project="+pb, `{"name":"vb"}`)
	t.Cleanup(func() {
		rawQuery(t, d, "DELETE", u+"/custom/va?project="+pa, "", nil)
		rawQuery(t, d, "DELETE", u+"/custom/vb", "", nil)
	})
	if _, err := os.Stat(volumeDir(d, p, pa, "va")); err != nil {
		t.Errorf("volume of %s on disk: %v", pa, err)
	}
	if _, err := os.Stat(volumeDir(d, p, "default", "vb")); err != nil {
		t.Errorf("volume of %s (no storage feature) not in default: %v", pb, err)
	}
	var urls []string
	list := func(query string) []string {
		urls = nil
		if _, err := d.Client.Get(context.Background(), u+query, &urls); err != nil {
			t.Fatalf("GET %s: %v", query, err)
		}
		return urls
	}
	if got := list("?project=" + pa); len(got) != 1 || got[0] != u+"/custom/va?project="+pa {
		t.Errorf("volumes of %s: %v", pa, got)
	}
	if got := list("?project=" + pb); len(got) != 1 || got[0] != u+"/custom/vb" {
		t.Errorf("volumes of %s: %v", pb, got)
	}
	if got := list("?all-projects=true"); len(got) != 2 {
		t.Errorf("all projects: %v", got)
	}
	if got := list("?all-projects=true&filter=name+eq+va"); len(got) != 1 || !strings.Contains(got[0], "/va") {
		t.Errorf("filtered: %v", got)
	}
	if got := list("?filter=name+eq+nosuch"); len(got) != 0 {
		t.Errorf("filter without a match: %v", got)
	}
	vol, _, err := d.Client.WithProject(pa).GetStorageVolume(context.Background(), p, "custom", "va")
	if err != nil || vol.Project != pa {
		t.Errorf("volume of %s: %+v %v", pa, vol, err)
	}
	expectError(t, d, "GET", u+"/custom/va", "", 404, "Storage pool volume not found")
}

func TestStorageVolumeProjects(t *testing.T) { scenarioStorageVolumeProjects(t, daemontest.Start(t)) }

func TestReferenceStorageVolumeProjects(t *testing.T) {
	scenarioStorageVolumeProjects(t, daemontest.StartReference(t))
}

// scenarioStorageEvents: lifecycle events with LXD 5.0.2's action names,
// sources (volumes named "<project>_<name>", except in
// storage-volume-snapshot-updated) and contexts.
func scenarioStorageEvents(t *testing.T, d *daemontest.Daemon) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := d.Client.GetEvents(ctx, true, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(t, d, "dir")
	pu := "/1.0/storage-pools/" + p
	vu := pu + "/volumes/custom"
	mustSync(t, d, "PATCH", pu, `{"config":{"user.x":"1"}}`)
	mustSync(t, d, "POST", vu, `{"name":"v"}`)
	mustSync(t, d, "PATCH", vu+"/v", `{"config":{"user.y":"1"}}`)
	mustAsync(t, d, "POST", vu+"/v/snapshots", `{"name":"s0"}`)
	mustSync(t, d, "PUT", vu+"/v/snapshots/s0", `{"description":"d"}`)
	mustAsync(t, d, "POST", vu+"/v/snapshots/s0", `{"name":"s1"}`)
	mustSync(t, d, "PUT", vu+"/v", `{"restore":"s1"}`)
	mustSync(t, d, "POST", vu+"/v", `{"name":"w"}`)
	mustAsync(t, d, "DELETE", vu+"/w/snapshots/s1", "")
	mustSync(t, d, "DELETE", vu+"/w", "")
	mustSync(t, d, "DELETE", pu, "")
	want := []string{
		"storage-pool-created " + pu + " ",
		"storage-pool-updated " + pu + " ",
		"storage-volume-created " + vu + "/default_v type=custom",
		"storage-volume-updated " + vu + "/default_v ",
		"storage-volume-snapshot-created " + vu + "/default_v/snapshots/s0 type=custom",
		"storage-volume-snapshot-updated " + vu + "/v/snapshots/s0 ",
		"storage-volume-snapshot-renamed " + vu + "/default_v/snapshots/s0 old_name=s0",
		"storage-volume-restored " + vu + "/default_v snapshot=s1",
		"storage-volume-renamed " + vu + "/default_w old_name=v",
		"storage-volume-snapshot-deleted " + vu + "/default_w/snapshots/s1 ",
		"storage-volume-deleted " + vu + "/default_w ",
		"storage-pool-deleted " + pu + " ",
	}
	var got []string
	timeout := time.After(20 * time.Second)
	for len(got) < len(want) {
		select {
		case e := <-events:
			var lc api.EventLifecycle
			if err := json.Unmarshal(e.Metadata, &lc); err != nil || !strings.HasPrefix(lc.Action, "storage-") {
				continue
			}
			var kv []string
			for k, v := range lc.Context {
				kv = append(kv, k+"="+fmt.Sprint(v))
			}
			got = append(got, lc.Action+" "+lc.Source+" "+strings.Join(kv, ","))
			if lc.Requestor == nil || lc.Requestor.Protocol != "unix" || e.Project != "default" {
				t.Errorf("event %s: requestor %+v project %q", lc.Action, lc.Requestor, e.Project)
			}
		case <-timeout:
			t.Fatalf("events so far:\n%s", strings.Join(got, "\n"))
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func TestStorageEvents(t *testing.T) { scenarioStorageEvents(t, daemontest.Start(t)) }

func TestReferenceStorageEvents(t *testing.T) { scenarioStorageEvents(t, daemontest.StartReference(t)) }

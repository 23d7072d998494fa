//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioStorageVolumesCLI: custom volumes (filesystem and block) managed
// with the real lxc; JSON shape, ETag, errors in LXD's words.
func scenarioStorageVolumesCLI(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	p := newPool(t, d, "dir")
	u := "/1.0/storage-pools/" + p + "/volumes/custom"
	d.MustLXC(t, "storage", "volume", "create", p, "v1", "size=1GiB")
	d.MustLXC(t, "storage", "volume", "create", p, "blk", "--type=block", "size=10MiB")
	_, r := rawQuery(t, d, "GET", u+"/v1", "", nil)
	var raw map[string]any
	_ = json.Unmarshal(r.Metadata, &raw)
	want := `{"config":{"size":"1GiB"},"content_type":"filesystem","created_at":"0001-01-01T00:00:00Z","description":"","location":"none","name":"v1","project":"default","type":"custom","used_by":[]}`
	if got, _ := json.Marshal(raw); string(got) != want {
		t.Errorf("volume JSON:\n got %s\nwant %s", got, want)
	}
	vol, etag, err := d.Client.GetStorageVolume(ctx, p, "custom", "v1")
	if err != nil || etag != etagOf(t, []any{"v1", "custom", map[string]string{"size": "1GiB"}}) {
		t.Errorf("volume ETag %q: %v", etag, err)
	}
	if st, err := os.Stat(filepath.Join(volumeDir(d, p, "default", "blk"), "root.img")); err != nil || st.Size() != 10<<20 {
		t.Errorf("block volume image: %v %v", st, err)
	}
	if blk, _, _ := d.Client.GetStorageVolume(ctx, p, "custom", "blk"); blk.ContentType != "block" {
		t.Errorf("block volume content type: %q", blk.ContentType)
	}
	d.MustLXC(t, "storage", "volume", "set", p, "v1", "user.k", "v")
	if got := strings.TrimSpace(d.MustLXC(t, "storage", "volume", "get", p, "v1", "user.k")); got != "v" {
		t.Errorf("volume get: %q", got)
	}
	d.MustLXC(t, "storage", "volume", "unset", p, "v1", "user.k")
	show := d.MustLXC(t, "storage", "volume", "show", p, "v1")
	runEdit(t, d, strings.Replace(show, `description: ""`, "description: edited", 1), "storage", "volume", "edit", p, "v1")
	if vol, _, _ = d.Client.GetStorageVolume(ctx, p, "custom", "v1"); vol.Description != "edited" || vol.Config["user.k"] != "" {
		t.Errorf("after set/unset/edit: %+v", vol)
	}
	status, _ := rawQuery(t, d, "PATCH", u+"/v1", `{"config":{"user.x":"1"}}`, map[string]string{"If-Match": `"deadbeef"`})
	if status != 412 {
		t.Errorf("PATCH with a stale ETag: %d", status)
	}
	writeFile(t, filepath.Join(volumeDir(d, p, "default", "v1"), "f"), "data")
	d.MustLXC(t, "storage", "volume", "rename", p, "v1", "v2")
	expectError(t, d, "GET", u+"/v1", "", 404, "Storage pool volume not found")
	if got := readFile(t, filepath.Join(volumeDir(d, p, "default", "v2"), "f")); got != "data" {
		t.Errorf("content after rename: %q", got)
	}
	var urls []string
	if _, err := d.Client.Get(ctx, "/1.0/storage-pools/"+p+"/volumes", &urls); err != nil || !contains(urls, u+"/v2") {
		t.Errorf("volume URLs: %v %v", urls, err)
	}
	checkVolumeErrors(t, d, p)
	checkVolumeInUse(t, d, p)
	d.MustLXC(t, "storage", "volume", "delete", p, "v2")
	if _, err := os.Stat(volumeDir(d, p, "default", "v2")); !os.IsNotExist(err) {
		t.Errorf("volume directory left behind: %v", err)
	}
}

func checkVolumeErrors(t *testing.T, d *daemontest.Daemon, p string) {
	u := "/1.0/storage-pools/" + p + "/volumes/custom"
	tests := []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"POST", u, `{"name":"v2"}`, 409, "Volume by that name already exists"},
		{"POST", u, `{"name":"vx","config":{"bogus":"1"}}`, 500, `Invalid option for volume "default_vx" option "bogus"`},
		{"POST", u, `{"name":"vx","config":{"snapshots.expiry":"1x"}}`, 500, `Invalid value for volume "default_vx" option "snapshots.expiry": Invalid expiry expression`},
		{"POST", u, `{"name":"vx","config":{"snapshots.schedule":"* * *"}}`, 500, `Invalid value for volume "default_vx" option "snapshots.schedule": Schedule must be of the form: <minute> <hour> <day-of-month> <month> <day-of-week>`},
		{"PATCH", u + "/v2", `{"config":{"bogus":"1"}}`, 500, `Invalid option for volume "default_v2" option "bogus"`},
		{"POST", u, `{"name":"vx","content_type":"nope"}`, 400, "Invalid volume content type name"},
		{"POST", u, `{"name":"a/b"}`, 400, "Storage volume names may not contain slashes"},
		{"POST", u, `{"name":""}`, 400, "No name provided"},
		{"POST", "/1.0/storage-pools/" + p + "/volumes/container", `{"name":"x"}`, 400, `Currently not allowed to create storage volumes of type "container"`},
		{"GET", "/1.0/storage-pools/" + p + "/volumes/nope", "", 400, "Invalid storage volume type name"},
		{"GET", u + "/nosuch", "", 404, "Storage pool volume not found"},
		{"GET", "/1.0/storage-pools/lxdngsv-nosuch/volumes", "", 404, "Storage pool not found"},
		{"POST", u + "/v2", `{"name":"blk"}`, 409, "Volume by that name already exists"},
		{"GET", u + "/v2/state", "", 500, "Not supported"},
	}
	for _, tt := range tests {
		expectError(t, d, tt.method, tt.path, tt.body, tt.status, tt.msg)
	}
	expectError(t, d, "GET", u+"/blk/state", "", 500, "Not supported")
}

// checkVolumeInUse: a volume a profile uses lists it and cannot go.
func checkVolumeInUse(t *testing.T, d *daemontest.Daemon, p string) {
	prof := daemontest.Name(t, "lxdngsv-prof")
	createProfile(t, d, prof, map[string]map[string]string{"data": {"type": "disk", "path": "/mnt", "pool": p, "source": "v2"}})
	vol, _, _ := d.Client.GetStorageVolume(context.Background(), p, "custom", "v2")
	if len(vol.UsedBy) != 1 || vol.UsedBy[0] != "/1.0/profiles/"+prof {
		t.Errorf("used_by: %v", vol.UsedBy)
	}
	expectError(t, d, "DELETE", "/1.0/storage-pools/"+p+"/volumes/custom/v2", "", 400, "The storage volume is still in use")
	deleteProfile(t, d, prof)
}

func TestStorageVolumesCLI(t *testing.T) { scenarioStorageVolumesCLI(t, daemontest.Start(t)) }

func TestReferenceStorageVolumesCLI(t *testing.T) {
	scenarioStorageVolumesCLI(t, daemontest.StartReference(t))
}

// scenarioStorageVolumeSnapshots: snapshot, restore (content reverts),
// rename, delete, default names, expiry, JSON quirks and ETag.
func scenarioStorageVolumeSnapshots(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	p := newPool(t, d, "dir")
	u := "/1.0/storage-pools/" + p + "/volumes/custom/v"
	d.MustLXC(t, "storage", "volume", "create", p, "v")
	file := filepath.Join(volumeDir(d, p, "default", "v"), "f")
	writeFile(t, file, "one")
	d.MustLXC(t, "storage", "volume", "snapshot", p, "v", "s0")
	writeFile(t, file, "two")
	d.MustLXC(t, "storage", "volume", "restore", p, "v", "s0")
	if got := readFile(t, file); got != "one" {
		t.Errorf("content after restore: %q", got)
	}
	_, r := rawQuery(t, d, "GET", u+"/snapshots/s0", "", nil)
	want := `{"config":{},"content_type":"filesystem","created_at":"0001-01-01T00:00:00Z","description":"","expires_at":"0001-01-01T00:00:00Z","name":"s0"}`
	if got := canonical(t, r.Metadata); got != want {
		t.Errorf("snapshot JSON:\n got %s\nwant %s", got, want)
	}
	if _, etag, _ := d.Client.GetStorageVolumeSnapshot(ctx, p, "custom", "v", "s0"); etag != etagOf(t, []any{"", time.Time{}}) {
		t.Errorf("snapshot ETag %q", etag)
	}
	_, r = rawQuery(t, d, "GET", u+"/snapshots?recursion=1", "", nil)
	want = `[{"config":{},"content_type":"","created_at":"0001-01-01T00:00:00Z","description":"","expires_at":null,"name":"v/s0"}]`
	if got := canonical(t, r.Metadata); got != want {
		t.Errorf("snapshot list JSON:\n got %s\nwant %s", got, want)
	}
	mustAsync(t, d, "POST", u+"/snapshots", `{}`)
	mustAsync(t, d, "POST", u+"/snapshots", `{"name":"","expires_at":null}`)
	expectError(t, d, "POST", u+"/snapshots", `{"name":"s0"}`, 409, `Snapshot "s0" already in use`)
	expectError(t, d, "POST", u+"/snapshots", `{"name":"a/b"}`, 400, `Storage name cannot contain "/"`)
	expectError(t, d, "PUT", u, `{"restore":"nosuch"}`, 500, "Snapshot not found")
	expectError(t, d, "GET", u+"/snapshots/nosuch", "", 404, "Storage pool volume not found")
	d.MustLXC(t, "storage", "volume", "rename", p, "v/s0", "v/s1")
	d.MustLXC(t, "storage", "volume", "delete", p, "v/snap0")
	names := snapshotNames(t, d, p, "v")
	if strings.Join(names, ",") != "v/snap1,v/s1" && strings.Join(names, ",") != "v/s1,v/snap1" {
		t.Errorf("snapshots after rename/delete: %v", names)
	}
	if _, err := os.Stat(filepath.Join(d.Dir, "storage-pools", p, "custom-snapshots", "default_v", "s1", "f")); err != nil {
		t.Errorf("renamed snapshot on disk: %v", err)
	}
	checkSnapshotUpdates(t, d, p)
	vols, _ := d.Client.GetStorageVolumes(ctx, p)
	if len(vols) != 3 || vols[0].Name != "v" || !strings.HasPrefix(vols[1].Name, "v/") {
		t.Errorf("volume list with snapshots: %+v", vols)
	}
}

func checkSnapshotUpdates(t *testing.T, d *daemontest.Daemon, p string) {
	ctx := context.Background()
	u := "/1.0/storage-pools/" + p + "/volumes/custom/v/snapshots/s1"
	mustSync(t, d, "PUT", u, `{"description":"sd","expires_at":"2030-01-01T00:00:00Z"}`)
	mustSync(t, d, "PATCH", u, `{"description":"sd2"}`)
	sn, etag, _ := d.Client.GetStorageVolumeSnapshot(ctx, p, "custom", "v", "s1")
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if sn.Description != "sd2" || sn.ExpiresAt == nil || !sn.ExpiresAt.Equal(exp) {
		t.Errorf("after PUT/PATCH: %+v", sn)
	}
	if etag != etagOf(t, []any{"sd2", exp}) {
		t.Errorf("snapshot ETag after update: %s", etag)
	}
	d.MustLXC(t, "storage", "volume", "set", p, "v", "snapshots.expiry", "1d")
	mustAsync(t, d, "POST", "/1.0/storage-pools/"+p+"/volumes/custom/v/snapshots", `{"name":"e1"}`)
	sn, _, _ = d.Client.GetStorageVolumeSnapshot(ctx, p, "custom", "v", "e1")
	if sn.ExpiresAt == nil || time.Until(*sn.ExpiresAt) < 23*time.Hour || time.Until(*sn.ExpiresAt) > 25*time.Hour {
		t.Errorf("snapshots.expiry not applied: %v", sn.ExpiresAt)
	}
	mustAsync(t, d, "DELETE", "/1.0/storage-pools/"+p+"/volumes/custom/v/snapshots/e1", "")
}

func snapshotNames(t *testing.T, d *daemontest.Daemon, p, v string) []string {
	snaps, err := d.Client.GetStorageVolumeSnapshots(context.Background(), p, "custom", v)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range snaps {
		out = append(out, s.Name)
	}
	return out
}

// canonical re-marshals JSON with sorted keys.
func canonical(t *testing.T, data []byte) string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestStorageVolumeSnapshots(t *testing.T) { scenarioStorageVolumeSnapshots(t, daemontest.Start(t)) }

func TestReferenceStorageVolumeSnapshots(t *testing.T) {
	scenarioStorageVolumeSnapshots(t, daemontest.StartReference(t))
}

// scenarioStorageVolumeSecurityKeys: security.shifted and
// security.unmapped are accepted and stored.
func scenarioStorageVolumeSecurityKeys(t *testing.T, d *daemontest.Daemon) {
	p := newPool(t, d, "dir")
	d.MustLXC(t, "storage", "volume", "create", p, "sh", "security.shifted=true")
	d.MustLXC(t, "storage", "volume", "create", p, "um", "security.unmapped=true")
	sh, _, _ := d.Client.GetStorageVolume(context.Background(), p, "custom", "sh")
	um, _, _ := d.Client.GetStorageVolume(context.Background(), p, "custom", "um")
	if sh.Config["security.shifted"] != "true" || um.Config["security.unmapped"] != "true" {
		t.Errorf("security keys not stored: %v %v", sh.Config, um.Config)
	}
}

func TestStorageVolumeSecurityKeys(t *testing.T) {
	scenarioStorageVolumeSecurityKeys(t, daemontest.Start(t))
}

func TestReferenceStorageVolumeSecurityKeys(t *testing.T) {
	scenarioStorageVolumeSecurityKeys(t, daemontest.StartReference(t))
}

// TestStorageScheduledSnapshots: the snapshot task (interval shortened
// with LXDNG_SNAPSHOT_TASK_INTERVAL) takes scheduled snapshots named by
// snapshots.pattern and deletes expired ones. Ours only: the reference
// runs its task once a minute.
func TestStorageScheduledSnapshots(t *testing.T) {
	t.Setenv("LXDNG_SNAPSHOT_TASK_INTERVAL", "1s")
	d := daemontest.Start(t)
	p := newPool(t, d, "dir")
	d.MustLXC(t, "storage", "volume", "create", p, "v", "snapshots.schedule=* * * * *", "snapshots.pattern=auto%d")
	daemontest.Eventually(t, 20*time.Second, "scheduled snapshot auto0", func() bool {
		return contains(snapshotNames(t, d, p, "v"), "v/auto0")
	})
	if names := snapshotNames(t, d, p, "v"); len(names) != 1 {
		t.Errorf("one scheduled minute gave %v", names)
	}
	exp := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	mustAsync(t, d, "POST", "/1.0/storage-pools/"+p+"/volumes/custom/v/snapshots", `{"name":"short","expires_at":"`+exp+`"}`)
	daemontest.Eventually(t, 20*time.Second, "expired snapshot pruned", func() bool {
		return !contains(snapshotNames(t, d, p, "v"), "v/short")
	})
	if _, err := os.Stat(filepath.Join(d.Dir, "storage-pools", p, "custom-snapshots", "default_v", "short")); !os.IsNotExist(err) {
		t.Errorf("expired snapshot left on disk: %v", err)
	}
}

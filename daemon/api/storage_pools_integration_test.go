//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// scenarioStoragePoolsCLI: pools made and managed with the real lxc, their
// JSON shape, no ETag, the environment's storage fields, errors.
func scenarioStoragePoolsCLI(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	p := newPool(t, d, "dir")
	b := newPool(t, d, "btrfs", "size=2GiB")
	list := d.MustLXC(t, "storage", "list", "--format=csv")
	if !strings.Contains(list, p+",dir,") || !strings.Contains(list, b+",btrfs,") || !strings.Contains(list, "CREATED") {
		t.Fatalf("lxc storage list:\n%s", list)
	}
	resp, err := d.Client.Raw(ctx, "GET", "/1.0/storage-pools/"+p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("ETag") != "" {
		t.Errorf("GET pool sent an ETag %q; LXD 5.0.2 sends none", resp.Header.Get("ETag"))
	}
	_, r := rawQuery(t, d, "GET", "/1.0/storage-pools/"+p, "", nil)
	var raw map[string]any
	_ = json.Unmarshal(r.Metadata, &raw)
	want := map[string]any{"name": p, "driver": "dir", "description": "", "status": "Created", "used_by": nil,
		"locations": []any{"none"}, "config": map[string]any{"source": filepath.Join(d.Dir, "storage-pools", p)}}
	for k, v := range want {
		got, _ := json.Marshal(raw[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("pool %s: %s = %s, want %s", p, k, got, exp)
		}
	}
	if len(raw) != len(want) {
		t.Errorf("pool fields: %v", raw)
	}
	bp, err := d.Client.GetStoragePool(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if bp.Config["size"] != "2GiB" || bp.Config["source"] != filepath.Join(d.Dir, "disks", b+".img") {
		t.Errorf("btrfs pool config: %v", bp.Config)
	}
	if !isMounted(t, filepath.Join(d.Dir, "storage-pools", b)) {
		t.Error("btrfs pool not mounted")
	}
	checkPoolCLIEdits(t, d, p)
	checkStorageEnvironment(t, d)
	expectError(t, d, "POST", "/1.0/storage-pools", `{"name":"`+p+`","driver":"dir"}`, 409,
		"The storage pool already exists: The record already exists")
	expectError(t, d, "POST", "/1.0/storage-pools/"+p, `{"name":"x"}`, 501, "not implemented")
	expectError(t, d, "GET", "/1.0/storage-pools/lxdngsv-nosuch", "", 404, "Storage pool not found")
	var urls []string
	if _, err := d.Client.Get(ctx, "/1.0/storage-pools", &urls); err != nil || !contains(urls, "/1.0/storage-pools/"+p) {
		t.Errorf("pool URL list: %v %v", urls, err)
	}
	res, err := d.Client.GetStoragePoolResources(ctx, b)
	if err != nil || res.Space.Total < 1<<30 || res.Space.Used == 0 {
		t.Errorf("btrfs resources: %+v %v", res, err)
	}
	res, err = d.Client.GetStoragePoolResources(ctx, p)
	if err != nil || res.Space.Total == 0 || res.Inodes.Total == 0 {
		t.Errorf("dir resources: %+v %v", res, err)
	}
	d.MustLXC(t, "storage", "delete", p)
	if _, err := d.Client.GetStoragePool(ctx, p); err == nil {
		t.Error("pool still there after lxc storage delete")
	}
	if _, err := os.Stat(filepath.Join(d.Dir, "storage-pools", p)); !os.IsNotExist(err) {
		t.Errorf("pool directory left behind: %v", err)
	}
}

// checkPoolCLIEdits: get/set/unset/edit/show through lxc.
func checkPoolCLIEdits(t *testing.T, d *daemontest.Daemon, p string) {
	if got := strings.TrimSpace(d.MustLXC(t, "storage", "get", p, "source")); got != filepath.Join(d.Dir, "storage-pools", p) {
		t.Errorf("lxc storage get source: %q", got)
	}
	d.MustLXC(t, "storage", "set", p, "rsync.bwlimit", "10MiB")
	if got := strings.TrimSpace(d.MustLXC(t, "storage", "get", p, "rsync.bwlimit")); got != "10MiB" {
		t.Errorf("after set: %q", got)
	}
	d.MustLXC(t, "storage", "unset", p, "rsync.bwlimit")
	if got := strings.TrimSpace(d.MustLXC(t, "storage", "get", p, "rsync.bwlimit")); got != "" {
		t.Errorf("after unset: %q", got)
	}
	show := d.MustLXC(t, "storage", "show", p)
	edited := strings.Replace(show, `description: ""`, "description: edited", 1)
	edited = strings.Replace(edited, "config:\n", "config:\n  user.k: v\n", 1)
	runEdit(t, d, edited, "storage", "edit", p)
	pool, err := d.Client.GetStoragePool(context.Background(), p)
	if err != nil || pool.Description != "edited" || pool.Config["user.k"] != "v" || pool.Config["source"] == "" {
		t.Errorf("after edit: %+v %v", pool, err)
	}
	if r := d.LXC(t, "storage", "set", p, "bogus", "1"); r.ExitCode == 0 || !strings.Contains(r.Stderr, `Invalid option "bogus"`) {
		t.Errorf("lxc storage set bogus: %d %s", r.ExitCode, r.Stderr)
	}
}

// checkStorageEnvironment: GET /1.0 lists the operational drivers and the
// drivers in use.
func checkStorageEnvironment(t *testing.T, d *daemontest.Daemon) {
	srv, _, err := d.Client.GetServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env := srv.Environment
	found := map[string]bool{}
	for _, drv := range env.StorageSupportedDrivers {
		found[drv.Name] = drv.Version != "" && !drv.Remote
	}
	if !found["dir"] || !found["btrfs"] {
		t.Errorf("storage_supported_drivers: %+v", env.StorageSupportedDrivers)
	}
	// LXD joins the drivers in use in no fixed order; we sort them.
	if (env.Storage != "btrfs | dir" && env.Storage != "dir | btrfs") || !strings.Contains(env.StorageVersion, " | ") {
		t.Errorf("storage: %q, storage_version: %q", env.Storage, env.StorageVersion)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestStoragePoolsCLI(t *testing.T) { scenarioStoragePoolsCLI(t, daemontest.Start(t)) }

func TestReferenceStoragePoolsCLI(t *testing.T) {
	scenarioStoragePoolsCLI(t, daemontest.StartReference(t))
}

// scenarioStoragePoolConfig: key validation in LXD's words and codes,
// volume.* defaults, the source lock, and refusing to delete a pool in use.
func scenarioStoragePoolConfig(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	p := newPool(t, d, "dir")
	u := "/1.0/storage-pools/" + p
	tests := []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"PATCH", u, `{"config":{"bogus":"1"}}`, 400, `Invalid option "bogus"`},
		{"PATCH", u, `{"config":{"volume.bogus":"1"}}`, 400, `Invalid option "volume.bogus"`},
		{"PATCH", u, `{"config":{"rsync.compression":"maybe"}}`, 400, `Invalid value for option "rsync.compression": Invalid value for a boolean "maybe"`},
		{"PATCH", u, `{"config":{"source":"/tmp"}}`, 500, "Pool source cannot be changed when not in pending state"},
		{"PUT", u, `{"config":{},"description":"x"}`, 500, "Pool source cannot be changed when not in pending state"},
		{"POST", "/1.0/storage-pools", `{"name":"lxdngsv-bad","driver":"dir","config":{"bogus":"1"}}`, 500, `Invalid option "bogus"`},
		{"POST", "/1.0/storage-pools", `{"name":"lxdngsv-bad","driver":"nope"}`, 500, "Unknown driver"},
	}
	for _, tt := range tests {
		expectError(t, d, tt.method, tt.path, tt.body, tt.status, tt.msg)
	}
	mustSync(t, d, "PUT", u, `{"config":{"source":"`+filepath.Join(d.Dir, "storage-pools", p)+`"},"description":"hello"}`)
	// PATCH replaces the description too (LXD 5.0.2), and accepts
	// volatile.initial_source.
	mustSync(t, d, "PATCH", u, `{"config":{"volume.size":"10MiB","volatile.initial_source":"/x"}}`)
	pool, _ := d.Client.GetStoragePool(ctx, p)
	if pool.Description != "" || pool.Config["volume.size"] != "10MiB" || pool.Config["volatile.initial_source"] != "/x" {
		t.Errorf("after PATCH: %+v", pool)
	}
	mustSync(t, d, "POST", u+"/volumes/custom", `{"name":"v1"}`)
	vol, _, err := d.Client.GetStorageVolume(ctx, p, "custom", "v1")
	if err != nil || vol.Config["size"] != "10MiB" {
		t.Errorf("volume.size default not applied: %+v %v", vol, err)
	}
	expectError(t, d, "DELETE", u, "", 400, "The storage pool is currently in use")
	if _, err := d.Client.GetStoragePool(ctx, p); err != nil {
		t.Fatal("pool gone after a refused delete")
	}
	if _, err := os.Stat(volumeDir(d, p, "default", "v1")); err != nil {
		t.Errorf("volume gone after a refused pool delete: %v", err)
	}
	mustSync(t, d, "DELETE", u+"/volumes/custom/v1", "")
	prof := daemontest.Name(t, "lxdngsv-prof")
	createProfile(t, d, prof, map[string]map[string]string{"root": {"type": "disk", "path": "/", "pool": p}})
	pool, _ = d.Client.GetStoragePool(ctx, p)
	if !contains(pool.UsedBy, "/1.0/profiles/"+prof) {
		t.Errorf("used_by lacks the profile: %v", pool.UsedBy)
	}
	expectError(t, d, "DELETE", u, "", 400, "The storage pool is currently in use")
	deleteProfile(t, d, prof)
	mustSync(t, d, "DELETE", u, "")
}

func TestStoragePoolConfig(t *testing.T) { scenarioStoragePoolConfig(t, daemontest.Start(t)) }

func TestReferenceStoragePoolConfig(t *testing.T) {
	scenarioStoragePoolConfig(t, daemontest.StartReference(t))
}

// scenarioStorageBtrfsPool: mount options, volume state with quotas,
// growing the pool, and a restart that remounts the loop pool with the
// volumes' content intact.
func scenarioStorageBtrfsPool(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	b := newPool(t, d, "btrfs", "size=1GiB", "btrfs.mount_options=user_subvol_rm_allowed,noatime")
	mnt := filepath.Join(d.Dir, "storage-pools", b)
	if opts := mountOptions(t, mnt); !strings.Contains(opts, "noatime") {
		t.Errorf("mount options of %s: %q", mnt, opts)
	}
	d.MustLXC(t, "storage", "volume", "create", b, "v1", "size=100MiB")
	d.MustLXC(t, "storage", "volume", "create", b, "blk", "--type=block", "size=10MiB")
	writeFile(t, filepath.Join(volumeDir(d, b, "default", "v1"), "data"), "kept")
	st, err := d.Client.GetStorageVolumeState(ctx, b, "custom", "v1")
	if err != nil || st.Usage == nil || st.Usage.Total != 100<<20 || st.Usage.Used == 0 {
		t.Errorf("state of v1: %+v %v", st.Usage, err)
	}
	st, err = d.Client.GetStorageVolumeState(ctx, b, "custom", "blk")
	if err != nil || st.Usage == nil || st.Usage.Total != 10<<20 || st.Usage.Used != 0 {
		t.Errorf("state of blk: %+v %v", st.Usage, err)
	}
	if out := d.MustLXC(t, "storage", "volume", "info", b, "v1"); !strings.Contains(out, "Total: 100.00MiB") {
		t.Errorf("lxc storage volume info:\n%s", out)
	}
	before, _ := d.Client.GetStoragePoolResources(ctx, b)
	d.MustLXC(t, "storage", "set", b, "size", "2GiB")
	after, _ := d.Client.GetStoragePoolResources(ctx, b)
	// LXD 5.0.2 only records the new size of a btrfs loop pool; we grow
	// the loop file and the filesystem.
	if got := strings.TrimSpace(d.MustLXC(t, "storage", "get", b, "size")); got != "2GiB" {
		t.Errorf("size after set: %q", got)
	}
	if d.Kind == daemontest.Ours && after.Space.Total <= before.Space.Total {
		t.Errorf("pool did not grow: %d -> %d", before.Space.Total, after.Space.Total)
	}
	d.Restart()
	daemontest.Eventually(t, 30e9, "btrfs pool remounted after restart", func() bool { return isMounted(t, mnt) })
	if got := readFile(t, filepath.Join(volumeDir(d, b, "default", "v1"), "data")); got != "kept" {
		t.Errorf("volume content after restart: %q", got)
	}
	pool, err := d.Client.GetStoragePool(ctx, b)
	if err != nil || pool.Status != api.StoragePoolStatusCreated {
		t.Errorf("pool after restart: %+v %v", pool, err)
	}
}

func mountOptions(t *testing.T, path string) string {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[4] == path {
			return f[5] + "," + f[len(f)-1]
		}
	}
	return ""
}

func TestStorageBtrfsPool(t *testing.T) { scenarioStorageBtrfsPool(t, daemontest.Start(t)) }

func TestReferenceStorageBtrfsPool(t *testing.T) {
	scenarioStorageBtrfsPool(t, daemontest.StartReference(t))
}

// TestStoragePoolUnavailableAtStart: a pool whose loop file is missing at
// start is reported "Unavailable" (the daemon still starts), volume work
// on it is refused with 503, and once the file is back the pool is
// mounted again on next use.
func TestStoragePoolUnavailableAtStart(t *testing.T) {
	d := daemontest.Start(t)
	b := newPool(t, d, "btrfs", "size=1GiB")
	d.MustLXC(t, "storage", "volume", "create", b, "v")
	img := filepath.Join(d.Dir, "disks", b+".img")
	d.Stop()
	if err := os.Rename(img, img+".away"); err != nil {
		t.Fatal(err)
	}
	d.Restart()
	pool, err := d.Client.GetStoragePool(context.Background(), b)
	if err != nil || pool.Status != api.StoragePoolStatusUnavailable {
		t.Fatalf("pool with a missing loop file: %+v %v", pool, err)
	}
	status, r := rawQuery(t, d, "POST", "/1.0/storage-pools/"+b+"/volumes/custom", `{"name":"w"}`, nil)
	if status != 503 || !strings.Contains(r.Error, "is unavailable on this server") {
		t.Errorf("volume create on an unavailable pool: %d %s", status, r.Error)
	}
	if err := os.Rename(img+".away", img); err != nil {
		t.Fatal(err)
	}
	mustSync(t, d, "POST", "/1.0/storage-pools/"+b+"/volumes/custom", `{"name":"w"}`)
	if pool, _ = d.Client.GetStoragePool(context.Background(), b); pool.Status != api.StoragePoolStatusCreated {
		t.Errorf("pool after its file came back: %s", pool.Status)
	}
	if !isMounted(t, filepath.Join(d.Dir, "storage-pools", b)) {
		t.Error("pool not mounted again")
	}
}

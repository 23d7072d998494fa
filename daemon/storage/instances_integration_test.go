//go:build integration

package storage

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/btrfs"
	"github.com/lxdng/lxd/drivers/storage/dir"
	"github.com/lxdng/lxd/shared/api"
)

// newTestService runs the service on a fresh database and LXD_DIR.
func newTestService(t *testing.T) (*Service, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("integration tests need root")
	}
	for _, tool := range []string{"mkfs.btrfs", "btrfs", "rsync"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install it with scripts/install-deps", tool)
		}
	}
	ctx := context.Background()
	base := t.TempDir()
	store, err := db.Open(ctx, filepath.Join(base, "database"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var memberID int64
	err = store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		memberID, err = tx.CreateMember(ctx, db.Member{Name: "none", Address: "0.0.0.0", SchemaVersion: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Store: store, Self: cluster.StaticSelf(db.Member{ID: memberID, Name: "none"}), Dir: base, Drivers: map[string]func() drv.Driver{
		"dir": func() drv.Driver { return dir.New() }, "btrfs": func() drv.Driver { return btrfs.New() },
	}})
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(func() {
		cancel()
		s.Stop(context.Background())
		unmountUnder(t, filepath.Join(base, "storage-pools"))
	})
	if err := s.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	return s, base
}

// unmountUnder removes mounts a failed test left under dir.
func unmountUnder(t *testing.T, dir string) {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			t.Logf("cleanup: unmounting %s", f[4])
			_ = exec.Command("umount", "-l", f[4]).Run()
		}
	}
}

// TestInstanceVolumeAPI drives the API the instance service uses, on dir
// and on btrfs-on-loop: image volumes unpacked once per pool even with
// concurrent callers, instance volumes from an image (btrfs: snapshot of
// the image volume; dir: unpacked), mount refcounts, snapshots, restore,
// copy across pools, rename, deletion, and image volume removal.
func TestInstanceVolumeAPI(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	for _, driver := range []string{"dir", "btrfs"} {
		t.Run(driver, func(t *testing.T) {
			cfg := map[string]string{}
			if driver == "btrfs" {
				cfg["size"] = "1GiB"
			}
			pool := "lxdngsv-i" + driver
			if err := s.CreatePool(ctx, api.StoragePoolsPost{Name: pool, Driver: driver, StoragePoolPut: api.StoragePoolPut{Config: cfg}}); err != nil {
				t.Fatal(err)
			}
			checkInstanceVolumes(t, s, pool, driver == "btrfs")
			if err := s.DeleteImageVolumes(ctx, "fp1"); err != nil {
				t.Fatal(err)
			}
			if err := s.DeletePool(ctx, pool); err != nil {
				t.Fatalf("delete pool after cleanup: %v", err)
			}
		})
	}
}

func checkInstanceVolumes(t *testing.T, s *Service, pool string, optimized bool) {
	ctx := context.Background()
	var unpacks atomic.Int32
	unpack := func(ctx context.Context, path string) error {
		unpacks.Add(1)
		return os.WriteFile(filepath.Join(path, "image-file"), []byte("from image"), 0o644)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.EnsureImageVolume(ctx, pool, "fp1", unpack)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := map[bool]int32{true: 1, false: 0}[optimized]; unpacks.Load() != want {
		t.Errorf("image unpacked %d times, want %d", unpacks.Load(), want)
	}
	c1 := InstanceRef{Pool: pool, Project: "default", Name: "c1"}
	if err := s.CreateInstanceVolume(ctx, InstanceVolumeSpec{InstanceRef: c1, ImageFingerprint: "fp1", Unpack: unpack}); err != nil {
		t.Fatal(err)
	}
	path, release, err := s.MountInstanceVolume(ctx, c1, "")
	if err != nil {
		t.Fatal(err)
	}
	path2, release2, err := s.MountInstanceVolume(ctx, c1, "")
	if err != nil || path2 != path {
		t.Fatalf("second mount: %q %v", path2, err)
	}
	if got, _ := os.ReadFile(filepath.Join(path, "image-file")); string(got) != "from image" {
		t.Errorf("instance volume content: %q", got)
	}
	if !strings.HasSuffix(path, "/containers/default_c1") {
		t.Errorf("instance volume path %q", path)
	}
	if n := s.mounts.count(drv.Volume{Pool: drv.Pool{Name: pool}, Type: drv.VolumeTypeContainer, Name: "default_c1"}); n != 2 {
		t.Errorf("mount users = %d, want 2", n)
	}
	release()
	release()
	release2()
	if n := s.mounts.count(drv.Volume{Pool: drv.Pool{Name: pool}, Type: drv.VolumeTypeContainer, Name: "default_c1"}); n != 0 {
		t.Errorf("mount users after release = %d", n)
	}
	checkInstanceSnapshots(t, s, c1, path)
	checkInstanceCopyRename(t, s, c1)
}

func checkInstanceSnapshots(t *testing.T, s *Service, c1 InstanceRef, path string) {
	ctx := context.Background()
	if err := s.CreateInstanceSnapshot(ctx, c1, "snap0"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInstanceSnapshot(ctx, c1, "snap0"); api.StatusOf(err) != 409 {
		t.Errorf("duplicate instance snapshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(path, "image-file"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameInstanceSnapshot(ctx, c1, "snap0", "snap1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreInstanceSnapshot(ctx, c1, "snap1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(path, "image-file")); string(got) != "from image" {
		t.Errorf("content after restore: %q", got)
	}
	vols, err := s.ListVolumes(ctx, c1.Pool, ListVolumesOpts{Project: "default"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vols {
		names = append(names, v.Type+":"+v.Name+":"+strings.Join(v.UsedBy, ","))
	}
	got := strings.Join(names, " ")
	if !strings.Contains(got, "container:c1:/1.0/instances/c1") || !strings.Contains(got, "container:c1/snap1:/1.0/instances/c1/snapshots/snap1") {
		t.Errorf("volume list: %s", got)
	}
	pool, _ := s.GetPool(ctx, c1.Pool)
	if len(pool.UsedBy) == 0 || pool.UsedBy[len(pool.UsedBy)-1] != "/1.0/instances/c1/snapshots/snap1" {
		t.Errorf("pool used_by: %v", pool.UsedBy)
	}
	if err := s.DeletePool(ctx, c1.Pool); api.StatusOf(err) != 400 {
		t.Errorf("deleting a pool with an instance volume: %v", err)
	}
}

func checkInstanceCopyRename(t *testing.T, s *Service, c1 InstanceRef) {
	ctx := context.Background()
	other := "lxdngsv-ix" + c1.Pool[len(c1.Pool)-3:]
	if err := s.CreatePool(ctx, api.StoragePoolsPost{Name: other, Driver: "dir"}); err != nil {
		t.Fatal(err)
	}
	c2 := InstanceRef{Pool: other, Project: "default", Name: "c2"}
	if err := s.CopyInstanceVolume(ctx, c2, c1, true); err != nil {
		t.Fatal(err)
	}
	path, release, err := s.MountInstanceVolume(ctx, c2, "snap1")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(path, "image-file")); string(got) != "from image" {
		t.Errorf("copied snapshot content: %q", got)
	}
	release()
	if err := s.RenameInstanceVolume(ctx, c2, "c3"); err != nil {
		t.Fatal(err)
	}
	c3 := InstanceRef{Pool: other, Project: "default", Name: "c3"}
	if _, err := s.InstanceVolumeUsage(ctx, c3); err != nil && !strings.Contains(err.Error(), "Not supported") {
		t.Errorf("usage: %v", err)
	}
	for _, ref := range []InstanceRef{c3, c1} {
		if err := s.DeleteInstanceVolume(ctx, ref); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteInstanceVolume(ctx, ref); err != nil {
			t.Errorf("second delete: %v", err)
		}
	}
	if err := s.DeletePool(ctx, other); err != nil {
		t.Fatal(err)
	}
}

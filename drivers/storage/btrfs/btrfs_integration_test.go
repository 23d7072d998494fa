//go:build integration

package btrfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/drivers/storage/internal/mounts"
	"github.com/lxdng/lxd/drivers/storage/storagetest"
	"github.com/lxdng/lxd/shared/units"
)

var poolCounter atomic.Int64

// requireHost fails (never skips) when the host cannot run btrfs pools.
func requireHost(t *testing.T) *Driver {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("btrfs integration tests need root (loop devices, mounts)")
	}
	d := New()
	if !d.Info().Operational {
		t.Fatalf("btrfs driver not operational: %s (install btrfs-progs: apt-get install btrfs-progs)", d.Info().Reason)
	}
	return d
}

// newLoopPool describes a loop-backed pool in a fresh $LXD_DIR-like temp
// dir and makes sure its mount and loop device are gone when the test ends,
// even if the test failed before deleting it.
func newLoopPool(t *testing.T) storage.Pool {
	t.Helper()
	varDir := t.TempDir()
	name := fmt.Sprintf("lxdngst-btrfs%d-%d", os.Getpid(), poolCounter.Add(1))
	p := storage.Pool{
		Name:     name,
		Driver:   "btrfs",
		Config:   map[string]string{"size": "512MiB"},
		Path:     filepath.Join(varDir, "storage-pools", name),
		DisksDir: filepath.Join(varDir, "disks"),
	}
	t.Cleanup(func() { forceCleanup(t, p.Path, loopPath(p)) })
	return p
}

// forceCleanup unmounts path and detaches loop devices backing file.
func forceCleanup(t *testing.T, path, file string) {
	if err := mounts.Unmount(path); err != nil {
		t.Errorf("cleanup: %v", err)
		_ = unix.Unmount(path, unix.MNT_DETACH)
	}
	if err := detachLoops(context.Background(), file); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

func TestConformanceLoop(t *testing.T) {
	requireHost(t)
	storagetest.Run(t, func() storage.Driver { return New() }, newLoopPool)
}

// TestConformanceSubvolumeSource runs the suite on pools whose source is a
// directory of another btrfs filesystem, bind-mounted on the pool path.
func TestConformanceSubvolumeSource(t *testing.T) {
	d := requireHost(t)
	ctx := context.Background()
	backing := newLoopPool(t)
	cfg, err := d.FillPoolConfig(ctx, backing)
	if err != nil {
		t.Fatal(err)
	}
	backing.Config = cfg
	if err := d.CreatePool(ctx, backing); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.DeletePool(ctx, backing) })
	storagetest.Run(t, func() storage.Driver { return New() }, func(t *testing.T) storage.Pool {
		p := newLoopPool(t)
		p.Config = map[string]string{"source": filepath.Join(backing.Path, "custom", p.Name)}
		return p
	})
}

// createPool fills and creates p, deleting it at the end of the test.
func createPool(t *testing.T, d *Driver, p storage.Pool) storage.Pool {
	t.Helper()
	ctx := context.Background()
	cfg, err := d.FillPoolConfig(ctx, p)
	if err != nil {
		t.Fatalf("FillPoolConfig: %v", err)
	}
	p.Config = cfg
	if err := d.CreatePool(ctx, p); err != nil {
		t.Fatalf("CreatePool: %v", err)
	}
	t.Cleanup(func() {
		if err := d.DeletePool(ctx, p); err != nil {
			t.Errorf("DeletePool: %v", err)
		}
	})
	return p
}

// waitLoops waits until want loop devices back file.
func waitLoops(t *testing.T, file string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		devs, err := loopsOf(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(devs) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("loop devices of %s: %v, want %d", file, devs, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func wantMounted(t *testing.T, path string, want bool) {
	t.Helper()
	got, err := mounts.IsMountPoint(path)
	if err != nil || got != want {
		t.Fatalf("%s mounted = %v (%v), want %v", path, got, err, want)
	}
}

// TestLoopPoolLifecycle: the loop file is made at $LXD_DIR/disks, attached
// while mounted, detached by unmount, re-attached by MountPool (a daemon
// restart), and removed with the pool.
func TestLoopPoolLifecycle(t *testing.T) {
	d := requireHost(t)
	ctx := context.Background()
	p := newLoopPool(t)
	delete(p.Config, "size")
	cfg, err := d.FillPoolConfig(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	size, err := units.ParseByteSize(cfg["size"])
	if err != nil || size < 5<<30 || size > 30<<30 || size%(1<<30) != 0 {
		t.Fatalf("default size %q (%v), want whole GiB in 5..30GiB", cfg["size"], err)
	}
	if cfg["source"] != filepath.Join(p.DisksDir, p.Name+".img") {
		t.Fatalf("default source %q", cfg["source"])
	}
	p.Config = map[string]string{"size": "300MiB", "btrfs.mount_options": "user_subvol_rm_allowed,noatime"}
	p = createPool(t, d, p)
	file := loopPath(p)
	if st, err := os.Stat(file); err != nil || st.Size() != 300<<20 {
		t.Fatalf("loop file %s: %v", file, err)
	}
	wantMounted(t, p.Path, true)
	waitLoops(t, file, 1)
	if err := d.UnmountPool(ctx, p); err != nil {
		t.Fatal(err)
	}
	wantMounted(t, p.Path, false)
	waitLoops(t, file, 0)
	if err := d.MountPool(ctx, p); err != nil {
		t.Fatal(err)
	}
	wantMounted(t, p.Path, true)
	waitLoops(t, file, 1)
	if err := d.DeletePool(ctx, p); err != nil {
		t.Fatal(err)
	}
	if files.Exists(file) || files.Exists(p.Path) {
		t.Fatalf("DeletePool left %s or %s", file, p.Path)
	}
	waitLoops(t, file, 0)
}

// TestQuotaEnforced: writing past a volume's size fails with EDQUOT.
func TestQuotaEnforced(t *testing.T) {
	d := requireHost(t)
	ctx := context.Background()
	p := createPool(t, d, newLoopPool(t))
	v := storage.Volume{Pool: p, Type: storage.VolumeTypeCustom, ContentType: storage.ContentTypeFS,
		Name: "default_q", Config: map[string]string{"size": "16MiB"}}
	if err := d.CreateVolume(ctx, v, nil); err != nil {
		t.Fatal(err)
	}
	path, err := d.MountVolume(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := d.Usage(ctx, v); err != nil || u.Total != 16<<20 || u.Used <= 0 || u.Used > 1<<20 {
		t.Fatalf("Usage of an empty 16MiB volume = %+v, %v", u, err)
	}
	f, err := os.Create(filepath.Join(path, "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for i := 0; i < 64 && err == nil; i++ {
		if _, err = f.Write(chunk); err == nil {
			err = f.Sync()
		}
	}
	if !errors.Is(err, unix.EDQUOT) {
		t.Fatalf("writing 64MiB into a 16MiB volume: got %v, want EDQUOT", err)
	}
}

// TestNestedSubvolumes: subvolumes made inside a volume (nested container
// storage) are carried by snapshots and copies and removed with it.
func TestNestedSubvolumes(t *testing.T) {
	d := requireHost(t)
	ctx := context.Background()
	p := createPool(t, d, newLoopPool(t))
	v := storage.Volume{Pool: p, Type: storage.VolumeTypeContainer, ContentType: storage.ContentTypeFS,
		Name: "default_nest", Config: map[string]string{}}
	if err := d.CreateVolume(ctx, v, nil); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(v.MainPath(), "var", "inner")
	if err := os.MkdirAll(filepath.Dir(inner), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("btrfs", "subvolume", "create", inner).CombinedOutput(); err != nil {
		t.Fatalf("btrfs subvolume create: %v: %s", err, out)
	}
	if err := os.WriteFile(filepath.Join(inner, "f"), []byte("nested"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateSnapshot(ctx, v, "s0"); err != nil {
		t.Fatal(err)
	}
	snapFile := filepath.Join(v.SnapshotPath("s0"), "var", "inner", "f")
	wantContent(t, snapFile, "nested")
	if err := os.WriteFile(filepath.Join(v.SnapshotPath("s0"), "x"), nil, 0o644); !errors.Is(err, unix.EROFS) {
		t.Fatalf("writing into a snapshot: got %v, want EROFS", err)
	}
	cp := v.WithName("default_nestcopy")
	if err := d.CopyVolume(ctx, cp, v, true); err != nil {
		t.Fatal(err)
	}
	wantContent(t, filepath.Join(cp.MainPath(), "var", "inner", "f"), "nested")
	wantContent(t, filepath.Join(cp.SnapshotPath("s0"), "var", "inner", "f"), "nested")
	for _, vol := range []storage.Volume{v, cp} {
		if err := d.DeleteVolume(ctx, vol); err != nil {
			t.Fatalf("DeleteVolume %s: %v", vol, err)
		}
		if files.Exists(vol.MainPath()) || files.Exists(vol.SnapshotsDir()) {
			t.Fatalf("DeleteVolume left %s", vol.MainPath())
		}
	}
}

func wantContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("%s = %q (%v), want %q", path, got, err, want)
	}
}

// TestBlockDeviceSource: a pool on a block device is formatted, mounted,
// remounted and left on the device when deleted.
func TestBlockDeviceSource(t *testing.T) {
	d := requireHost(t)
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "lxdngst-dev.img")
	if err := files.CreateSparseFile(img, 300<<20); err != nil {
		t.Fatal(err)
	}
	loop, err := attachLoop(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = loop.Close(); _ = detachLoops(context.Background(), img) })
	p := newLoopPool(t)
	p.Config = map[string]string{"source": loop.Path}
	p = createPool(t, d, p)
	v := storage.Volume{Pool: p, Type: storage.VolumeTypeCustom, ContentType: storage.ContentTypeFS,
		Name: "default_d", Config: map[string]string{}}
	if err := d.CreateVolume(ctx, v, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.UnmountPool(ctx, p); err != nil {
		t.Fatal(err)
	}
	wantMounted(t, p.Path, false)
	if err := d.MountPool(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := d.MountVolume(ctx, v); err != nil {
		t.Fatalf("volume after remount: %v", err)
	}
	if err := d.DeleteVolume(ctx, v); err != nil {
		t.Fatal(err)
	}
}

// TestImageVolumeReadOnly: an image volume is read-only once filled; the
// instance volumes cloned from it are writable; it renames and deletes.
func TestImageVolumeReadOnly(t *testing.T) {
	d := requireHost(t)
	ctx := context.Background()
	p := createPool(t, d, newLoopPool(t))
	img := storage.Volume{Pool: p, Type: storage.VolumeTypeImage, ContentType: storage.ContentTypeFS,
		Name: "0123abcd", Config: map[string]string{}}
	err := d.CreateVolume(ctx, img, func(ctx context.Context, root string) error {
		return os.WriteFile(filepath.Join(root, "rootfs"), []byte("image"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(img.MainPath(), "x"), nil, 0o644); !errors.Is(err, unix.EROFS) {
		t.Fatalf("writing into an image volume: got %v, want EROFS", err)
	}
	c := storage.Volume{Pool: p, Type: storage.VolumeTypeContainer, ContentType: storage.ContentTypeFS,
		Name: "default_c1", Config: map[string]string{}}
	if err := d.CopyVolume(ctx, c, img, false); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.MainPath(), "rootfs"), []byte("changed"), 0o644); err != nil {
		t.Fatalf("clone of an image is not writable: %v", err)
	}
	renamed := img.WithName("4567ef")
	if err := d.RenameVolume(ctx, img, renamed.Name); err != nil {
		t.Fatalf("RenameVolume of a read-only image: %v", err)
	}
	wantContent(t, filepath.Join(renamed.MainPath(), "rootfs"), "image")
	if err := d.DeleteVolume(ctx, renamed); err != nil {
		t.Fatalf("DeleteVolume of a read-only image: %v", err)
	}
	if files.Exists(renamed.MainPath()) {
		t.Fatal("image volume left behind")
	}
}

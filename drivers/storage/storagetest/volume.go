package storagetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
)

// testCreateVolumeFill: the filler's content is visible at the mount path,
// which is the LXD layout path; creating it twice is a conflict.
func (s *suite) testCreateVolumeFill(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := createFS(t, ctx, d, p, map[string]string{"hello": "world", "dir/nested": "deep"})
	path := mount(t, ctx, d, v)
	if want := filepath.Join(p.Path, "custom", v.Name); path != want {
		t.Fatalf("mount path = %q, want %q", path, want)
	}
	wantFile(t, ctx, d, v, "hello", "world")
	wantFile(t, ctx, d, v, "dir/nested", "deep")
	wantExists(t, "CreateVolume twice", d.CreateVolume(ctx, v, nil))
}

// testCreateVolumeFillFails: a failing filler leaves nothing behind.
func (s *suite) testCreateVolumeFillFails(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := volume(p, storage.VolumeTypeContainer, storage.ContentTypeFS)
	boom := errors.New("boom")
	err := d.CreateVolume(ctx, v, func(ctx context.Context, path string) error {
		return fmt.Errorf("unpack: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("CreateVolume with failing filler: got %v, want it to wrap the filler's error", err)
	}
	_, err = d.MountVolume(ctx, v)
	wantNotFound(t, "MountVolume after failed create", err, storage.ErrVolumeNotFound)
	mustNotExist(t, v.MainPath())
	if err := d.CreateVolume(ctx, v, nil); err != nil {
		t.Fatalf("CreateVolume after failed create: %v", err)
	}
}

// testVolumeTypesLayout: each type lands in LXD's directory; images have
// no snapshots.
func (s *suite) testVolumeTypesLayout(t *testing.T) {
	ctx, d, p := s.setup(t)
	tests := []struct {
		typ storage.VolumeType
		ct  storage.ContentType
		dir string
	}{
		{storage.VolumeTypeCustom, storage.ContentTypeFS, "custom"},
		{storage.VolumeTypeContainer, storage.ContentTypeFS, "containers"},
		{storage.VolumeTypeVM, storage.ContentTypeBlock, "virtual-machines"},
		{storage.VolumeTypeImage, storage.ContentTypeFS, "images"},
	}
	for _, tc := range tests {
		v := volume(p, tc.typ, tc.ct)
		v.Config["size"] = "4MiB"
		if err := d.CreateVolume(ctx, v, nil); err != nil {
			t.Fatalf("CreateVolume %s: %v", v, err)
		}
		if got, want := mount(t, ctx, d, v), filepath.Join(p.Path, tc.dir, v.Name); got != want {
			t.Fatalf("%s: mount path %q, want %q", v, got, want)
		}
		if tc.typ == storage.VolumeTypeImage {
			err := d.CreateSnapshot(ctx, v, "s0")
			if !errors.Is(err, storage.ErrNotSupported) {
				t.Fatalf("image snapshot: got %v, want ErrNotSupported", err)
			}
			continue
		}
		if err := d.CreateSnapshot(ctx, v, "s0"); err != nil {
			t.Fatalf("CreateSnapshot %s: %v", v, err)
		}
		want := filepath.Join(p.Path, tc.dir+"-snapshots", v.Name, "s0")
		if got := mount(t, ctx, d, v.WithSnapshot("s0")); got != want {
			t.Fatalf("%s: snapshot path %q, want %q", v, got, want)
		}
	}
}

// testBlockVolume: a sparse disk image of the asked or default size that
// grows and never shrinks.
func (s *suite) testBlockVolume(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := volume(p, storage.VolumeTypeCustom, storage.ContentTypeBlock)
	v.Config["size"] = "8MiB"
	if err := d.CreateVolume(ctx, v, nil); err != nil {
		t.Fatalf("CreateVolume: %v", err)
	}
	img := filepath.Join(mount(t, ctx, d, v), storage.BlockFileName)
	wantSize(t, img, 8<<20)
	if err := d.ResizeVolume(ctx, v, 16<<20); err != nil {
		t.Fatalf("ResizeVolume grow: %v", err)
	}
	wantSize(t, img, 16<<20)
	err := d.ResizeVolume(ctx, v, 4<<20)
	if !errors.Is(err, storage.ErrCannotBeShrunk) {
		t.Fatalf("ResizeVolume shrink: got %v, want ErrCannotBeShrunk", err)
	}
	wantSize(t, img, 16<<20)

	def := volume(p, storage.VolumeTypeVM, storage.ContentTypeBlock)
	if err := d.CreateVolume(ctx, def, nil); err != nil {
		t.Fatalf("CreateVolume default size: %v", err)
	}
	wantSize(t, filepath.Join(mount(t, ctx, d, def), storage.BlockFileName), storage.DefaultBlockSize)

	if err := d.CreateSnapshot(ctx, v, "s0"); err != nil {
		t.Fatalf("CreateSnapshot block: %v", err)
	}
	wantSize(t, filepath.Join(mount(t, ctx, d, v.WithSnapshot("s0")), storage.BlockFileName), 16<<20)
}

func wantSize(t *testing.T, path string, want int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	if st.Size() != want {
		t.Fatalf("%s: size %d, want %d", path, st.Size(), want)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %o, want 600", path, st.Mode().Perm())
	}
}

// testCopyVolume: a copy without snapshots has the content, no snapshots,
// and is independent of its source.
func (s *suite) testCopyVolume(t *testing.T) {
	ctx, d, p := s.setup(t)
	src := createFS(t, ctx, d, p, map[string]string{"f": "one", "sub/g": "two"})
	if err := d.CreateSnapshot(ctx, src, "s0"); err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	dst := volume(p, storage.VolumeTypeCustom, storage.ContentTypeFS)
	if err := d.CopyVolume(ctx, dst, src, false); err != nil {
		t.Fatalf("CopyVolume: %v", err)
	}
	wantFile(t, ctx, d, dst, "f", "one")
	wantFile(t, ctx, d, dst, "sub/g", "two")
	_, err := d.MountVolume(ctx, dst.WithSnapshot("s0"))
	wantNotFound(t, "snapshot of a copy without snapshots", err, storage.ErrSnapshotNotFound)
	writeFile(t, ctx, d, dst, "f", "changed")
	wantFile(t, ctx, d, src, "f", "one")
	wantExists(t, "CopyVolume onto an existing volume", d.CopyVolume(ctx, dst, src, false))
}

// testCopyVolumeWithSnapshots: the snapshots come along with their content.
func (s *suite) testCopyVolumeWithSnapshots(t *testing.T) {
	ctx, d, p := s.setup(t)
	src := createFS(t, ctx, d, p, map[string]string{"f": "old"})
	if err := d.CreateSnapshot(ctx, src, "s0"); err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	writeFile(t, ctx, d, src, "f", "new")
	dst := volume(p, storage.VolumeTypeCustom, storage.ContentTypeFS)
	if err := d.CopyVolume(ctx, dst, src, true); err != nil {
		t.Fatalf("CopyVolume: %v", err)
	}
	wantFile(t, ctx, d, dst, "f", "new")
	wantFile(t, ctx, d, dst.WithSnapshot("s0"), "f", "old")
	if err := d.DeleteVolume(ctx, src); err != nil {
		t.Fatalf("DeleteVolume source: %v", err)
	}
	wantFile(t, ctx, d, dst.WithSnapshot("s0"), "f", "old")
}

// testCopyFromSnapshot: copying a snapshot gives its content.
func (s *suite) testCopyFromSnapshot(t *testing.T) {
	ctx, d, p := s.setup(t)
	src := createFS(t, ctx, d, p, map[string]string{"f": "old"})
	if err := d.CreateSnapshot(ctx, src, "s0"); err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	writeFile(t, ctx, d, src, "f", "new")
	dst := volume(p, storage.VolumeTypeContainer, storage.ContentTypeFS)
	if err := d.CopyVolume(ctx, dst, src.WithSnapshot("s0"), false); err != nil {
		t.Fatalf("CopyVolume from snapshot: %v", err)
	}
	wantFile(t, ctx, d, dst, "f", "old")
	writeFile(t, ctx, d, dst, "f", "writable")
}

// testSnapshotRestore: snapshot, modify, restore reverts the content and
// keeps the snapshot.
func (s *suite) testSnapshotRestore(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := createFS(t, ctx, d, p, map[string]string{"f": "v1"})
	if err := d.CreateSnapshot(ctx, v, "s0"); err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	wantExists(t, "CreateSnapshot twice", d.CreateSnapshot(ctx, v, "s0"))
	writeFile(t, ctx, d, v, "f", "v2")
	writeFile(t, ctx, d, v, "added", "x")
	wantFile(t, ctx, d, v.WithSnapshot("s0"), "f", "v1")
	if err := d.UnmountVolume(ctx, v); err != nil {
		t.Fatalf("UnmountVolume: %v", err)
	}
	if err := d.RestoreSnapshot(ctx, v, "s0"); err != nil {
		t.Fatalf("RestoreSnapshot: %v", err)
	}
	wantFile(t, ctx, d, v, "f", "v1")
	wantNoFile(t, ctx, d, v, "added")
	wantFile(t, ctx, d, v.WithSnapshot("s0"), "f", "v1")
	writeFile(t, ctx, d, v, "f", "v3") // still writable after restore
}

// testRenameVolume: the volume and its snapshots move to the new name.
func (s *suite) testRenameVolume(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := createFS(t, ctx, d, p, map[string]string{"f": "x"})
	if err := d.CreateSnapshot(ctx, v, "s0"); err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	other := createFS(t, ctx, d, p, nil)
	wantExists(t, "RenameVolume onto an existing volume", d.RenameVolume(ctx, v, other.Name))
	nv := v.WithName(v.Name + "-renamed")
	if err := d.RenameVolume(ctx, v, nv.Name); err != nil {
		t.Fatalf("RenameVolume: %v", err)
	}
	_, err := d.MountVolume(ctx, v)
	wantNotFound(t, "MountVolume old name", err, storage.ErrVolumeNotFound)
	_, err = d.MountVolume(ctx, v.WithSnapshot("s0"))
	wantNotFound(t, "MountVolume old snapshot", err, storage.ErrSnapshotNotFound)
	wantFile(t, ctx, d, nv, "f", "x")
	wantFile(t, ctx, d, nv.WithSnapshot("s0"), "f", "x")
}

// testRenameSnapshot: one snapshot changes name, content kept.
func (s *suite) testRenameSnapshot(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := createFS(t, ctx, d, p, map[string]string{"f": "x"})
	for _, snap := range []string{"s0", "s1"} {
		if err := d.CreateSnapshot(ctx, v, snap); err != nil {
			t.Fatalf("CreateSnapshot %s: %v", snap, err)
		}
	}
	wantExists(t, "RenameSnapshot onto an existing snapshot", d.RenameSnapshot(ctx, v, "s0", "s1"))
	if err := d.RenameSnapshot(ctx, v, "s0", "renamed"); err != nil {
		t.Fatalf("RenameSnapshot: %v", err)
	}
	_, err := d.MountVolume(ctx, v.WithSnapshot("s0"))
	wantNotFound(t, "MountVolume old snapshot name", err, storage.ErrSnapshotNotFound)
	wantFile(t, ctx, d, v.WithSnapshot("renamed"), "f", "x")
	wantNotFound(t, "RenameSnapshot missing", d.RenameSnapshot(ctx, v, "s0", "s9"), storage.ErrSnapshotNotFound)
}

// testDeleteVolume: the volume and its snapshots are gone from disk, and
// deleting again succeeds.
func (s *suite) testDeleteVolume(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := createFS(t, ctx, d, p, map[string]string{"f": "x"})
	for _, snap := range []string{"s0", "s1"} {
		if err := d.CreateSnapshot(ctx, v, snap); err != nil {
			t.Fatalf("CreateSnapshot %s: %v", snap, err)
		}
	}
	if err := d.DeleteSnapshot(ctx, v, "s0"); err != nil {
		t.Fatalf("DeleteSnapshot: %v", err)
	}
	mustNotExist(t, v.SnapshotPath("s0"))
	mustExist(t, v.SnapshotPath("s1"))
	if err := d.DeleteSnapshot(ctx, v, "s0"); err != nil {
		t.Fatalf("DeleteSnapshot of a deleted snapshot: %v", err)
	}
	if err := d.DeleteVolume(ctx, v); err != nil {
		t.Fatalf("DeleteVolume: %v", err)
	}
	mustNotExist(t, v.MainPath())
	mustNotExist(t, v.SnapshotsDir())
	_, err := d.MountVolume(ctx, v)
	wantNotFound(t, "MountVolume deleted", err, storage.ErrVolumeNotFound)
	if err := d.DeleteVolume(ctx, v); err != nil {
		t.Fatalf("DeleteVolume of a deleted volume: %v", err)
	}
}

// testResizeAndUsage: a filesystem quota is accepted; when the driver
// measures usage, the total is the quota and the use is plausible.
func (s *suite) testResizeAndUsage(t *testing.T) {
	ctx, d, p := s.setup(t)
	v := createFS(t, ctx, d, p, nil)
	if err := d.ResizeVolume(ctx, v, 64<<20); err != nil {
		t.Fatalf("ResizeVolume: %v", err)
	}
	writeFile(t, ctx, d, v, "blob", string(make([]byte, 1<<20)))
	u, err := d.Usage(ctx, v)
	if errors.Is(err, storage.ErrNotSupported) {
		if err.Error() != "Not supported" {
			t.Fatalf("Usage error text %q, want LXD's %q", err.Error(), "Not supported")
		}
		return
	}
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	if u.Total != 64<<20 {
		t.Fatalf("Usage total = %d, want %d", u.Total, 64<<20)
	}
	if u.Used < 1<<20 || u.Used > 2<<20 {
		t.Fatalf("Usage used = %d after writing 1MiB", u.Used)
	}
	if err := d.ResizeVolume(ctx, v, 0); err != nil {
		t.Fatalf("ResizeVolume to no quota: %v", err)
	}
	if u, err = d.Usage(ctx, v); err != nil || u.Total != -1 {
		t.Fatalf("Usage without quota = %+v, %v; want total -1", u, err)
	}
}

// testMissingVolumeErrors: every call on a missing volume or snapshot is a
// 404 wrapping the right sentinel.
func (s *suite) testMissingVolumeErrors(t *testing.T) {
	ctx, d, p := s.setup(t)
	miss := volume(p, storage.VolumeTypeCustom, storage.ContentTypeFS)
	dst := volume(p, storage.VolumeTypeCustom, storage.ContentTypeFS)
	_, mountErr := d.MountVolume(ctx, miss)
	_, usageErr := d.Usage(ctx, miss)
	for name, err := range map[string]error{
		"MountVolume":     mountErr,
		"Usage":           usageErr,
		"RenameVolume":    d.RenameVolume(ctx, miss, "x"),
		"ResizeVolume":    d.ResizeVolume(ctx, miss, 1<<20),
		"CreateSnapshot":  d.CreateSnapshot(ctx, miss, "s0"),
		"RestoreSnapshot": d.RestoreSnapshot(ctx, miss, "s0"),
		"CopyVolume":      d.CopyVolume(ctx, dst, miss, false),
	} {
		wantNotFound(t, name, err, storage.ErrVolumeNotFound)
	}
	v := createFS(t, ctx, d, p, nil)
	_, err := d.MountVolume(ctx, v.WithSnapshot("nope"))
	wantNotFound(t, "MountVolume snapshot", err, storage.ErrSnapshotNotFound)
	wantNotFound(t, "RestoreSnapshot", d.RestoreSnapshot(ctx, v, "nope"), storage.ErrSnapshotNotFound)
	wantNotFound(t, "CopyVolume from snapshot", d.CopyVolume(ctx, dst, v.WithSnapshot("nope"), false), storage.ErrSnapshotNotFound)
}

// testInvalidNames: names that would escape the pool are 400s.
func (s *suite) testInvalidNames(t *testing.T) {
	ctx, d, p := s.setup(t)
	bad := volume(p, storage.VolumeTypeCustom, storage.ContentTypeFS)
	bad.Name = "../escape"
	if err := d.CreateVolume(ctx, bad, nil); api.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("CreateVolume %q: got %v, want 400", bad.Name, err)
	}
	v := createFS(t, ctx, d, p, nil)
	if err := d.CreateSnapshot(ctx, v, "a/b"); api.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("CreateSnapshot a/b: got %v, want 400", err)
	}
	if err := d.RenameVolume(ctx, v, ".."); api.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("RenameVolume ..: got %v, want 400", err)
	}
	mustNotExist(t, filepath.Join(p.Path, "escape"))
}

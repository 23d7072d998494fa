package dir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/drivers/storage/rsync"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
	"github.com/lxdng/lxd/shared/units"
)

// CreateVolume makes the volume directory, the disk image of a block
// volume, and runs fill.
func (d *Driver) CreateVolume(ctx context.Context, v storage.Volume, fill storage.Filler) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	path := v.MainPath()
	if files.Exists(path) {
		return storage.VolumeExists(v)
	}
	rev := revert.New()
	defer rev.Fail()
	if err := files.MkdirMode(path, storage.VolumeDirMode); err != nil {
		return err
	}
	rev.Add(func() { _ = os.RemoveAll(path) })
	if err := d.applySize(ctx, v, true); err != nil {
		return err
	}
	if fill != nil {
		if err := fill(ctx, path); err != nil {
			return fmt.Errorf("Failed to fill storage volume %q: %w", v.Name, err)
		}
	}
	rev.Success()
	return nil
}

// applySize gives a block volume its disk image of the configured size
// (creating it when create is set) and reports a filesystem size as not
// enforced.
func (d *Driver) applySize(ctx context.Context, v storage.Volume, create bool) error {
	if v.ContentType == storage.ContentTypeBlock {
		size, err := v.BlockSize()
		if err != nil {
			return err
		}
		img := filepath.Join(v.MainPath(), storage.BlockFileName)
		if create {
			return files.CreateSparseFile(img, size)
		}
		return files.GrowFile(img, size)
	}
	if v.Config["size"] != "" {
		warnNoQuota(ctx, v, v.Config["size"])
	}
	return nil
}

func warnNoQuota(ctx context.Context, v storage.Volume, size string) {
	logctx.From(ctx).WithField("pool", v.Pool.Name).WithField("volume", v.Name).WithField("size", size).
		Warn("The backing filesystem doesn't support quotas, skipping set quota")
}

// CopyVolume copies src (or its snapshot) into the new volume dst,
// snapshots first when asked.
func (d *Driver) CopyVolume(ctx context.Context, dst, src storage.Volume, snapshots bool) error {
	if err := src.Validate(true); err != nil {
		return err
	}
	if err := dst.Validate(false); err != nil {
		return err
	}
	if !files.Exists(src.Path()) {
		return storage.VolumeNotFound(src)
	}
	if files.Exists(dst.MainPath()) {
		return storage.VolumeExists(dst)
	}
	rev := revert.New()
	defer rev.Fail()
	rev.Add(func() { _ = d.DeleteVolume(ctx, dst) })
	if snapshots && src.Snapshot == "" {
		names, err := listSnapshots(src)
		if err != nil {
			return err
		}
		for _, snap := range names {
			if err := copyInto(ctx, src.SnapshotPath(snap), dst, snap); err != nil {
				return err
			}
		}
	}
	if err := copyInto(ctx, src.Path(), dst, ""); err != nil {
		return err
	}
	if dst.ContentType == storage.ContentTypeBlock && dst.Config["size"] != "" {
		if err := growAtLeast(dst); err != nil {
			return err
		}
	}
	rev.Success()
	return nil
}

// copyInto copies the tree at from into dst's volume directory or, when
// snap is set, into a new snapshot of dst.
func copyInto(ctx context.Context, from string, dst storage.Volume, snap string) error {
	to := dst.MainPath()
	if snap != "" {
		if err := files.MkdirMode(dst.SnapshotsDir(), storage.SnapshotsDirMode); err != nil {
			return err
		}
		to = dst.SnapshotPath(snap)
	}
	if err := files.MkdirMode(to, storage.VolumeDirMode); err != nil {
		return err
	}
	return files.CopyTree(ctx, from, to)
}

// growAtLeast grows a copied block volume to its configured size; a copy
// is never shrunk to a smaller size.
func growAtLeast(v storage.Volume) error {
	size, err := v.BlockSize()
	if err != nil {
		return err
	}
	img := filepath.Join(v.MainPath(), storage.BlockFileName)
	cur, err := files.FileSize(img)
	if err != nil || cur >= size {
		return err
	}
	return files.GrowFile(img, size)
}

// DeleteVolume removes the volume and its snapshots.
func (d *Driver) DeleteVolume(ctx context.Context, v storage.Volume) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	if err := os.RemoveAll(v.MainPath()); err != nil {
		return fmt.Errorf("Failed to delete storage volume %q: %w", v.Name, err)
	}
	if v.Type == storage.VolumeTypeImage {
		return nil
	}
	if err := os.RemoveAll(v.SnapshotsDir()); err != nil {
		return fmt.Errorf("Failed to delete snapshots of storage volume %q: %w", v.Name, err)
	}
	return nil
}

// RenameVolume renames the volume directory and its snapshots directory.
func (d *Driver) RenameVolume(ctx context.Context, v storage.Volume, newName string) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	if err := storage.ValidateName("storage volume", newName); err != nil {
		return err
	}
	nv := v.WithName(newName)
	if !files.Exists(v.MainPath()) {
		return storage.VolumeNotFound(v)
	}
	if files.Exists(nv.MainPath()) {
		return storage.VolumeExists(nv)
	}
	if err := os.Rename(v.MainPath(), nv.MainPath()); err != nil {
		return fmt.Errorf("Failed to rename storage volume %q: %w", v.Name, err)
	}
	if v.Type == storage.VolumeTypeImage || !files.Exists(v.SnapshotsDir()) {
		return nil
	}
	if err := os.Rename(v.SnapshotsDir(), nv.SnapshotsDir()); err != nil {
		_ = os.Rename(nv.MainPath(), v.MainPath())
		return fmt.Errorf("Failed to rename snapshots of storage volume %q: %w", v.Name, err)
	}
	return nil
}

// ResizeVolume grows a block volume's disk image; a filesystem size is
// accepted but not enforced (see the package doc).
func (d *Driver) ResizeVolume(ctx context.Context, v storage.Volume, bytes int64) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	if !files.Exists(v.MainPath()) {
		return storage.VolumeNotFound(v)
	}
	if v.ContentType == storage.ContentTypeBlock {
		if bytes <= 0 {
			return api.BadRequest("Block volumes need a size")
		}
		return files.GrowFile(filepath.Join(v.MainPath(), storage.BlockFileName), bytes)
	}
	if bytes > 0 {
		warnNoQuota(ctx, v, units.FormatByteSize(bytes))
	}
	return nil
}

// MountVolume returns the volume's directory; a dir volume is always there.
func (d *Driver) MountVolume(ctx context.Context, v storage.Volume) (string, error) {
	if err := v.Validate(true); err != nil {
		return "", err
	}
	if !files.Exists(v.Path()) {
		return "", storage.VolumeNotFound(v)
	}
	return v.Path(), nil
}

// UnmountVolume has nothing to undo.
func (d *Driver) UnmountVolume(ctx context.Context, v storage.Volume) error {
	return v.Validate(true)
}

// Usage is not measured without project quotas, as in LXD.
func (d *Driver) Usage(ctx context.Context, v storage.Volume) (storage.Usage, error) {
	if err := v.Validate(true); err != nil {
		return storage.Usage{}, err
	}
	if !files.Exists(v.Path()) {
		return storage.Usage{}, storage.VolumeNotFound(v)
	}
	return storage.Usage{}, storage.ErrNotSupported
}

// CreateSnapshot copies the volume into its snapshot directory.
func (d *Driver) CreateSnapshot(ctx context.Context, v storage.Volume, snap string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	if !files.Exists(v.MainPath()) {
		return storage.VolumeNotFound(v)
	}
	sv := v.WithSnapshot(snap)
	if files.Exists(sv.Path()) {
		return storage.VolumeExists(sv)
	}
	if err := copyInto(ctx, v.MainPath(), v, snap); err != nil {
		_ = os.RemoveAll(sv.Path())
		return err
	}
	return nil
}

// DeleteSnapshot removes a snapshot, and the volume's snapshots directory
// with its last snapshot.
func (d *Driver) DeleteSnapshot(ctx context.Context, v storage.Volume, snap string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	if err := os.RemoveAll(v.SnapshotPath(snap)); err != nil {
		return fmt.Errorf("Failed to delete snapshot %q: %w", snap, err)
	}
	if empty, err := files.IsEmptyDir(v.SnapshotsDir()); err == nil && empty {
		_ = os.Remove(v.SnapshotsDir())
	}
	return nil
}

// RenameSnapshot renames a snapshot directory.
func (d *Driver) RenameSnapshot(ctx context.Context, v storage.Volume, snap, newName string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	if err := storage.ValidateName("snapshot", newName); err != nil {
		return err
	}
	if !files.Exists(v.SnapshotPath(snap)) {
		return storage.VolumeNotFound(v.WithSnapshot(snap))
	}
	if files.Exists(v.SnapshotPath(newName)) {
		return storage.VolumeExists(v.WithSnapshot(newName))
	}
	if err := os.Rename(v.SnapshotPath(snap), v.SnapshotPath(newName)); err != nil {
		return fmt.Errorf("Failed to rename snapshot %q: %w", snap, err)
	}
	return nil
}

// RestoreSnapshot makes the volume's tree identical to the snapshot's, in
// place, so bind mounts of the volume directory stay valid.
func (d *Driver) RestoreSnapshot(ctx context.Context, v storage.Volume, snap string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	if !files.Exists(v.MainPath()) {
		return storage.VolumeNotFound(v)
	}
	if !files.Exists(v.SnapshotPath(snap)) {
		return storage.VolumeNotFound(v.WithSnapshot(snap))
	}
	o := rsync.Options{Delete: true, IgnoreTimes: true}
	if err := rsync.Copy(ctx, v.SnapshotPath(snap), v.MainPath(), o); err != nil {
		return fmt.Errorf("Failed to restore snapshot %q: %w", snap, err)
	}
	return nil
}

// listSnapshots returns the names of v's snapshots on disk, sorted.
func listSnapshots(v storage.Volume) ([]string, error) {
	entries, err := os.ReadDir(v.SnapshotsDir())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("Failed to list snapshots of %q: %w", v.Name, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

package btrfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
	"github.com/lxdng/lxd/shared/units"
)

// CreateVolume creates the volume's subvolume, its disk image for a block
// volume, applies its size and runs fill.
func (d *Driver) CreateVolume(ctx context.Context, v storage.Volume, fill storage.Filler) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	path := v.MainPath()
	if exists(path) {
		return storage.VolumeExists(v)
	}
	rev := revert.New()
	defer rev.Fail()
	if err := createSubvolume(ctx, path); err != nil {
		return err
	}
	rev.Add(func() { _ = deleteSubvolume(context.WithoutCancel(ctx), path) })
	if v.ContentType == storage.ContentTypeBlock {
		size, err := v.BlockSize()
		if err != nil {
			return err
		}
		if err := setNoCOW(path); err != nil {
			logctx.From(ctx).WithError(err).WithField("volume", v.Name).Debug("Failed to disable copy-on-write")
		}
		if err := files.CreateSparseFile(filepath.Join(path, storage.BlockFileName), size); err != nil {
			return err
		}
	} else if err := d.applyQuota(ctx, v); err != nil {
		return err
	}
	if fill != nil {
		if err := fill(ctx, path); err != nil {
			return fmt.Errorf("Failed to fill storage volume %q: %w", v.Name, err)
		}
	}
	// Image volumes are only ever cloned: keep them from changing under
	// the instances made from them.
	if v.Type == storage.VolumeTypeImage {
		if err := setReadonly(ctx, path, true); err != nil {
			return err
		}
	}
	rev.Success()
	return nil
}

// applyQuota sets the qgroup limit of a filesystem volume from its "size"
// key. Without a size nothing is done, so quotas stay off until needed.
func (d *Driver) applyQuota(ctx context.Context, v storage.Volume) error {
	size := v.Config["size"]
	if size == "" || v.ContentType == storage.ContentTypeBlock {
		return nil
	}
	n, err := units.ParseByteSize(size)
	if err != nil {
		return api.BadRequest("Invalid size %q: %w", size, err)
	}
	return d.setQuota(ctx, v, n)
}

func (d *Driver) setQuota(ctx context.Context, v storage.Volume, bytes int64) error {
	if bytes <= 0 && !quotaEnabled(ctx, v.Pool.Path) {
		return nil
	}
	if err := enableQuota(ctx, v.Pool.Path); err != nil {
		return err
	}
	return setQgroupLimit(ctx, v.MainPath(), bytes)
}

// CopyVolume snapshots src (or its snapshot) into the new volume dst,
// after its snapshots when asked: every step is a btrfs snapshot.
func (d *Driver) CopyVolume(ctx context.Context, dst, src storage.Volume, snapshots bool) error {
	if err := src.Validate(true); err != nil {
		return err
	}
	if err := dst.Validate(false); err != nil {
		return err
	}
	if !exists(src.Path()) {
		return storage.VolumeNotFound(src)
	}
	if exists(dst.MainPath()) {
		return storage.VolumeExists(dst)
	}
	rev := revert.New()
	defer rev.Fail()
	rev.Add(func() { _ = d.DeleteVolume(context.WithoutCancel(ctx), dst) })
	if snapshots && src.Snapshot == "" {
		names, err := listSnapshots(src)
		if err != nil {
			return err
		}
		for _, snap := range names {
			if err := d.snapshotInto(ctx, src.SnapshotPath(snap), dst, snap); err != nil {
				return err
			}
		}
	}
	if err := snapshotSubvolume(ctx, src.Path(), dst.MainPath(), false); err != nil {
		return err
	}
	if err := d.applyCopySize(ctx, dst); err != nil {
		return err
	}
	rev.Success()
	return nil
}

// applyCopySize gives a copy the size of its own config: the qgroup limit
// of a filesystem volume, a bigger disk image for a block volume (a copy
// never shrinks).
func (d *Driver) applyCopySize(ctx context.Context, v storage.Volume) error {
	if v.ContentType != storage.ContentTypeBlock {
		return d.applyQuota(ctx, v)
	}
	if v.Config["size"] == "" {
		return nil
	}
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

// snapshotInto makes a read-only snapshot of the subvolume at from as
// snapshot snap of dst.
func (d *Driver) snapshotInto(ctx context.Context, from string, dst storage.Volume, snap string) error {
	if err := files.MkdirMode(dst.SnapshotsDir(), storage.SnapshotsDirMode); err != nil {
		return err
	}
	return snapshotSubvolume(ctx, from, dst.SnapshotPath(snap), true)
}

// DeleteVolume deletes the volume's subvolume and its snapshots.
func (d *Driver) DeleteVolume(ctx context.Context, v storage.Volume) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	if v.Type != storage.VolumeTypeImage {
		names, err := listSnapshots(v)
		if err != nil {
			return err
		}
		for _, snap := range names {
			if err := deleteSubvolume(ctx, v.SnapshotPath(snap)); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(v.SnapshotsDir()); err != nil {
			return fmt.Errorf("Failed to delete snapshots of storage volume %q: %w", v.Name, err)
		}
	}
	return deleteSubvolume(ctx, v.MainPath())
}

// RenameVolume moves the volume's subvolume and its snapshots directory.
func (d *Driver) RenameVolume(ctx context.Context, v storage.Volume, newName string) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	if err := storage.ValidateName("storage volume", newName); err != nil {
		return err
	}
	nv := v.WithName(newName)
	if !exists(v.MainPath()) {
		return storage.VolumeNotFound(v)
	}
	if exists(nv.MainPath()) {
		return storage.VolumeExists(nv)
	}
	if err := os.Rename(v.MainPath(), nv.MainPath()); err != nil {
		return fmt.Errorf("Failed to rename storage volume %q: %w", v.Name, err)
	}
	if v.Type == storage.VolumeTypeImage || !exists(v.SnapshotsDir()) {
		return nil
	}
	if err := os.Rename(v.SnapshotsDir(), nv.SnapshotsDir()); err != nil {
		_ = os.Rename(nv.MainPath(), v.MainPath())
		return fmt.Errorf("Failed to rename snapshots of storage volume %q: %w", v.Name, err)
	}
	return nil
}

// ResizeVolume sets the qgroup limit of a filesystem volume or grows the
// disk image of a block volume.
func (d *Driver) ResizeVolume(ctx context.Context, v storage.Volume, bytes int64) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	if !exists(v.MainPath()) {
		return storage.VolumeNotFound(v)
	}
	if v.ContentType == storage.ContentTypeBlock {
		if bytes <= 0 {
			return api.BadRequest("Block volumes need a size")
		}
		return files.GrowFile(filepath.Join(v.MainPath(), storage.BlockFileName), bytes)
	}
	return d.setQuota(ctx, v, bytes)
}

// MountVolume returns the subvolume's path: the pool mount makes every
// subvolume available.
func (d *Driver) MountVolume(ctx context.Context, v storage.Volume) (string, error) {
	if err := v.Validate(true); err != nil {
		return "", err
	}
	if !exists(v.Path()) {
		return "", storage.VolumeNotFound(v)
	}
	return v.Path(), nil
}

// UnmountVolume has nothing to undo.
func (d *Driver) UnmountVolume(ctx context.Context, v storage.Volume) error {
	return v.Validate(true)
}

// Usage reads the subvolume's qgroup: the referenced bytes, and the limit
// (or the image size for a block volume). Without quotas it is not
// supported, as in LXD.
func (d *Driver) Usage(ctx context.Context, v storage.Volume) (storage.Usage, error) {
	if err := v.Validate(true); err != nil {
		return storage.Usage{}, err
	}
	if !exists(v.Path()) {
		return storage.Usage{}, storage.VolumeNotFound(v)
	}
	if !quotaEnabled(ctx, v.Pool.Path) {
		return storage.Usage{}, storage.ErrNotSupported
	}
	used, limit, err := qgroupUsage(ctx, v.Path())
	if err != nil {
		return storage.Usage{}, err
	}
	if v.ContentType == storage.ContentTypeBlock {
		if limit, err = files.FileSize(filepath.Join(v.Path(), storage.BlockFileName)); err != nil {
			return storage.Usage{}, err
		}
	}
	return storage.Usage{Used: used, Total: limit}, nil
}

// listSnapshots returns the names of v's snapshots on disk, sorted.
func listSnapshots(v storage.Volume) ([]string, error) {
	entries, err := os.ReadDir(v.SnapshotsDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("Failed to list snapshots of %q: %w", v.Name, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

package btrfs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/shared/revert"
)

// CreateSnapshot takes a read-only snapshot of the volume's subvolume.
func (d *Driver) CreateSnapshot(ctx context.Context, v storage.Volume, snap string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	if !exists(v.MainPath()) {
		return storage.VolumeNotFound(v)
	}
	sv := v.WithSnapshot(snap)
	if exists(sv.Path()) {
		return storage.VolumeExists(sv)
	}
	if err := d.snapshotInto(ctx, v.MainPath(), v, snap); err != nil {
		_ = deleteSubvolume(context.WithoutCancel(ctx), sv.Path())
		return err
	}
	return nil
}

// DeleteSnapshot deletes a snapshot subvolume, and the volume's snapshots
// directory with its last snapshot.
func (d *Driver) DeleteSnapshot(ctx context.Context, v storage.Volume, snap string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	if err := deleteSubvolume(ctx, v.SnapshotPath(snap)); err != nil {
		return err
	}
	if empty, err := files.IsEmptyDir(v.SnapshotsDir()); err == nil && empty {
		_ = os.Remove(v.SnapshotsDir())
	}
	return nil
}

// RenameSnapshot renames a snapshot subvolume.
func (d *Driver) RenameSnapshot(ctx context.Context, v storage.Volume, snap, newName string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	if err := storage.ValidateName("snapshot", newName); err != nil {
		return err
	}
	if !exists(v.SnapshotPath(snap)) {
		return storage.VolumeNotFound(v.WithSnapshot(snap))
	}
	if exists(v.SnapshotPath(newName)) {
		return storage.VolumeExists(v.WithSnapshot(newName))
	}
	if err := os.Rename(v.SnapshotPath(snap), v.SnapshotPath(newName)); err != nil {
		return fmt.Errorf("Failed to rename snapshot %q: %w", snap, err)
	}
	return nil
}

// RestoreSnapshot replaces the volume's subvolume by a writable snapshot
// of the snapshot, then puts the volume's quota back. The instance using
// the volume must be stopped (the service checks).
func (d *Driver) RestoreSnapshot(ctx context.Context, v storage.Volume, snap string) error {
	if err := v.ValidateSnapshot(snap); err != nil {
		return err
	}
	main := v.MainPath()
	if !exists(main) {
		return storage.VolumeNotFound(v)
	}
	if !exists(v.SnapshotPath(snap)) {
		return storage.VolumeNotFound(v.WithSnapshot(snap))
	}
	dir := filepath.Dir(main)
	restored := filepath.Join(dir, ".restore."+v.Name)
	old := filepath.Join(dir, ".old."+v.Name)
	for _, leftover := range []string{restored, old} {
		if err := deleteSubvolume(ctx, leftover); err != nil {
			return err
		}
	}
	rev := revert.New()
	defer rev.Fail()
	if err := snapshotSubvolume(ctx, v.SnapshotPath(snap), restored, false); err != nil {
		return err
	}
	rev.Add(func() { _ = deleteSubvolume(context.WithoutCancel(ctx), restored) })
	if err := os.Rename(main, old); err != nil {
		return fmt.Errorf("Failed to move storage volume %q aside: %w", v.Name, err)
	}
	rev.Add(func() { _ = os.Rename(old, main) })
	if err := os.Rename(restored, main); err != nil {
		return fmt.Errorf("Failed to restore snapshot %q: %w", snap, err)
	}
	rev.Success()
	if err := deleteSubvolume(ctx, old); err != nil {
		return err
	}
	return d.applyQuota(ctx, v)
}

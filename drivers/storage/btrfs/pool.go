package btrfs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/command"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/drivers/storage/internal/mounts"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// sourceKind is what a pool's source is.
type sourceKind int

const (
	sourceLoop sourceKind = iota
	sourceDevice
	sourceDir
)

// poolSource returns the pool's source and its kind. The loop file is
// recognised by its place ($LXD_DIR/disks/<pool>.img) or by being a
// regular file.
func poolSource(p storage.Pool) (string, sourceKind) {
	src := p.Config["source"]
	if src == "" || filepath.Clean(src) == loopPath(p) {
		return loopPath(p), sourceLoop
	}
	if files.IsBlockDevice(src) {
		return src, sourceDevice
	}
	if st, err := os.Stat(src); err == nil && st.Mode().IsRegular() {
		return src, sourceLoop
	}
	return src, sourceDir
}

// mountOptions are the pool's btrfs mount options.
func mountOptions(p storage.Pool) string {
	if o, ok := p.Config["btrfs.mount_options"]; ok && o != "" {
		return o
	}
	return "user_subvol_rm_allowed"
}

// CreatePool makes the filesystem (loop file or device) or the source
// subvolume, mounts it on the pool path and lays it out.
func (d *Driver) CreatePool(ctx context.Context, p storage.Pool) error {
	if d.reason != "" {
		return fmt.Errorf("%s: %w", d.reason, storage.ErrNotSupported)
	}
	rev := revert.New()
	defer rev.Fail()
	src, kind := poolSource(p)
	var err error
	switch kind {
	case sourceLoop:
		err = createLoopFile(ctx, p, src, rev)
	case sourceDevice:
		err = mkfs(ctx, p.Name, src)
	case sourceDir:
		err = prepareSourceDir(ctx, src, rev)
	}
	if err != nil {
		return err
	}
	if !exists(p.Path) {
		if err := os.MkdirAll(p.Path, 0o711); err != nil {
			return fmt.Errorf("Failed to create %q: %w", p.Path, err)
		}
		rev.Add(func() { _ = os.Remove(p.Path) })
	}
	if err := d.MountPool(ctx, p); err != nil {
		return err
	}
	rev.Add(func() { _ = d.UnmountPool(ctx, p) })
	if err := files.EnsureLayout(p.Path); err != nil {
		return err
	}
	rev.Success()
	logctx.From(ctx).WithField("pool", p.Name).WithField("source", src).Info("Created btrfs storage pool")
	return nil
}

// createLoopFile makes the sparse loop file of the pool's size and formats it.
func createLoopFile(ctx context.Context, p storage.Pool, file string, rev *revert.Reverter) error {
	size, err := poolSize(p)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("Failed to create %q: %w", filepath.Dir(file), err)
	}
	if err := files.CreateSparseFile(file, size); err != nil {
		return err
	}
	rev.Add(func() { _ = os.Remove(file) })
	return mkfs(ctx, p.Name, file)
}

func mkfs(ctx context.Context, label, target string) error {
	if _, err := command.Run(ctx, "mkfs.btrfs", "-q", "-L", label, target); err != nil {
		return fmt.Errorf("Failed to format %q as btrfs: %w", target, err)
	}
	return nil
}

// prepareSourceDir creates the source subvolume, or checks an existing
// source directory is empty.
func prepareSourceDir(ctx context.Context, src string, rev *revert.Reverter) error {
	if err := checkOnBtrfs(src); err != nil {
		return err
	}
	if !exists(src) {
		if err := createSubvolume(ctx, src); err != nil {
			return err
		}
		rev.Add(func() { _ = deleteSubvolume(context.WithoutCancel(ctx), src) })
		return nil
	}
	empty, err := files.IsEmptyDir(src)
	if err != nil {
		return fmt.Errorf("Failed to read source path %q: %w", src, err)
	}
	if !empty {
		return api.BadRequest("Source path '%s' isn't empty", src)
	}
	return nil
}

// MountPool mounts the pool's filesystem on its path, attaching the loop
// file first. A mounted pool is left alone.
func (d *Driver) MountPool(ctx context.Context, p storage.Pool) error {
	mounted, err := mounts.IsMountPoint(p.Path)
	if err != nil || mounted {
		return err
	}
	src, kind := poolSource(p)
	if !exists(src) {
		return api.NotFound("Source %q of storage pool %q doesn't exist: %w", src, p.Name, storage.ErrPoolNotMounted)
	}
	if err := os.MkdirAll(p.Path, 0o711); err != nil {
		return fmt.Errorf("Failed to create %q: %w", p.Path, err)
	}
	switch kind {
	case sourceDir:
		return mounts.Bind(src, p.Path)
	case sourceDevice:
		return mounts.Mount(ctx, src, p.Path, "btrfs", mountOptions(p))
	}
	loop, err := attachLoop(src)
	if err != nil {
		return err
	}
	// Once mounted, the mount holds the device; auto-clear detaches it at
	// unmount. Closing our handle before a failed mount detaches it now.
	defer loop.Close()
	return mounts.Mount(ctx, loop.Path, p.Path, "btrfs", mountOptions(p))
}

// UnmountPool unmounts the pool; a loop device goes with the mount.
func (d *Driver) UnmountPool(ctx context.Context, p storage.Pool) error {
	return mounts.Unmount(p.Path)
}

// DeletePool unmounts the pool and removes its loop file, or the layout it
// made in a source directory. A block device is left formatted.
func (d *Driver) DeletePool(ctx context.Context, p storage.Pool) error {
	src, kind := poolSource(p)
	if kind == sourceDir {
		if err := d.MountPool(ctx, p); err == nil {
			if err := clearLayout(ctx, p.Path); err != nil {
				return err
			}
		}
	}
	if err := d.UnmountPool(ctx, p); err != nil {
		return err
	}
	if kind == sourceLoop {
		if err := detachLoops(ctx, src); err != nil {
			return err
		}
		if err := os.Remove(src); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("Failed to remove loop file %q: %w", src, err)
		}
	}
	if err := os.RemoveAll(p.Path); err != nil {
		return fmt.Errorf("Failed to remove %q: %w", p.Path, err)
	}
	return nil
}

// clearLayout deletes whatever subvolumes remain in the pool's type
// directories, then the directories.
func clearLayout(ctx context.Context, root string) error {
	for _, dir := range storage.PoolLayout {
		path := filepath.Join(root, dir.Name)
		nested, err := nestedSubvolumes(path)
		if err != nil {
			return err
		}
		for _, n := range nested {
			if err := deleteSubvolume(ctx, n); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("Failed to remove %q: %w", path, err)
		}
	}
	return nil
}

// PoolUsage is the usage of the pool's filesystem (btrfs reports no inode
// counts, so they are zero, as in LXD).
func (d *Driver) PoolUsage(ctx context.Context, p storage.Pool) (storage.PoolUsage, error) {
	mounted, err := mounts.IsMountPoint(p.Path)
	if err != nil {
		return storage.PoolUsage{}, err
	}
	if !mounted {
		return storage.PoolUsage{}, fmt.Errorf("Storage pool %q: %w", p.Name, storage.ErrPoolNotMounted)
	}
	return files.StatfsUsage(p.Path)
}

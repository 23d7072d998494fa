package btrfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/command"
	"github.com/lxdng/lxd/shared/logctx"
)

// subvolumeRootIno is the inode number of every subvolume's root directory.
const subvolumeRootIno = 256

// isSubvolume reports whether path is the root of a subvolume.
func isSubvolume(path string) bool {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return false
	}
	return st.Ino == subvolumeRootIno && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

func createSubvolume(ctx context.Context, path string) error {
	if _, err := command.Run(ctx, "btrfs", "subvolume", "create", path); err != nil {
		return fmt.Errorf("Failed to create subvolume %q: %w", path, err)
	}
	return os.Chmod(path, storage.VolumeDirMode)
}

// nestedSubvolumes lists the subvolumes below root (not root itself),
// parents before children. Subvolume roots are found by their inode number,
// which works whatever the pool's position in the filesystem.
func nestedSubvolumes(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() || path == root {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Ino == subvolumeRootIno {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("Failed to look for subvolumes in %q: %w", root, err)
	}
	return out, nil
}

// snapshotSubvolume snapshots src to dst, nested subvolumes included (a
// btrfs snapshot leaves them as empty directories). A read-only result is
// made read-only once complete.
func snapshotSubvolume(ctx context.Context, src, dst string, readonly bool) error {
	nested, err := nestedSubvolumes(src)
	if err != nil {
		return err
	}
	args := []string{"subvolume", "snapshot"}
	if readonly && len(nested) == 0 {
		args = append(args, "-r")
	}
	if _, err := command.Run(ctx, "btrfs", append(args, src, dst)...); err != nil {
		return fmt.Errorf("Failed to snapshot %q to %q: %w", src, dst, err)
	}
	if len(nested) == 0 {
		return nil
	}
	for _, n := range nested {
		rel, _ := filepath.Rel(src, n)
		target := filepath.Join(dst, rel)
		if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("Failed to replace %q by its subvolume: %w", target, err)
		}
		if _, err := command.Run(ctx, "btrfs", "subvolume", "snapshot", n, target); err != nil {
			return fmt.Errorf("Failed to snapshot nested subvolume %q: %w", n, err)
		}
	}
	if readonly {
		return setReadonly(ctx, dst, true)
	}
	return nil
}

func setReadonly(ctx context.Context, path string, ro bool) error {
	if _, err := command.Run(ctx, "btrfs", "property", "set", "-ts", path, "ro", strconv.FormatBool(ro)); err != nil {
		return fmt.Errorf("Failed to set read-only=%v on %q: %w", ro, path, err)
	}
	return nil
}

func isReadonly(ctx context.Context, path string) bool {
	out, err := command.Run(ctx, "btrfs", "property", "get", "-ts", path, "ro")
	return err == nil && strings.TrimSpace(out) == "ro=true"
}

// deleteSubvolume deletes the subvolume at path with every subvolume
// nested in it, children first. A missing path is fine.
func deleteSubvolume(ctx context.Context, path string) error {
	if !exists(path) {
		return nil
	}
	nested, err := nestedSubvolumes(path)
	if err != nil {
		return err
	}
	// Entries of a read-only subvolume cannot be unlinked: open up the
	// parents of nested subvolumes first.
	if len(nested) > 0 {
		for _, p := range append([]string{path}, nested...) {
			if isReadonly(ctx, p) {
				if err := setReadonly(ctx, p, false); err != nil {
					return err
				}
			}
		}
	}
	sort.Slice(nested, func(i, j int) bool { return len(nested[i]) > len(nested[j]) })
	ids := subvolumeIDs(ctx, append(nested, path))
	if _, err := command.Run(ctx, "btrfs", append([]string{"subvolume", "delete"}, append(nested, path)...)...); err != nil {
		return fmt.Errorf("Failed to delete subvolume %q: %w", path, err)
	}
	destroyQgroups(ctx, filepath.Dir(path), ids)
	return nil
}

// subvolumeIDs returns the ids of the subvolumes at paths, skipping those
// it cannot read.
func subvolumeIDs(ctx context.Context, paths []string) []string {
	var ids []string
	for _, p := range paths {
		if id, err := subvolumeID(ctx, p); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

func subvolumeID(ctx context.Context, path string) (string, error) {
	out, err := command.Run(ctx, "btrfs", "inspect-internal", "rootid", path)
	if err != nil {
		return "", fmt.Errorf("Failed to get the subvolume id of %q: %w", path, err)
	}
	return strings.TrimSpace(out), nil
}

// destroyQgroups removes the qgroups of deleted subvolumes when quotas are
// on. The kernel refuses (busy) until its cleaner has dropped the
// subvolume, in which case it removes them itself later; stale qgroups
// cost nothing, so failures are only logged.
func destroyQgroups(ctx context.Context, anyPath string, ids []string) {
	if !quotaEnabled(ctx, anyPath) {
		return
	}
	for _, id := range ids {
		if _, err := command.Run(ctx, "btrfs", "qgroup", "destroy", "0/"+id, anyPath); err != nil {
			logctx.From(ctx).WithField("qgroup", "0/"+id).WithError(err).Debug("Left qgroup for the kernel to remove")
		}
	}
}

// quotaEnabled reports whether qgroups are on for the filesystem of path.
func quotaEnabled(ctx context.Context, path string) bool {
	_, err := command.Run(ctx, "btrfs", "qgroup", "show", path)
	return err == nil
}

// enableQuota turns qgroups on (once) and waits for the initial rescan so
// the numbers of existing subvolumes are right.
func enableQuota(ctx context.Context, poolPath string) error {
	if quotaEnabled(ctx, poolPath) {
		return nil
	}
	if _, err := command.Run(ctx, "btrfs", "quota", "enable", poolPath); err != nil {
		return fmt.Errorf("Failed to enable quotas on %q: %w", poolPath, err)
	}
	if _, err := command.Run(ctx, "btrfs", "quota", "rescan", "-w", poolPath); err != nil {
		return fmt.Errorf("Failed to rescan quotas on %q: %w", poolPath, err)
	}
	return nil
}

// setQgroupLimit limits the referenced size of the subvolume at path;
// bytes <= 0 removes the limit.
func setQgroupLimit(ctx context.Context, path string, bytes int64) error {
	limit := "none"
	if bytes > 0 {
		limit = strconv.FormatInt(bytes, 10)
	}
	if _, err := command.Run(ctx, "btrfs", "qgroup", "limit", limit, path); err != nil {
		return fmt.Errorf("Failed to set quota of %q to %s: %w", path, limit, err)
	}
	return nil
}

// qgroupUsage returns the referenced bytes and the limit (-1: none) of the
// subvolume at path, after committing the filesystem so they are current.
func qgroupUsage(ctx context.Context, path string) (used, limit int64, err error) {
	id, err := subvolumeID(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	if fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY, 0); err == nil {
		_ = unix.Syncfs(fd)
		_ = unix.Close(fd)
	}
	out, err := command.Run(ctx, "btrfs", "qgroup", "show", "-rf", "--raw", path)
	if err != nil {
		return 0, 0, fmt.Errorf("Failed to read the qgroup of %q: %w", path, err)
	}
	return parseQgroupShow(out, "0/"+id)
}

// parseQgroupShow finds qgroup in `btrfs qgroup show -rf --raw` output:
// "<qgroupid> <referenced> <exclusive> <max referenced|none> [path]".
func parseQgroupShow(out, qgroup string) (used, limit int64, err error) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != qgroup {
			continue
		}
		if used, err = strconv.ParseInt(f[1], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("Bad qgroup line %q: %w", line, err)
		}
		if f[3] == "none" {
			return used, -1, nil
		}
		if limit, err = strconv.ParseInt(f[3], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("Bad qgroup line %q: %w", line, err)
		}
		return used, limit, nil
	}
	return 0, 0, fmt.Errorf("Qgroup %s not found", qgroup)
}

// fsNoCOWFlag is FS_NOCOW_FL of linux/fs.h (x/sys/unix does not export it).
const fsNoCOWFlag = 0x00800000

// setNoCOW marks dir so the files created in it (block volume images) are
// not copy-on-write, which keeps random writes to disk images cheap.
func setNoCOW(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return err
	}
	return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags|fsNoCOWFlag))
}

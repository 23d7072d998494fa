package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/command"
	"github.com/lxdng/lxd/shared/api"
)

// Exists reports whether path exists (without following a final symlink).
func Exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// MkdirMode creates dir with exactly mode (the umask does not apply). An
// existing directory gets the mode too.
func MkdirMode(dir string, mode uint32) error {
	if err := os.Mkdir(dir, os.FileMode(mode)); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("Failed to create directory %q: %w", dir, err)
	}
	if err := os.Chmod(dir, os.FileMode(mode)); err != nil {
		return fmt.Errorf("Failed to set mode of %q: %w", dir, err)
	}
	return nil
}

// EnsureLayout creates the pool's type directories under root.
func EnsureLayout(root string) error {
	for _, d := range storage.PoolLayout {
		if err := MkdirMode(filepath.Join(root, d.Name), d.Mode); err != nil {
			return err
		}
	}
	return nil
}

// RemoveLayout removes the pool's type directories under root; they must be
// empty, so a pool still holding volumes is not wiped by mistake.
func RemoveLayout(root string) error {
	for _, d := range storage.PoolLayout {
		err := os.Remove(filepath.Join(root, d.Name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("Failed to remove %q: %w", filepath.Join(root, d.Name), err)
		}
	}
	return nil
}

// IsEmptyDir reports whether dir has no entries.
func IsEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// CopyTree copies the content of src into the existing directory dst,
// keeping owners, modes, times, xattrs, hard links, devices and sparseness.
// Data is shared (reflinked) where the filesystem allows it.
func CopyTree(ctx context.Context, src, dst string) error {
	_, err := command.Run(ctx, "cp", "-a", "--reflink=auto", "--", src+"/.", dst)
	if err != nil {
		return fmt.Errorf("Failed to copy %q to %q: %w", src, dst, err)
	}
	return nil
}

// CreateSparseFile creates path (which must not exist) as a sparse file of
// size bytes, mode 0600.
func CreateSparseFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("Failed to create %q: %w", path, err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("Failed to size %q to %d bytes: %w", path, size, err)
	}
	return nil
}

// GrowFile makes the existing file at path size bytes long. Shrinking is
// refused with storage.ErrCannotBeShrunk (a 400).
func GrowFile(path string, size int64) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("Failed to stat %q: %w", path, err)
	}
	if size < st.Size() {
		return api.BadRequest("Block volumes cannot be shrunk: %w", storage.ErrCannotBeShrunk)
	}
	if size == st.Size() {
		return nil
	}
	if err := os.Truncate(path, size); err != nil {
		return fmt.Errorf("Failed to grow %q to %d bytes: %w", path, size, err)
	}
	return nil
}

// FileSize returns the apparent size of path.
func FileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// StatfsUsage reports the space and inodes of the filesystem holding path.
func StatfsUsage(path string) (storage.PoolUsage, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return storage.PoolUsage{}, fmt.Errorf("Failed to stat filesystem of %q: %w", path, err)
	}
	bsize := uint64(st.Bsize)
	return storage.PoolUsage{
		SpaceTotal:  st.Blocks * bsize,
		SpaceUsed:   (st.Blocks - st.Bfree) * bsize,
		InodesTotal: st.Files,
		InodesUsed:  st.Files - st.Ffree,
	}, nil
}

// IsBlockDevice reports whether path is a block device node.
func IsBlockDevice(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0
}

package btrfs

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/command"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/shared/api"
)

var _ storage.PoolResizer = (*Driver)(nil)

// ResizePool grows a loop-backed pool: the loop file, the loop device's
// capacity, then the filesystem. Pools on a device or directory have no
// size of their own to change.
func (d *Driver) ResizePool(ctx context.Context, p storage.Pool) error {
	src, kind := poolSource(p)
	if kind != sourceLoop {
		return api.BadRequest("Pool size can only be changed on loop-backed pools")
	}
	size, err := poolSize(p)
	if err != nil {
		return err
	}
	cur, err := files.FileSize(src)
	if err != nil {
		return err
	}
	if size < cur {
		return api.BadRequest("Pool cannot be shrunk: %w", storage.ErrCannotBeShrunk)
	}
	if size == cur {
		return nil
	}
	if err := files.GrowFile(src, size); err != nil {
		return err
	}
	devs, err := loopsOf(src)
	if err != nil {
		return fmt.Errorf("Failed to list loop devices: %w", err)
	}
	for _, dev := range devs {
		if err := setCapacity(dev); err != nil {
			return err
		}
	}
	if len(devs) == 0 {
		return nil // not mounted: the filesystem grows at its next resize
	}
	if _, err := command.Run(ctx, "btrfs", "filesystem", "resize", "max", p.Path); err != nil {
		return fmt.Errorf("Failed to grow the btrfs filesystem of %q: %w", p.Name, err)
	}
	return nil
}

// setCapacity makes a loop device re-read the size of its backing file.
func setCapacity(dev string) error {
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("Failed to open %s: %w", dev, err)
	}
	defer f.Close()
	if err := unix.IoctlSetInt(int(f.Fd()), unix.LOOP_SET_CAPACITY, 0); err != nil {
		return fmt.Errorf("Failed to refresh the capacity of %s: %w", dev, err)
	}
	return nil
}

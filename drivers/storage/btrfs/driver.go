package btrfs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/units"
)

// Driver is the btrfs storage driver. It is stateless apart from what it
// learnt about the host at New.
type Driver struct {
	version string
	reason  string // why it cannot run, "" when it can
}

var _ storage.Driver = (*Driver)(nil)

// New probes the host for btrfs support and returns the driver.
func New() *Driver {
	d := &Driver{}
	d.version, d.reason = probe()
	return d
}

// probe finds the btrfs-progs version and checks the kernel has btrfs.
func probe() (version, reason string) {
	for _, tool := range []string{"btrfs", "mkfs.btrfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Sprintf("Required tool %q is missing", tool)
		}
	}
	out, err := exec.Command("btrfs", "--version").Output()
	if err != nil {
		return "", fmt.Sprintf("Failed to run btrfs --version: %v", err)
	}
	version = parseVersion(string(out))
	fs, err := os.ReadFile("/proc/filesystems")
	if err != nil || !strings.Contains(string(fs), "\tbtrfs\n") {
		return version, "The btrfs filesystem is not supported by the kernel"
	}
	return version, ""
}

// parseVersion turns "btrfs-progs v6.2\n..." into "6.2".
func parseVersion(out string) string {
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "v") && len(f) > 1 && f[1] >= '0' && f[1] <= '9' {
			return strings.TrimPrefix(f, "v")
		}
	}
	return ""
}

// Info describes the driver.
func (d *Driver) Info() storage.Info {
	return storage.Info{
		Name:            "btrfs",
		Version:         d.version,
		OptimizedImages: true,
		Operational:     d.reason == "",
		Reason:          d.reason,
	}
}

// PoolKeys are the common pool keys, btrfs.mount_options, size and the
// volume defaults.
func (d *Driver) PoolKeys() config.Schema {
	return storage.CommonPoolKeys().Merge(config.Schema{
		"btrfs.mount_options": {Default: "user_subvol_rm_allowed",
			Help: "Mount options for block devices"},
		"size": {Validate: config.Optional(config.IsSize),
			Help: "Size of the storage pool when creating loop-based pools (in bytes, suffixes supported)"},
	}, storage.VolumeDefaultKeys(d.VolumeKeys()))
}

// VolumeKeys are the common volume keys.
func (d *Driver) VolumeKeys() config.Schema {
	return storage.CommonVolumeKeys()
}

// loopPath is where a pool's loop file lives.
func loopPath(p storage.Pool) string {
	return filepath.Join(p.DisksDir, p.Name+".img")
}

// FillPoolConfig validates the config and, without a source, chooses the
// loop file and its size (LXD's default: 20% of the filesystem holding the
// disks directory, at least 5GiB and at most 30GiB).
func (d *Driver) FillPoolConfig(ctx context.Context, p storage.Pool) (map[string]string, error) {
	if err := storage.ValidatePoolConfig(d.PoolKeys(), p.Config); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range p.Config {
		out[k] = v
	}
	src := out["source"]
	if src == "" {
		out["source"] = loopPath(p)
		if out["size"] == "" {
			size, err := defaultLoopSize(p.DisksDir)
			if err != nil {
				return nil, err
			}
			out["size"] = fmt.Sprintf("%dGiB", size>>30)
		}
		return out, nil
	}
	if !filepath.IsAbs(src) {
		return nil, api.BadRequest("Source path %q must be absolute", src)
	}
	out["source"] = filepath.Clean(src)
	out["volatile.initial_source"] = out["source"]
	if files.IsBlockDevice(src) {
		return out, nil
	}
	if err := checkOnBtrfs(src); err != nil {
		return nil, err
	}
	return out, nil
}

// defaultLoopSize is 20% of the size of the filesystem holding dir (or its
// nearest existing parent), clamped to 5GiB..30GiB, in whole GiB.
func defaultLoopSize(dir string) (int64, error) {
	for !exists(dir) && filepath.Dir(dir) != dir {
		dir = filepath.Dir(dir)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("Failed to stat filesystem of %q: %w", dir, err)
	}
	return clampLoopSize(int64(st.Blocks) * st.Bsize), nil
}

// clampLoopSize applies LXD's loop size rule to a filesystem size.
func clampLoopSize(fsBytes int64) int64 {
	gib := (fsBytes / 5) >> 30
	switch {
	case gib < 5:
		gib = 5
	case gib > 30:
		gib = 30
	}
	return gib << 30
}

// checkOnBtrfs refuses a source directory not on btrfs: an existing path
// must be on btrfs, a missing one must have a btrfs parent to create the
// subvolume in.
func checkOnBtrfs(path string) error {
	probe := path
	if !exists(path) {
		probe = filepath.Dir(path)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(probe, &st); err != nil {
		return api.BadRequest("Source path %q doesn't exist: %w", probe, err)
	}
	if st.Type != unix.BTRFS_SUPER_MAGIC {
		return api.BadRequest("Source path %q isn't on a btrfs filesystem", path)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// poolSize parses the pool's size key.
func poolSize(p storage.Pool) (int64, error) {
	size := p.Config["size"]
	if size == "" {
		return 0, api.BadRequest("A size is needed for a loop-backed btrfs pool")
	}
	n, err := units.ParseByteSize(size)
	if err != nil {
		return 0, api.BadRequest("Invalid size %q: %w", size, err)
	}
	return n, nil
}

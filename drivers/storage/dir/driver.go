package dir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/internal/files"
	"github.com/lxdng/lxd/drivers/storage/internal/mounts"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// Driver is the dir storage driver. It is stateless and safe for concurrent
// use on different volumes.
type Driver struct{}

var _ storage.Driver = (*Driver)(nil)

// New returns the dir driver.
func New() *Driver { return &Driver{} }

// Info describes the driver; it runs everywhere.
func (d *Driver) Info() storage.Info {
	return storage.Info{Name: "dir", Version: "1", Operational: true}
}

// PoolKeys are the common pool keys and the volume defaults.
func (d *Driver) PoolKeys() config.Schema {
	return storage.CommonPoolKeys().Merge(storage.VolumeDefaultKeys(d.VolumeKeys()))
}

// VolumeKeys are the common volume keys.
func (d *Driver) VolumeKeys() config.Schema {
	return storage.CommonVolumeKeys()
}

// source is where the pool's data lives: the "source" key or the pool path.
func source(p storage.Pool) string {
	if s := p.Config["source"]; s != "" {
		return filepath.Clean(s)
	}
	return p.Path
}

// external reports whether the data lives outside the pool path, which is
// then a bind mount of it.
func external(p storage.Pool) bool {
	return source(p) != filepath.Clean(p.Path)
}

// FillPoolConfig validates the config and sets "source" to the pool path
// when unset. A source must be absolute and outside the daemon's directory.
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
		out["source"] = p.Path
		return out, nil
	}
	if !filepath.IsAbs(src) {
		return nil, api.BadRequest("Source path %q must be absolute", src)
	}
	varDir := filepath.Dir(filepath.Dir(p.Path)) // $LXD_DIR
	clean := filepath.Clean(src)
	if strings.HasPrefix(clean+"/", varDir+"/") && clean != filepath.Clean(p.Path) {
		return nil, api.BadRequest("Source path '%s' is within the LXD directory", clean)
	}
	out["source"] = clean
	return out, nil
}

// CreatePool makes the pool directory (and the source, when external and
// missing), which must be empty, and lays it out.
func (d *Driver) CreatePool(ctx context.Context, p storage.Pool) error {
	rev := revert.New()
	defer rev.Fail()
	src := source(p)
	for _, dir := range []string{src, p.Path} {
		if !files.Exists(dir) {
			if err := os.MkdirAll(dir, 0o711); err != nil {
				return fmt.Errorf("Failed to create %q: %w", dir, err)
			}
			rev.Add(func() { _ = os.Remove(dir) })
		}
	}
	empty, err := files.IsEmptyDir(src)
	if err != nil {
		return fmt.Errorf("Failed to read source path %q: %w", src, err)
	}
	if !empty {
		return api.BadRequest("Source path '%s' isn't empty", src)
	}
	if err := d.MountPool(ctx, p); err != nil {
		return err
	}
	rev.Add(func() { _ = d.UnmountPool(ctx, p) })
	if err := files.EnsureLayout(p.Path); err != nil {
		return err
	}
	rev.Success()
	logctx.From(ctx).WithField("pool", p.Name).Info("Created dir storage pool")
	return nil
}

// DeletePool removes the pool layout (with anything left in it) and the
// pool directory. An external source directory itself is left in place.
func (d *Driver) DeletePool(ctx context.Context, p storage.Pool) error {
	if err := d.UnmountPool(ctx, p); err != nil {
		return err
	}
	src := source(p)
	if files.Exists(src) {
		for _, dir := range storage.PoolLayout {
			if err := os.RemoveAll(filepath.Join(src, dir.Name)); err != nil {
				return fmt.Errorf("Failed to remove %q: %w", dir.Name, err)
			}
		}
	}
	if external(p) {
		err := os.Remove(p.Path)
		if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("Failed to remove %q: %w", p.Path, err)
		}
		return nil
	}
	if err := os.RemoveAll(p.Path); err != nil {
		return fmt.Errorf("Failed to remove %q: %w", p.Path, err)
	}
	return nil
}

// MountPool bind-mounts an external source on the pool path. A pool living
// in its path needs nothing but the directory.
func (d *Driver) MountPool(ctx context.Context, p storage.Pool) error {
	src := source(p)
	if !files.Exists(src) {
		return api.NotFound("Source path %q doesn't exist: %w", src, storage.ErrPoolNotMounted)
	}
	if !external(p) {
		return nil
	}
	mounted, err := mounts.IsMountPoint(p.Path)
	if err != nil || mounted {
		return err
	}
	if err := os.MkdirAll(p.Path, 0o711); err != nil {
		return fmt.Errorf("Failed to create %q: %w", p.Path, err)
	}
	return mounts.Bind(src, p.Path)
}

// UnmountPool removes the bind mount of an external source.
func (d *Driver) UnmountPool(ctx context.Context, p storage.Pool) error {
	if !external(p) {
		return nil
	}
	return mounts.Unmount(p.Path)
}

// PoolUsage is the usage of the filesystem holding the pool.
func (d *Driver) PoolUsage(ctx context.Context, p storage.Pool) (storage.PoolUsage, error) {
	return files.StatfsUsage(p.Path)
}

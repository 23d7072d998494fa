package storage

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/units"
)

// Pool is what a driver needs to know about a storage pool.
type Pool struct {
	Name   string
	Driver string
	Config map[string]string
	// Path is where the pool's content is reachable:
	// $LXD_DIR/storage-pools/<name>. Drivers with a separate backing store
	// (btrfs loop file, external source) mount it here.
	Path string
	// DisksDir is $LXD_DIR/disks, where loop files live.
	DisksDir string
}

// VolumeType is the kind of a volume, spelled as in the LXD API.
type VolumeType string

// Volume types.
const (
	VolumeTypeCustom    VolumeType = "custom"
	VolumeTypeContainer VolumeType = "container"
	VolumeTypeVM        VolumeType = "virtual-machine"
	VolumeTypeImage     VolumeType = "image"
)

// ContentType says whether a volume holds a filesystem tree or a disk image.
type ContentType string

// Content types.
const (
	ContentTypeFS    ContentType = "filesystem"
	ContentTypeBlock ContentType = "block"
)

// BlockFileName is the disk image inside a block volume's directory.
const BlockFileName = "root.img"

// DefaultBlockSize is the size of a block volume without a "size" key
// (LXD's default).
const DefaultBlockSize int64 = 10 * 1024 * 1024 * 1024

// Volume addresses one volume, or one of its snapshots when Snapshot is set.
type Volume struct {
	Pool        Pool
	Type        VolumeType
	ContentType ContentType
	// Name is final: project-prefixed ("default_c1") or an image fingerprint.
	Name     string
	Snapshot string
	Config   map[string]string
}

// typeDirs maps volume types to their directory inside a pool, as LXD lays
// pools out. Image volumes have no snapshots.
var typeDirs = map[VolumeType]struct{ dir, snapDir string }{
	VolumeTypeCustom:    {"custom", "custom-snapshots"},
	VolumeTypeContainer: {"containers", "containers-snapshots"},
	VolumeTypeVM:        {"virtual-machines", "virtual-machines-snapshots"},
	VolumeTypeImage:     {"images", ""},
}

// PoolDir is one directory of the pool layout and its permissions.
type PoolDir struct {
	Name string
	Mode uint32
}

// PoolLayout lists the directories every pool holds, with LXD's modes: the
// instance directories are traversable so unprivileged containers can reach
// their rootfs, the others are private.
var PoolLayout = []PoolDir{
	{"buckets", 0o711},
	{"containers", 0o711},
	{"containers-snapshots", 0o711},
	{"custom", 0o700},
	{"custom-snapshots", 0o700},
	{"images", 0o700},
	{"virtual-machines", 0o700},
	{"virtual-machines-snapshots", 0o700},
}

// VolumeDirMode is the mode of a volume's own directory.
const VolumeDirMode = 0o711

// SnapshotsDirMode is the mode of the per-volume directory holding snapshots.
const SnapshotsDirMode = 0o700

// MainPath is the path of the volume itself, ignoring Snapshot.
func (v Volume) MainPath() string {
	return filepath.Join(v.Pool.Path, typeDirs[v.Type].dir, v.Name)
}

// SnapshotsDir is the directory holding the volume's snapshots, "" for
// types without snapshots (images).
func (v Volume) SnapshotsDir() string {
	snapDir := typeDirs[v.Type].snapDir
	if snapDir == "" {
		return ""
	}
	return filepath.Join(v.Pool.Path, snapDir, v.Name)
}

// SnapshotPath is the path of snapshot snap of the volume ("" for types
// without snapshots).
func (v Volume) SnapshotPath(snap string) string {
	dir := v.SnapshotsDir()
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, snap)
}

// Path is where the addressed volume or snapshot lives.
func (v Volume) Path() string {
	if v.Snapshot != "" {
		return v.SnapshotPath(v.Snapshot)
	}
	return v.MainPath()
}

// WithName returns a copy of v addressing the volume named name.
func (v Volume) WithName(name string) Volume {
	v.Name = name
	return v
}

// WithSnapshot returns a copy of v addressing its snapshot snap ("" for the
// volume itself).
func (v Volume) WithSnapshot(snap string) Volume {
	v.Snapshot = snap
	return v
}

// String names the volume the way error messages show it.
func (v Volume) String() string {
	if v.Snapshot != "" {
		return fmt.Sprintf("%s/%s/%s", v.Type, v.Name, v.Snapshot)
	}
	return fmt.Sprintf("%s/%s", v.Type, v.Name)
}

// BlockSize is the size a block volume asks for: its "size" key or
// DefaultBlockSize.
func (v Volume) BlockSize() (int64, error) {
	size := v.Config["size"]
	if size == "" {
		return DefaultBlockSize, nil
	}
	n, err := units.ParseByteSize(size)
	if err != nil {
		return 0, api.BadRequest("Invalid size %q: %w", size, err)
	}
	return n, nil
}

// ValidateName refuses names that are empty or would escape their directory.
func ValidateName(kind, name string) error {
	if name == "" {
		return api.BadRequest("Invalid %s name: empty", kind)
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return api.BadRequest("Invalid %s name %q", kind, name)
	}
	return nil
}

// Validate checks the fields a driver relies on. When snapshotOK is false a
// Volume addressing a snapshot is refused.
func (v Volume) Validate(snapshotOK bool) error {
	if _, ok := typeDirs[v.Type]; !ok {
		return api.BadRequest("Invalid storage volume type %q", v.Type)
	}
	if v.ContentType != ContentTypeFS && v.ContentType != ContentTypeBlock {
		return api.BadRequest("Invalid content type %q", v.ContentType)
	}
	if v.Pool.Path == "" {
		return api.BadRequest("Storage pool %q has no path", v.Pool.Name)
	}
	if err := ValidateName("storage volume", v.Name); err != nil {
		return err
	}
	if v.Snapshot == "" {
		return nil
	}
	if !snapshotOK {
		return api.BadRequest("Storage volume %q is a snapshot", v.String())
	}
	if v.Type == VolumeTypeImage {
		return fmt.Errorf("Image volumes have no snapshots: %w", ErrNotSupported)
	}
	return ValidateName("snapshot", v.Snapshot)
}

// ValidateSnapshot checks v can take a snapshot named snap.
func (v Volume) ValidateSnapshot(snap string) error {
	if err := v.Validate(false); err != nil {
		return err
	}
	if v.Type == VolumeTypeImage {
		return fmt.Errorf("Image volumes have no snapshots: %w", ErrNotSupported)
	}
	return ValidateName("snapshot", snap)
}

package storage

import (
	"context"

	"github.com/lxdng/lxd/shared/config"
)

// Driver manages pools and volumes of one storage technology.
//
// Calling conventions:
//   - The service owns records and mount reference counts; a driver only acts
//     on what it is given and on what exists on disk.
//   - Before CreatePool, the service calls FillPoolConfig and stores the
//     config it returns: defaults a driver computes (btrfs loop size and
//     source, dir source) are decided once there and never again.
//   - Volume names are final (project-prefixed, "default_c1"; image volumes use
//     the fingerprint). A Volume with Snapshot set addresses that snapshot,
//     read-only; MountVolume, UnmountVolume, Usage and the source of CopyVolume
//     accept such a value, the other volume methods refuse it.
//   - Errors carry an HTTP status (shared/api) where it is clear and wrap the
//     sentinels of errors.go, so callers can test them with errors.Is.
//   - Deleting something that does not exist succeeds, so revert paths can call
//     deletes blindly. Every other call on a missing volume or snapshot fails
//     with ErrVolumeNotFound or ErrSnapshotNotFound (404).
type Driver interface {
	// Info describes the driver. It never fails: a driver that cannot run on
	// this host reports Operational=false and says why in Reason.
	Info() Info

	// PoolKeys is the pool config schema: the common keys plus the driver's.
	PoolKeys() config.Schema

	// VolumeKeys is the volume config schema: the common keys plus the driver's.
	VolumeKeys() config.Schema

	// FillPoolConfig validates p.Config against PoolKeys and the driver's
	// own rules and returns a copy completed with the defaults the pool will
	// be created with (for example btrfs "size" and "source"). It changes
	// nothing on the host. Errors are 400s.
	FillPoolConfig(ctx context.Context, p Pool) (map[string]string, error)

	// CreatePool creates the pool with its filled config and leaves it
	// mounted, with the volume type directories in place.
	CreatePool(ctx context.Context, p Pool) error

	// DeletePool unmounts the pool and removes what CreatePool made (loop
	// file, pool directory). The service checks the pool holds no volumes.
	DeletePool(ctx context.Context, p Pool) error

	// MountPool makes the pool usable at p.Path. It is idempotent and is
	// called at daemon start: a btrfs loop file is re-attached and mounted.
	MountPool(ctx context.Context, p Pool) error

	// UnmountPool undoes MountPool. It is idempotent.
	UnmountPool(ctx context.Context, p Pool) error

	// PoolUsage reports space and inode use of the pool (/resources).
	PoolUsage(ctx context.Context, p Pool) (PoolUsage, error)

	// CreateVolume creates an empty volume and, when fill is not nil, calls it
	// with the volume's mounted path to put content in. Block volumes get a
	// sparse BlockFileName of the "size" config (DefaultBlockSize when unset)
	// before fill runs. On any error nothing is left behind.
	CreateVolume(ctx context.Context, v Volume, fill Filler) error

	// CopyVolume creates dst as a copy of src (a volume or, with
	// src.Snapshot set, one of its snapshots) in the same pool. With
	// snapshots, the snapshots of src are copied too, under the same names.
	// It is instant where the driver can (btrfs snapshots, reflinks).
	CopyVolume(ctx context.Context, dst, src Volume, snapshots bool) error

	// DeleteVolume deletes the volume and all its snapshots.
	DeleteVolume(ctx context.Context, v Volume) error

	// RenameVolume renames the volume and its snapshots to newName.
	RenameVolume(ctx context.Context, v Volume, newName string) error

	// ResizeVolume sets the volume's quota (filesystem) or disk size (block)
	// to bytes; 0 removes a filesystem quota. Block volumes cannot shrink
	// (ErrCannotBeShrunk).
	ResizeVolume(ctx context.Context, v Volume, bytes int64) error

	// MountVolume makes the volume's content available and returns its path.
	// For block volumes the path is a directory holding BlockFileName.
	MountVolume(ctx context.Context, v Volume) (path string, err error)

	// UnmountVolume undoes MountVolume.
	UnmountVolume(ctx context.Context, v Volume) error

	// CreateSnapshot takes a read-only snapshot of the volume named snap.
	CreateSnapshot(ctx context.Context, v Volume, snap string) error

	// DeleteSnapshot deletes one snapshot.
	DeleteSnapshot(ctx context.Context, v Volume, snap string) error

	// RenameSnapshot renames one snapshot.
	RenameSnapshot(ctx context.Context, v Volume, snap, newName string) error

	// RestoreSnapshot makes the volume's content that of snapshot snap. The
	// snapshot and the other snapshots are kept.
	RestoreSnapshot(ctx context.Context, v Volume, snap string) error

	// Usage reports the space the volume (or snapshot) uses. Drivers that
	// cannot measure it return ErrNotSupported, which the service answers
	// with LXD's "Not supported".
	Usage(ctx context.Context, v Volume) (Usage, error)
}

// Info describes a driver. Name, Version and Remote feed
// storage_supported_drivers in GET /1.0.
type Info struct {
	Name    string
	Version string
	// Remote drivers share their volumes between cluster members.
	Remote bool
	// BlockBacked drivers put filesystem volumes on block devices.
	BlockBacked bool
	// OptimizedImages drivers keep unpacked image volumes and clone them for
	// new instances; the others unpack the image into every new instance.
	OptimizedImages bool
	// Operational is false when the host lacks what the driver needs.
	Operational bool
	// Reason says why the driver is not operational.
	Reason string
}

// Filler puts content into a freshly created volume mounted at mountPath
// (for example by unpacking an image). For block volumes, it writes the disk
// into filepath.Join(mountPath, BlockFileName).
type Filler func(ctx context.Context, mountPath string) error

// PoolUsage is the space and inode use of a pool, in bytes and inodes.
// Drivers that do not track inodes (btrfs) report zero for both.
type PoolUsage struct {
	SpaceUsed   uint64
	SpaceTotal  uint64
	InodesUsed  uint64
	InodesTotal uint64
}

// Usage is the space a volume uses. Total is the quota or block size, or -1
// when the volume has no limit.
type Usage struct {
	Used  int64
	Total int64
}

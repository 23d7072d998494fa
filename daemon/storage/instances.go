package storage

import (
	"context"
	"fmt"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/revert"
)

// The instance volume API. The instance service calls it to give each
// instance its root volume ("container" or "virtual-machine" row, named
// "<project>_<instance>" on disk) and to snapshot, copy, rename, mount and
// delete it. Instance volumes always belong to the instance's own project.
// None of these methods publish storage lifecycle events: the instance
// service publishes the instance's.

// InstanceRef names an instance's volume.
type InstanceRef struct {
	Pool    string
	Project string
	Name    string
	// Type is "container" (the default) or "virtual-machine".
	Type string
}

func (r InstanceRef) volumeRef() VolumeRef {
	t := r.Type
	if t == "" {
		t = string(drv.VolumeTypeContainer)
	}
	return VolumeRef{Pool: r.Pool, Project: r.Project, Type: t, Name: r.Name}
}

// InstanceVolumeSpec describes a new instance volume.
type InstanceVolumeSpec struct {
	InstanceRef
	// ImageFingerprint is the image the volume starts from ("" for an
	// empty volume). On drivers with optimized images (btrfs) the volume
	// is a snapshot of the pool's image volume (EnsureImageVolume is
	// called with Unpack); on the others (dir) Unpack fills it directly.
	ImageFingerprint string
	Unpack           drv.Filler
	// Config holds volume keys, e.g. "size" from the root disk device.
	Config map[string]string
	// InTx, when set, runs in the transaction adding the volume's record
	// (before it), so that a caller adding its own records (the instance's) pays one
	// database commit for both. It may run more than once (retries).
	InTx func(ctx context.Context, tx *db.Tx) error
	// Committed, when set, is called once that transaction committed,
	// before the volume's content is made: from then on the caller owns
	// (and on failure reverts) what InTx wrote.
	Committed func()
}

// CreateInstanceVolume creates an instance's root volume and its record.
// On failure nothing is left behind.
func (s *Service) CreateInstanceVolume(ctx context.Context, spec InstanceVolumeSpec) error {
	vol, err := s.newInstanceVolume(ctx, spec.InstanceRef, spec.Config)
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	rev := revert.New()
	defer rev.Fail()
	if err := s.insertVolumeWith(ctx, &vol, spec.InTx); err != nil {
		return err
	}
	if spec.Committed != nil {
		spec.Committed()
	}
	rev.Add(func() { s.deleteVolumeRow(context.WithoutCancel(ctx), vol.row.ID) })
	if spec.ImageFingerprint != "" && vol.d.Info().OptimizedImages {
		if err := s.EnsureImageVolume(ctx, spec.Pool, spec.ImageFingerprint, spec.Unpack); err != nil {
			return err
		}
		img := drv.Volume{Pool: vol.p, Type: drv.VolumeTypeImage, ContentType: drv.ContentTypeFS, Name: spec.ImageFingerprint}
		err = vol.d.CopyVolume(ctx, vol.v, img, false)
	} else {
		var fill drv.Filler
		if spec.ImageFingerprint != "" {
			fill = spec.Unpack
		}
		err = vol.d.CreateVolume(ctx, vol.v, fill)
	}
	if err != nil {
		return fmt.Errorf("Failed creating instance volume %q: %w", spec.Name, err)
	}
	rev.Success()
	return nil
}

// newInstanceVolume prepares the row and driver value of an instance
// volume. It only reads, on a read transaction: the write transaction that
// follows holds the database's one read-write connection for the insert only.
func (s *Service) newInstanceVolume(ctx context.Context, ref InstanceRef, cfg map[string]string) (volume, error) {
	vr := ref.volumeRef()
	var vol volume
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if vol.pool, vol.p, vol.d, err = s.resolvePool(ctx, tx, vr.Pool); err != nil {
			return err
		}
		if _, err := tx.Project(ctx, vr.Project); err != nil {
			return err
		}
		content := drv.ContentTypeFS
		if vr.Type == string(drv.VolumeTypeVM) {
			content = drv.ContentTypeBlock
		}
		full := drv.ApplyVolumeDefaults(vol.p.Config, cfg, vol.d.VolumeKeys())
		vol.row = db.StorageVolume{PoolID: vol.pool.ID, PoolName: vr.Pool, MemberID: s.self.ID(), Project: vr.Project,
			Type: vr.Type, Name: vr.Name, ContentType: string(content), Config: full}
		vol.v = s.driverVolume(vol.p, vol.row)
		return validateVolumeConfig(vol.d, vol.driverName(), full)
	})
	return vol, err
}

// CopyInstanceVolume creates dst's volume as a copy of src's, with its
// snapshots when withSnapshots (instance copy). Within a pool the driver
// copies; across pools the content is rsynced.
func (s *Service) CopyInstanceVolume(ctx context.Context, dst InstanceRef, src InstanceRef, withSnapshots bool) error {
	var from copySource
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if from.vol, err = s.resolveVolume(ctx, tx, src.volumeRef()); err != nil {
			return err
		}
		if withSnapshots {
			from.snaps, err = tx.StorageVolumeSnapshots(ctx, from.vol.row.ID)
		}
		return err
	})
	if err != nil {
		return err
	}
	target, err := s.newInstanceVolume(ctx, dst, from.vol.row.Config)
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(target.v))
	defer unlock()
	rev := revert.New()
	defer rev.Fail()
	if err := s.insertVolume(ctx, &target); err != nil {
		return err
	}
	rev.Add(func() { s.deleteVolumeRow(context.WithoutCancel(ctx), target.row.ID) })
	if from.vol.pool.ID == target.pool.ID {
		err = target.d.CopyVolume(ctx, target.v, from.vol.v, withSnapshots)
	} else if err = target.d.CreateVolume(ctx, target.v, nil); err == nil {
		rev.Add(func() { _ = target.d.DeleteVolume(context.WithoutCancel(ctx), target.v) })
		err = s.transfer(ctx, from, target, from.snaps)
	}
	if err != nil {
		return err
	}
	if err := s.copySnapshotRows(ctx, target.row.ID, from.snaps); err != nil {
		return err
	}
	rev.Success()
	return nil
}

// DeleteInstanceVolume deletes an instance's volume with its snapshots. A
// volume that does not exist is not an error (revert paths call it).
func (s *Service) DeleteInstanceVolume(ctx context.Context, ref InstanceRef) error {
	return s.DeleteInstanceVolumeWith(ctx, ref, nil)
}

// DeleteInstanceVolumeWith is DeleteInstanceVolume that also runs inTx in
// the transaction removing the volume's record, so that a caller dropping
// its own records pays one database commit (a raft commit, an fsync) for
// both. inTx runs even when the volume has no record; its error is
// returned. Without inTx, a failure to remove the record is only logged.
func (s *Service) DeleteInstanceVolumeWith(ctx context.Context, ref InstanceRef, inTx func(ctx context.Context, tx *db.Tx) error) error {
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if api.StatusOf(err) == 404 {
		if inTx == nil {
			return nil
		}
		return s.db.Tx(ctx, inTx)
	}
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	if err := vol.d.DeleteVolume(ctx, vol.v); err != nil {
		return fmt.Errorf("Failed deleting instance volume %q: %w", ref.Name, err)
	}
	if inTx == nil {
		s.deleteVolumeRow(ctx, vol.row.ID)
		return nil
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if err := tx.DeleteStorageVolume(ctx, vol.row.ID); err != nil && api.StatusOf(err) != 404 {
			return err
		}
		return inTx(ctx, tx)
	})
}

// RenameInstanceVolume renames an instance's volume (and its snapshots).
func (s *Service) RenameInstanceVolume(ctx context.Context, ref InstanceRef, newName string) error {
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.RenameStorageVolume(ctx, vol.row.ID, newName) })
	if err != nil {
		return err
	}
	if err := vol.d.RenameVolume(ctx, vol.v, driverVolumeName(vol.row.Project, vol.row.Type, newName)); err != nil {
		_ = s.db.Tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error {
			return tx.RenameStorageVolume(ctx, vol.row.ID, vol.row.Name)
		})
		return err
	}
	return nil
}

// MountInstanceVolume mounts an instance's volume (snap "" for the volume,
// else one of its snapshots, read-only) and returns its path and the
// release function the caller must call once done (e.g. at stop). The
// volume is unmounted when its last user releases it.
func (s *Service) MountInstanceVolume(ctx context.Context, ref InstanceRef, snap string) (string, func(), error) {
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if err != nil {
		return "", nil, err
	}
	return s.mounts.acquire(ctx, vol.d, vol.v.WithSnapshot(snap))
}

// MountCustomVolume mounts a custom volume for an instance's disk device,
// like MountInstanceVolume. ref.Project is the instance's project.
func (s *Service) MountCustomVolume(ctx context.Context, ref VolumeRef) (string, func(), error) {
	ref.Type = "custom"
	vol, err := s.lookupVolume(ctx, ref)
	if err != nil {
		return "", nil, err
	}
	return s.mounts.acquire(ctx, vol.d, vol.v)
}

// InstanceVolumeUsage reports the space an instance's volume uses;
// drivers that cannot tell return drivers/storage.ErrNotSupported.
func (s *Service) InstanceVolumeUsage(ctx context.Context, ref InstanceRef) (drv.Usage, error) {
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if err != nil {
		return drv.Usage{}, err
	}
	return vol.d.Usage(ctx, vol.v)
}

// InstanceVolumesUsage is InstanceVolumeUsage for many instances (a
// listing with state): one transaction, each pool and project resolved
// once, instead of a transaction and four queries per instance. errs[i]
// is the error for refs[i].
func (s *Service) InstanceVolumesUsage(ctx context.Context, refs []InstanceRef) (usage []drv.Usage, errs []error) {
	vols := make([]volume, len(refs))
	errs = make([]error, len(refs))
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		pools := map[string]volume{} // pool part only
		owners := map[string]string{}
		for i, ref := range refs {
			vols[i], errs[i] = s.resolveVolumeCached(ctx, tx, ref.volumeRef(), pools, owners)
		}
		return nil
	})
	usage = make([]drv.Usage, len(refs))
	for i := range refs {
		switch {
		case err != nil:
			errs[i] = err
		case errs[i] == nil:
			usage[i], errs[i] = vols[i].d.Usage(ctx, vols[i].v)
		}
	}
	return usage, errs
}

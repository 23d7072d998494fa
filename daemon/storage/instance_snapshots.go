package storage

import (
	"context"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/revert"
)

// CreateInstanceSnapshot takes snapshot snap of an instance's volume and
// records it (409 when the name is taken).
func (s *Service) CreateInstanceSnapshot(ctx context.Context, ref InstanceRef, snap string) error {
	if err := validateName(snap, "Snapshot"); err != nil {
		return err
	}
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	rev := revert.New()
	defer rev.Fail()
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.CreateStorageVolumeSnapshot(ctx, db.StorageVolumeSnapshot{VolumeID: vol.row.ID, Name: snap,
			CreatedAt: time.Now(), Config: copyMap(vol.row.Config)})
		return err
	})
	if err != nil {
		return err
	}
	rev.Add(func() { _ = s.deleteInstanceSnapshotRow(context.WithoutCancel(ctx), vol, snap) })
	if err := vol.d.CreateSnapshot(ctx, vol.v, snap); err != nil {
		return err
	}
	rev.Success()
	return nil
}

func (s *Service) deleteInstanceSnapshotRow(ctx context.Context, vol volume, snap string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		row, err := tx.StorageVolumeSnapshot(ctx, vol.row.ID, snap)
		if err != nil {
			return err
		}
		return tx.DeleteStorageVolumeSnapshot(ctx, row.ID)
	})
}

// DeleteInstanceSnapshot deletes one snapshot of an instance's volume; a
// missing one is not an error.
func (s *Service) DeleteInstanceSnapshot(ctx context.Context, ref InstanceRef, snap string) error {
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	if err := vol.d.DeleteSnapshot(ctx, vol.v, snap); err != nil {
		return err
	}
	if err := s.deleteInstanceSnapshotRow(ctx, vol, snap); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// RenameInstanceSnapshot renames one snapshot of an instance's volume.
func (s *Service) RenameInstanceSnapshot(ctx context.Context, ref InstanceRef, snap, newName string) error {
	if err := validateName(newName, "Snapshot"); err != nil {
		return err
	}
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	rename := func(ctx context.Context, from, to string) error {
		return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
			row, err := tx.StorageVolumeSnapshot(ctx, vol.row.ID, from)
			if err != nil {
				return err
			}
			return tx.RenameStorageVolumeSnapshot(ctx, row.ID, to)
		})
	}
	if err := rename(ctx, snap, newName); err != nil {
		return err
	}
	if err := vol.d.RenameSnapshot(ctx, vol.v, snap, newName); err != nil {
		_ = rename(context.WithoutCancel(ctx), newName, snap)
		return err
	}
	return nil
}

// RestoreInstanceSnapshot makes an instance's volume the content of one of
// its snapshots. The instance must be stopped and its volume unmounted.
func (s *Service) RestoreInstanceSnapshot(ctx context.Context, ref InstanceRef, snap string) error {
	vol, err := s.lookupVolume(ctx, ref.volumeRef())
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	return vol.d.RestoreSnapshot(ctx, vol.v, snap)
}

func isNotFound(err error) bool {
	return err != nil && statusOf(err) == 404
}

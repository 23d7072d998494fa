package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/revert"
	"github.com/lxdng/lxd/shared/units"
)

// Run is the slow part of a request, which the API runs in an operation
// after the checks made synchronously succeeded.
type Run func(ctx context.Context) error

// ListVolumeSnapshots returns a volume's snapshots as GET .../snapshots
// ?recursion=1 shows them: named "<volume>/<snapshot>", content_type
// empty and expires_at null when unset (LXD 5.0.2's quirks).
func (s *Service) ListVolumeSnapshots(ctx context.Context, ref VolumeRef) ([]api.StorageVolumeSnapshot, error) {
	out := []api.StorageVolumeSnapshot{}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		vol, err := s.resolveVolume(ctx, tx, ref)
		if err != nil {
			return err
		}
		snaps, err := tx.StorageVolumeSnapshots(ctx, vol.row.ID)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, snap := range snaps {
			r := renderSnapshot(vol.row, snap)
			r.Name = vol.row.Name + "/" + snap.Name
			r.ContentType = ""
			if snap.ExpiresAt.IsZero() {
				r.ExpiresAt = nil
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// GetVolumeSnapshot returns one snapshot (expires_at is the zero time
// when unset, as in LXD 5.0.2).
func (s *Service) GetVolumeSnapshot(ctx context.Context, ref VolumeRef, name string) (api.StorageVolumeSnapshot, error) {
	var out api.StorageVolumeSnapshot
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		vol, snap, err := s.resolveSnapshot(ctx, tx, ref, name)
		out = renderSnapshot(vol.row, snap)
		return err
	})
	return out, err
}

func renderSnapshot(vol db.StorageVolume, snap db.StorageVolumeSnapshot) api.StorageVolumeSnapshot {
	expires := snap.ExpiresAt
	return api.StorageVolumeSnapshot{
		StorageVolumeSnapshotPut: api.StorageVolumeSnapshotPut{Description: snap.Description, ExpiresAt: &expires},
		Name:                     snap.Name, Config: copyMap(snap.Config), ContentType: vol.ContentType,
	}
}

func (s *Service) resolveSnapshot(ctx context.Context, tx *db.Tx, ref VolumeRef, name string) (volume, db.StorageVolumeSnapshot, error) {
	vol, err := s.resolveVolume(ctx, tx, ref)
	if err != nil {
		return vol, db.StorageVolumeSnapshot{}, err
	}
	snap, err := tx.StorageVolumeSnapshot(ctx, vol.row.ID, name)
	return vol, snap, err
}

// CreateVolumeSnapshot checks a snapshot request (the name, defaulting to
// the volume's snapshots.pattern; 409 `Snapshot "x" already in use`) and
// returns the work that takes it. Without expires_at, snapshots.expiry
// decides when it expires.
func (s *Service) CreateVolumeSnapshot(ctx context.Context, ref VolumeRef, req api.StorageVolumeSnapshotsPost) (Run, error) {
	if strings.Contains(req.Name, "/") {
		return nil, api.BadRequest(`Storage name cannot contain "/"`)
	}
	var vol volume
	var name string
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if vol, err = s.resolveVolume(ctx, tx, ref); err != nil {
			return err
		}
		name, err = s.snapshotName(ctx, tx, vol, req.Name, time.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return s.takeSnapshot(ctx, vol, name, req.ExpiresAt)
	}, nil
}

// snapshotName returns the requested name after checking it is free, or
// the next name from snapshots.pattern.
func (s *Service) snapshotName(ctx context.Context, tx *db.Tx, vol volume, want string, now time.Time) (string, error) {
	snaps, err := tx.StorageVolumeSnapshots(ctx, vol.row.ID)
	if err != nil {
		return "", err
	}
	taken := map[string]bool{}
	for _, s := range snaps {
		taken[s.Name] = true
	}
	if want != "" {
		if taken[want] {
			return "", api.Conflict("Snapshot %q already in use", want)
		}
		return want, nil
	}
	pattern := vol.row.Config["snapshots.pattern"]
	if pattern == "" {
		pattern = "snap%d"
	}
	return nextSnapshotName(pattern, now, taken), nil
}

// takeSnapshot snapshots the volume on disk, then records it.
func (s *Service) takeSnapshot(ctx context.Context, vol volume, name string, expiresAt *time.Time) error {
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	now := time.Now()
	snap := db.StorageVolumeSnapshot{VolumeID: vol.row.ID, Name: name, Description: vol.row.Description,
		CreatedAt: now, Config: copyMap(vol.row.Config)}
	if expiresAt != nil {
		snap.ExpiresAt = *expiresAt
	} else if expiry := vol.row.Config["snapshots.expiry"]; expiry != "" {
		t, err := units.AddExpiry(expiry, now)
		if err != nil {
			return err
		}
		snap.ExpiresAt = t
	}
	rev := revert.New()
	defer rev.Fail()
	if err := vol.d.CreateSnapshot(ctx, vol.v, name); err != nil {
		return err
	}
	rev.Add(func() { _ = vol.d.DeleteSnapshot(context.WithoutCancel(ctx), vol.v, name) })
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.CreateStorageVolumeSnapshot(ctx, snap)
		return err
	})
	if err != nil {
		return err
	}
	rev.Success()
	s.publish(ctx, vol.row.Project, "storage-volume-snapshot-created", vol.eventURL(name), map[string]any{"type": vol.row.Type})
	return nil
}

// UpdateVolumeSnapshot sets a snapshot's description and expiry.
func (s *Service) UpdateVolumeSnapshot(ctx context.Context, ref VolumeRef, name string, put api.StorageVolumeSnapshotPut) error {
	var vol volume
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var snap db.StorageVolumeSnapshot
		var err error
		if vol, snap, err = s.resolveSnapshot(ctx, tx, ref, name); err != nil {
			return err
		}
		expires := time.Time{}
		if put.ExpiresAt != nil {
			expires = *put.ExpiresAt
		}
		return tx.UpdateStorageVolumeSnapshot(ctx, snap.ID, put.Description, expires)
	})
	if err != nil {
		return err
	}
	// LXD 5.0.2 names the volume by its API name in this one event.
	s.publish(ctx, vol.row.Project, "storage-volume-snapshot-updated", volumeURL(vol.pool.Name, vol.row.Type, vol.row.Name, name), nil)
	return nil
}

// RenameVolumeSnapshot checks a snapshot rename and returns the work.
func (s *Service) RenameVolumeSnapshot(ctx context.Context, ref VolumeRef, name, newName string) (Run, error) {
	if err := validateName(newName, "Storage volume snapshot"); err != nil {
		return nil, err
	}
	var vol volume
	var snap db.StorageVolumeSnapshot
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		vol, snap, err = s.resolveSnapshot(ctx, tx, ref, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		unlock := s.locks.lock(volumeLockKey(vol.v))
		defer unlock()
		err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
			return tx.RenameStorageVolumeSnapshot(ctx, snap.ID, newName)
		})
		if err != nil {
			return err
		}
		if err := vol.d.RenameSnapshot(ctx, vol.v, name, newName); err != nil {
			_ = s.db.Tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error {
				return tx.RenameStorageVolumeSnapshot(ctx, snap.ID, name)
			})
			return err
		}
		s.publish(ctx, vol.row.Project, "storage-volume-snapshot-renamed", vol.eventURL(name), map[string]any{"old_name": name})
		return nil
	}, nil
}

// DeleteVolumeSnapshot checks a snapshot exists and returns the work that
// deletes it.
func (s *Service) DeleteVolumeSnapshot(ctx context.Context, ref VolumeRef, name string) (Run, error) {
	var vol volume
	var snap db.StorageVolumeSnapshot
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		vol, snap, err = s.resolveSnapshot(ctx, tx, ref, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return s.deleteSnapshot(ctx, vol, snap) }, nil
}

func (s *Service) deleteSnapshot(ctx context.Context, vol volume, snap db.StorageVolumeSnapshot) error {
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	return s.deleteSnapshotLocked(ctx, vol, snap)
}

// deleteSnapshotLocked deletes a snapshot with the volume lock held.
func (s *Service) deleteSnapshotLocked(ctx context.Context, vol volume, snap db.StorageVolumeSnapshot) error {
	if err := vol.d.DeleteSnapshot(ctx, vol.v, snap.Name); err != nil {
		return fmt.Errorf("Failed deleting snapshot %q: %w", snap.Name, err)
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.DeleteStorageVolumeSnapshot(ctx, snap.ID) })
	if err != nil {
		return err
	}
	s.publish(ctx, vol.row.Project, "storage-volume-snapshot-deleted", vol.eventURL(snap.Name), nil)
	return nil
}

// RestoreVolume makes a volume's content that of one of its snapshots
// (PUT volume {"restore": snap}). LXD answers an unknown snapshot with 500
// "Snapshot not found".
func (s *Service) RestoreVolume(ctx context.Context, ref VolumeRef, snapName string) error {
	var vol volume
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		vol, _, err = s.resolveSnapshot(ctx, tx, ref, snapName)
		if api.StatusOf(err) == 404 && vol.row.ID != 0 {
			return api.InternalError("Snapshot not found")
		}
		return err
	})
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	if vol.row.Type == "custom" && s.mounts.count(vol.v) > 0 {
		return api.BadRequest("The storage volume is still in use")
	}
	if err := vol.d.RestoreSnapshot(ctx, vol.v, snapName); err != nil {
		return err
	}
	s.publish(ctx, vol.row.Project, "storage-volume-restored", vol.eventURL(""), map[string]any{"snapshot": snapName})
	return nil
}

// volumeForSnapshotTask is what the snapshot task needs about a volume.
func (s *Service) snapshotVolume(ctx context.Context, tx *db.Tx, row db.StorageVolume) (volume, error) {
	var vol volume
	var err error
	if vol.pool, vol.p, vol.d, err = s.resolvePool(ctx, tx, row.PoolName); err != nil {
		return vol, err
	}
	vol.row = row
	vol.v = s.driverVolume(vol.p, row)
	return vol, nil
}

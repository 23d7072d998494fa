package db

import (
	"context"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// StorageVolumeSnapshot is a storage_volumes_snapshots row.
type StorageVolumeSnapshot struct {
	ID          int64
	VolumeID    int64
	Name        string
	Description string
	CreatedAt   time.Time
	// ExpiresAt is zero when the snapshot never expires.
	ExpiresAt time.Time
	Config    JSONMap
}

// ErrStorageVolumeSnapshotNotFound is LXD's 404 for an unknown volume
// snapshot (LXD words it like a volume).
var ErrStorageVolumeSnapshotNotFound = api.NotFound("Storage pool volume not found")

const snapshotSelect = `SELECT id, volume_id, name, description, created_at, expires_at, config
	FROM storage_volumes_snapshots`

func (t *Tx) querySnapshots(ctx context.Context, where string, args ...any) ([]StorageVolumeSnapshot, error) {
	rows, err := t.Query(ctx, snapshotSelect+" WHERE "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StorageVolumeSnapshot
	for rows.Next() {
		var s StorageVolumeSnapshot
		var created, expires NullTime
		if err := rows.Scan(&s.ID, &s.VolumeID, &s.Name, &s.Description, &created, &expires, &s.Config); err != nil {
			return nil, err
		}
		s.CreatedAt, s.ExpiresAt = created.Time, expires.Time
		out = append(out, s)
	}
	return out, rows.Err()
}

// StorageVolumeSnapshots lists a volume's snapshots, oldest first.
func (t *Tx) StorageVolumeSnapshots(ctx context.Context, volumeID int64) ([]StorageVolumeSnapshot, error) {
	return t.querySnapshots(ctx, "volume_id = ?", volumeID)
}

// ExpiredStorageVolumeSnapshots lists the snapshots (of every volume) whose
// expiry is at or before now.
// Times are compared in Go: stored time strings do not sort reliably.
func (t *Tx) ExpiredStorageVolumeSnapshots(ctx context.Context, now time.Time) ([]StorageVolumeSnapshot, error) {
	snaps, err := t.querySnapshots(ctx, "expires_at IS NOT NULL")
	if err != nil {
		return nil, err
	}
	var out []StorageVolumeSnapshot
	for _, s := range snaps {
		if !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(now) {
			out = append(out, s)
		}
	}
	return out, nil
}

// StorageVolumeSnapshot loads one snapshot of a volume by name.
func (t *Tx) StorageVolumeSnapshot(ctx context.Context, volumeID int64, name string) (StorageVolumeSnapshot, error) {
	snaps, err := t.querySnapshots(ctx, "volume_id = ? AND name = ?", volumeID, name)
	if err != nil {
		return StorageVolumeSnapshot{}, err
	}
	if len(snaps) == 0 {
		return StorageVolumeSnapshot{}, ErrStorageVolumeSnapshotNotFound
	}
	return snaps[0], nil
}

// CreateStorageVolumeSnapshot inserts a snapshot and returns its id; 409 in
// LXD's words when the name is taken.
func (t *Tx) CreateStorageVolumeSnapshot(ctx context.Context, s StorageVolumeSnapshot) (int64, error) {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now()
	}
	res, err := t.Exec(ctx, `INSERT INTO storage_volumes_snapshots
		(volume_id, name, description, created_at, expires_at, config) VALUES (?, ?, ?, ?, ?, ?)`,
		s.VolumeID, s.Name, s.Description, NullTime{s.CreatedAt}, NullTime{s.ExpiresAt}, s.Config)
	if isUnique(err) {
		return 0, api.Conflict("Snapshot %q already in use", s.Name)
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// UpdateStorageVolumeSnapshot replaces a snapshot's description and expiry.
func (t *Tx) UpdateStorageVolumeSnapshot(ctx context.Context, id int64, description string, expiresAt time.Time) error {
	return t.execOne(ctx, ErrStorageVolumeSnapshotNotFound,
		"UPDATE storage_volumes_snapshots SET description = ?, expires_at = ? WHERE id = ?",
		description, NullTime{expiresAt}, id)
}

// RenameStorageVolumeSnapshot renames a snapshot; 409 when taken.
func (t *Tx) RenameStorageVolumeSnapshot(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, ErrStorageVolumeSnapshotNotFound,
		"UPDATE storage_volumes_snapshots SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict("Snapshot %q already in use", name)
	}
	return err
}

// DeleteStorageVolumeSnapshot removes one snapshot row.
func (t *Tx) DeleteStorageVolumeSnapshot(ctx context.Context, id int64) error {
	return t.execOne(ctx, ErrStorageVolumeSnapshotNotFound, "DELETE FROM storage_volumes_snapshots WHERE id = ?", id)
}

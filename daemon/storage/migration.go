package storage

import (
	"context"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// The custom-volume side of migrations between servers (daemon/migration
// speaks the protocol): ExportVolume gives the source what it sends,
// ImportVolume creates (or refreshes) the target and hands the receiver a
// mounted volume to fill.

// SnapshotInfo describes a volume snapshot as it travels.
type SnapshotInfo struct {
	Name        string
	Description string
	Config      map[string]string
	CreatedAt   time.Time
	ExpiresAt   time.Time // zero: never
}

// VolumeExport is a custom volume ready to be sent.
type VolumeExport struct {
	Name        string
	Description string
	Config      map[string]string
	ContentType string
	// Snapshots oldest first (none when sending the volume only).
	Snapshots []SnapshotInfo
	// BwLimit is the pool's rsync.bwlimit.
	BwLimit string
	// Mount mounts the volume (snap "") or one of its snapshots.
	Mount func(ctx context.Context, snap string) (string, func(), error)
}

// ExportVolume readies a custom volume for sending.
func (s *Service) ExportVolume(ctx context.Context, ref VolumeRef, withSnapshots bool) (VolumeExport, error) {
	ref.Type = "custom"
	var out VolumeExport
	var vol volume
	var snaps []db.StorageVolumeSnapshot
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if vol, err = s.resolveVolume(ctx, tx, ref); err != nil {
			return err
		}
		if withSnapshots {
			snaps, err = tx.StorageVolumeSnapshots(ctx, vol.row.ID)
		}
		return err
	})
	if err != nil {
		return out, err
	}
	if vol.row.ContentType == string(drv.ContentTypeBlock) {
		return out, api.NotImplemented("Migration of custom block volumes is not supported")
	}
	out = VolumeExport{Name: vol.row.Name, Description: vol.row.Description, Config: copyMap(vol.row.Config),
		ContentType: vol.row.ContentType, BwLimit: vol.p.Config["rsync.bwlimit"]}
	for _, snap := range snaps {
		out.Snapshots = append(out.Snapshots, SnapshotInfo{Name: snap.Name, Description: snap.Description,
			Config: copyMap(snap.Config), CreatedAt: snap.CreatedAt, ExpiresAt: snap.ExpiresAt})
	}
	key := volumeLockKey(vol.v)
	out.Mount = func(ctx context.Context, snap string) (string, func(), error) {
		path, release, err := s.mounts.acquire(ctx, vol.d, vol.v.WithSnapshot(snap))
		if err != nil {
			return "", nil, err
		}
		s.exports.add(key)
		var once sync.Once
		return path, func() { once.Do(func() { release(); s.exports.done(key) }) }, nil
	}
	return out, nil
}

// exportGrace bounds how long a deletion waits for a migration source
// still sending the volume.
const exportGrace = 10 * time.Second

// exportCounter counts the mounts migration sources hold, per volume.
type exportCounter struct {
	mu    sync.Mutex
	count map[string]int
	idle  *sync.Cond
}

func newExportCounter() *exportCounter {
	e := &exportCounter{count: map[string]int{}}
	e.idle = sync.NewCond(&e.mu)
	return e
}

func (e *exportCounter) add(key string) {
	e.mu.Lock()
	e.count[key]++
	e.mu.Unlock()
}

func (e *exportCounter) done(key string) {
	e.mu.Lock()
	if e.count[key]--; e.count[key] <= 0 {
		delete(e.count, key)
	}
	e.mu.Unlock()
	e.idle.Broadcast()
}

// waitIdle waits until no migration source holds key, at most d.
func (e *exportCounter) waitIdle(ctx context.Context, key string, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { e.mu.Lock(); e.idle.Broadcast(); e.mu.Unlock() })
	defer stop()
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.count[key] > 0 && ctx.Err() == nil {
		e.idle.Wait()
	}
}

// Receiver is the target of an import: the mounted volume and how to
// record each snapshot whose content has arrived in it.
type Receiver struct {
	Path string
	// Refresh is true when the volume existed (source.refresh): Existing
	// lists its snapshots, DeleteSnapshot removes one.
	Refresh        bool
	Existing       []string
	DeleteSnapshot func(ctx context.Context, name string) error
	// Snapshot snapshots the volume as received so far and records it.
	Snapshot func(ctx context.Context, snap SnapshotInfo) error
}

// ImportVolume checks a migration target request (POST .../volumes with
// source.type "migration") and returns the work: it creates the volume
// (or, with source.refresh, reuses an existing one), mounts it and calls
// receive. When receive fails a volume created here is deleted with its
// snapshots and records; a refreshed one keeps what it had.
func (s *Service) ImportVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) (func(ctx context.Context, receive func(ctx context.Context, r Receiver) error) error, error) {
	if err := checkNewCustomVolume(&req); err != nil {
		return nil, err
	}
	if req.ContentType == string(drv.ContentTypeBlock) {
		return nil, api.NotImplemented("Migration of custom block volumes is not supported")
	}
	var target volume
	exists := false
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if target, err = s.newVolume(ctx, tx, pool, project, req); err != nil {
			return err
		}
		existing, err := tx.StorageVolume(ctx, target.pool.ID, s.self.ID(), target.row.Project, "custom", req.Name)
		if err == nil {
			exists, target.row = true, existing
			target.v = s.driverVolume(target.p, existing)
		} else if api.StatusOf(err) != 404 {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if exists && !req.Source.Refresh {
		return nil, api.Conflict("Volume by that name already exists")
	}
	return func(ctx context.Context, receive func(ctx context.Context, r Receiver) error) error {
		return s.importVolume(ctx, target, exists, receive)
	}, nil
}

func (s *Service) importVolume(ctx context.Context, target volume, exists bool, receive func(ctx context.Context, r Receiver) error) error {
	unlock := s.locks.lock(volumeLockKey(target.v))
	defer unlock()
	rev := revert.New()
	defer rev.Fail()
	r := Receiver{Refresh: exists}
	if exists {
		names, err := s.snapshotNames(ctx, target.row.ID)
		if err != nil {
			return err
		}
		r.Existing = names
	} else {
		if err := s.insertVolume(ctx, &target); err != nil {
			return err
		}
		rev.Add(func() { s.deleteVolumeRow(context.WithoutCancel(ctx), target.row.ID) })
		if err := target.d.CreateVolume(ctx, target.v, nil); err != nil {
			return err
		}
		rev.Add(func() { _ = target.d.DeleteVolume(context.WithoutCancel(ctx), target.v) })
	}
	path, release, err := s.mounts.acquire(ctx, target.d, target.v)
	if err != nil {
		return err
	}
	defer release()
	r.Path = path
	r.Snapshot = func(ctx context.Context, snap SnapshotInfo) error {
		return s.recordImportedSnapshot(ctx, target, snap)
	}
	r.DeleteSnapshot = func(ctx context.Context, name string) error {
		var snap db.StorageVolumeSnapshot
		err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
			var err error
			snap, err = tx.StorageVolumeSnapshot(ctx, target.row.ID, name)
			return err
		})
		if err != nil {
			return err
		}
		return s.deleteSnapshotLocked(ctx, target, snap)
	}
	if err := receive(ctx, r); err != nil {
		return err
	}
	rev.Success()
	log := logctx.From(ctx).WithField("pool", target.pool.Name).WithField("volume", target.driverName())
	if exists {
		log.Info("Refreshed storage volume from a migration")
		s.publish(ctx, target.row.Project, "storage-volume-updated", target.eventURL(""), nil)
		return nil
	}
	log.Info("Created storage volume from a migration")
	s.publish(ctx, target.row.Project, "storage-volume-created", target.eventURL(""), map[string]any{"type": "custom"})
	return nil
}

func (s *Service) snapshotNames(ctx context.Context, volumeID int64) ([]string, error) {
	var names []string
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		snaps, err := tx.StorageVolumeSnapshots(ctx, volumeID)
		for _, snap := range snaps {
			names = append(names, snap.Name)
		}
		return err
	})
	return names, err
}

// recordImportedSnapshot snapshots the target as received so far and
// records the snapshot with the source's details (config, dates) where
// it sent them.
func (s *Service) recordImportedSnapshot(ctx context.Context, target volume, info SnapshotInfo) error {
	if err := validateName(info.Name, "Snapshot"); err != nil {
		return err
	}
	snap := db.StorageVolumeSnapshot{VolumeID: target.row.ID, Name: info.Name, Description: info.Description,
		CreatedAt: info.CreatedAt, ExpiresAt: info.ExpiresAt, Config: info.Config}
	if snap.CreatedAt.IsZero() {
		snap.CreatedAt = time.Now()
	}
	if len(snap.Config) == 0 {
		snap.Config = copyMap(target.row.Config)
	}
	if err := target.d.CreateSnapshot(ctx, target.v, info.Name); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.CreateStorageVolumeSnapshot(ctx, snap)
		return err
	})
	if err != nil {
		_ = target.d.DeleteSnapshot(context.WithoutCancel(ctx), target.v, info.Name)
		return err
	}
	s.publish(ctx, target.row.Project, "storage-volume-snapshot-created", target.eventURL(info.Name), map[string]any{"type": "custom"})
	return nil
}

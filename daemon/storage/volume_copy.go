package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/rsync"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/revert"
)

// copySource is the resolved source of a copy: a volume, maybe one of its
// snapshots, and the snapshots that go along.
type copySource struct {
	vol   volume
	snap  string
	snaps []db.StorageVolumeSnapshot
}

// CopyVolume checks a copy request (POST .../volumes with source.type
// "copy": a volume or "vol/snap" of source.pool, same pool or another)
// and returns the work. Within a pool the driver copies (btrfs
// snapshots); across pools the content is rsynced with the target pool's
// rsync.bwlimit and rsync.compression. With source.refresh an existing
// target gets the missing snapshots and the current content.
func (s *Service) CopyVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) (Run, error) {
	if err := checkNewCustomVolume(&req); err != nil {
		return nil, err
	}
	var src copySource
	var target volume
	exists := false
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if src, err = s.resolveCopySource(ctx, tx, pool, project, req.Source); err != nil {
			return err
		}
		if len(req.Config) == 0 {
			req.Config = copyMap(src.vol.row.Config)
		}
		req.ContentType = src.vol.row.ContentType
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
	if req.Source.VolumeOnly || src.snap != "" {
		src.snaps = nil
	}
	if exists {
		return func(ctx context.Context) error { return s.refreshVolume(ctx, src, target) }, nil
	}
	return func(ctx context.Context) error { return s.copyVolume(ctx, src, target) }, nil
}

// resolveCopySource finds the source volume ("name" or "name/snap").
func (s *Service) resolveCopySource(ctx context.Context, tx *db.Tx, pool, project string, src api.StorageVolumeSource) (copySource, error) {
	var out copySource
	if src.Name == "" {
		return out, api.BadRequest("No source volume name supplied")
	}
	if src.Pool == "" {
		src.Pool = pool
	}
	if src.Project == "" {
		src.Project = project
	}
	name, snap, _ := strings.Cut(src.Name, "/")
	var err error
	if out.vol, err = s.resolveVolume(ctx, tx, VolumeRef{Pool: src.Pool, Project: src.Project, Type: "custom", Name: name}); err != nil {
		return out, err
	}
	if out.snaps, err = tx.StorageVolumeSnapshots(ctx, out.vol.row.ID); err != nil {
		return out, err
	}
	if snap != "" {
		if _, err := tx.StorageVolumeSnapshot(ctx, out.vol.row.ID, snap); err != nil {
			return out, err
		}
		out.snap = snap
	}
	return out, nil
}

// copyVolume creates target as a copy of src.
func (s *Service) copyVolume(ctx context.Context, src copySource, target volume) error {
	unlock := s.locks.lock(volumeLockKey(target.v))
	defer unlock()
	rev := revert.New()
	defer rev.Fail()
	if err := s.insertVolume(ctx, &target); err != nil {
		return err
	}
	rev.Add(func() { s.deleteVolumeRow(context.WithoutCancel(ctx), target.row.ID) })
	if src.vol.pool.ID == target.pool.ID {
		if err := target.d.CopyVolume(ctx, target.v, src.vol.v.WithSnapshot(src.snap), len(src.snaps) > 0); err != nil {
			return err
		}
	} else {
		if err := target.d.CreateVolume(ctx, target.v, nil); err != nil {
			return err
		}
		rev.Add(func() { _ = target.d.DeleteVolume(context.WithoutCancel(ctx), target.v) })
		if err := s.transfer(ctx, src, target, src.snaps); err != nil {
			return err
		}
	}
	if err := s.copySnapshotRows(ctx, target.row.ID, src.snaps); err != nil {
		return err
	}
	rev.Success()
	s.publish(ctx, target.row.Project, "storage-volume-created", target.eventURL(""), map[string]any{"type": "custom"})
	return nil
}

// refreshVolume brings an existing copy up to date: the snapshots it lacks,
// then the content.
func (s *Service) refreshVolume(ctx context.Context, src copySource, target volume) error {
	unlock := s.locks.lock(volumeLockKey(target.v))
	defer unlock()
	var have []db.StorageVolumeSnapshot
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		have, err = tx.StorageVolumeSnapshots(ctx, target.row.ID)
		return err
	})
	if err != nil {
		return err
	}
	haveNames := map[string]bool{}
	for _, h := range have {
		haveNames[h.Name] = true
	}
	var missing []db.StorageVolumeSnapshot
	for _, snap := range src.snaps {
		if !haveNames[snap.Name] {
			missing = append(missing, snap)
		}
	}
	if err := s.transfer(ctx, src, target, missing); err != nil {
		return err
	}
	if err := s.copySnapshotRows(ctx, target.row.ID, missing); err != nil {
		return err
	}
	s.publish(ctx, target.row.Project, "storage-volume-updated", target.eventURL(""), nil)
	return nil
}

// transfer rsyncs src into the existing target: each snapshot of snaps
// (content synced, then snapshotted on the target), then the content of
// src (or of its snapshot).
func (s *Service) transfer(ctx context.Context, src copySource, target volume, snaps []db.StorageVolumeSnapshot) error {
	dstPath, release, err := s.mounts.acquire(ctx, target.d, target.v)
	if err != nil {
		return err
	}
	defer release()
	opts := rsync.OptionsFromConfig(target.p.Config)
	opts.Delete, opts.IgnoreTimes = true, true
	for _, snap := range snaps {
		if err := s.syncFrom(ctx, src.vol.d, src.vol.v.WithSnapshot(snap.Name), dstPath, opts); err != nil {
			return err
		}
		if err := target.d.CreateSnapshot(ctx, target.v, snap.Name); err != nil {
			return err
		}
	}
	return s.syncFrom(ctx, src.vol.d, src.vol.v.WithSnapshot(src.snap), dstPath, opts)
}

// syncFrom mounts v and rsyncs its tree to dst.
func (s *Service) syncFrom(ctx context.Context, d drv.Driver, v drv.Volume, dst string, opts rsync.Options) error {
	srcPath, release, err := s.mounts.acquire(ctx, d, v)
	if err != nil {
		return err
	}
	defer release()
	if err := rsync.Copy(ctx, srcPath, dst, opts); err != nil {
		return fmt.Errorf("Failed to copy storage volume %q: %w", v.String(), err)
	}
	return nil
}

// copySnapshotRows records the copied snapshots on the target volume.
func (s *Service) copySnapshotRows(ctx context.Context, volumeID int64, snaps []db.StorageVolumeSnapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		for _, snap := range snaps {
			snap.ID, snap.VolumeID = 0, volumeID
			if _, err := tx.CreateStorageVolumeSnapshot(ctx, snap); err != nil {
				return err
			}
		}
		return nil
	})
}

// VolumeMove is where a custom volume moves: another pool, another
// project (storage_api_project), a new name; "" keeps the current one.
type VolumeMove struct {
	Pool, Project, Name string
	VolumeOnly          bool // leave the snapshots behind
}

// MoveVolume checks a move of a custom volume to another pool or project
// (POST volume {"pool": other, "project": p, "name": new}) and returns the
// work: a copy with its snapshots (unless VolumeOnly), then the deletion
// of the source.
func (s *Service) MoveVolume(ctx context.Context, ref VolumeRef, to VolumeMove) (Run, error) {
	newName, newPool, newProject := to.Name, to.Pool, to.Project
	if newName == "" {
		newName = ref.Name
	}
	if newPool == "" {
		newPool = ref.Pool
	}
	if newProject == "" {
		newProject = ref.Project
	}
	if err := validateName(newName, "Storage volume"); err != nil {
		return nil, err
	}
	src, err := s.lookupVolume(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.checkVolumeUnused(ctx, src); err != nil {
		return nil, err
	}
	req := api.StorageVolumesPost{Name: newName, Type: "custom", ContentType: src.row.ContentType,
		StorageVolumePut: api.StorageVolumePut{Config: src.row.Config, Description: src.row.Description},
		Source:           api.StorageVolumeSource{Type: "copy", Pool: ref.Pool, Name: ref.Name, VolumeOnly: to.VolumeOnly, Project: ref.Project}}
	copyRun, err := s.CopyVolume(ctx, newPool, newProject, req)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		if err := copyRun(ctx); err != nil {
			return err
		}
		unlock := s.locks.lock(volumeLockKey(src.v))
		defer unlock()
		return s.deleteVolume(ctx, src)
	}, nil
}

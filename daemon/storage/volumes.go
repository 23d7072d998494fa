package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
	"github.com/lxdng/lxd/shared/units"
)

// ListVolumesOpts selects the volumes of a pool to list.
type ListVolumesOpts struct {
	// Project is the request's project (custom volumes of a project
	// without features.storage.volumes are those of "default").
	Project string
	// AllProjects lists the volumes of every project.
	AllProjects bool
	// Type limits the list to one volume type ("" for all).
	Type string
}

// ListVolumes returns a pool's volumes and, after each, its snapshots
// named "<volume>/<snapshot>", as LXD lists them.
func (s *Service) ListVolumes(ctx context.Context, pool string, o ListVolumesOpts) ([]api.StorageVolume, error) {
	if o.Type != "" {
		if err := ValidVolumeType(o.Type); err != nil {
			return nil, err
		}
	}
	out := []api.StorageVolume{}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		out = out[:0]
		row, err := tx.StoragePool(ctx, pool)
		if err != nil {
			return err
		}
		vols, err := s.visibleVolumes(ctx, tx, row.ID, o)
		if err != nil {
			return err
		}
		names, err := memberNames(ctx, tx)
		if err != nil {
			return err
		}
		for _, v := range vols {
			entries, err := volumeWithSnapshots(ctx, tx, v, names[v.MemberID])
			if err != nil {
				return err
			}
			out = append(out, entries...)
		}
		return nil
	})
	return out, err
}

// visibleVolumes filters a pool's volumes by type and project.
func (s *Service) visibleVolumes(ctx context.Context, tx *db.Tx, poolID int64, o ListVolumesOpts) ([]db.StorageVolume, error) {
	all, err := tx.StorageVolumes(ctx, db.VolumeFilter{PoolID: poolID, Type: o.Type})
	if err != nil || o.AllProjects {
		return all, err
	}
	var out []db.StorageVolume
	for _, v := range all {
		owner, err := ownerProject(ctx, tx, o.Project, v.Type)
		if err != nil {
			return nil, err
		}
		if v.Project == owner {
			out = append(out, v)
		}
	}
	return out, nil
}

// volumeWithSnapshots renders a volume followed by its snapshots.
func volumeWithSnapshots(ctx context.Context, tx *db.Tx, v db.StorageVolume, location string) ([]api.StorageVolume, error) {
	usedBy, err := volumeUsedBy(ctx, tx, v)
	if err != nil {
		return nil, err
	}
	out := []api.StorageVolume{renderVolume(v, usedBy, location)}
	snaps, err := tx.StorageVolumeSnapshots(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	for _, snap := range snaps {
		e := renderVolume(v, []string{}, location)
		e.Name = v.Name + "/" + snap.Name
		e.Description = snap.Description
		e.Config = copyMap(snap.Config)
		if v.Type == "container" || v.Type == "virtual-machine" {
			e.UsedBy = []string{"/1.0/instances/" + v.Name + "/snapshots/" + snap.Name + projectSuffix(v.Project)}
		}
		out = append(out, e)
	}
	return out, nil
}

// GetVolume returns one volume.
func (s *Service) GetVolume(ctx context.Context, ref VolumeRef) (api.StorageVolume, error) {
	var out api.StorageVolume
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		vol, err := s.resolveVolume(ctx, tx, ref)
		if err != nil {
			return err
		}
		usedBy, err := volumeUsedBy(ctx, tx, vol.row)
		if err != nil {
			return err
		}
		names, err := memberNames(ctx, tx)
		out = renderVolume(vol.row, usedBy, names[vol.row.MemberID])
		return err
	})
	return out, err
}

// checkNewCustomVolume validates what an empty or copied custom volume
// needs: its name, type and content type.
func checkNewCustomVolume(req *api.StorageVolumesPost) error {
	if err := validateName(req.Name, "Storage volume"); err != nil {
		return err
	}
	if req.Type == "" {
		req.Type = "custom"
	}
	if req.Type != "custom" {
		if err := ValidVolumeType(req.Type); err != nil {
			return err
		}
		return api.BadRequest("Currently not allowed to create storage volumes of type %q", req.Type)
	}
	switch req.ContentType {
	case "":
		req.ContentType = string(drv.ContentTypeFS)
	case string(drv.ContentTypeFS), string(drv.ContentTypeBlock):
	default:
		return api.BadRequest("Invalid volume content type name")
	}
	return nil
}

// CreateVolume creates an empty custom volume in the project owning the
// request's project's volumes, with the pool's volume.* defaults.
func (s *Service) CreateVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) error {
	if err := checkNewCustomVolume(&req); err != nil {
		return err
	}
	var target volume
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		target, err = s.newVolume(ctx, tx, pool, project, req)
		return err
	})
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
	if err := target.d.CreateVolume(ctx, target.v, nil); err != nil {
		return err
	}
	rev.Success()
	logctx.From(ctx).WithField("pool", pool).WithField("volume", target.driverName()).Info("Created storage volume")
	s.publish(ctx, target.row.Project, "storage-volume-created", target.eventURL(""), map[string]any{"type": req.Type})
	return nil
}

// newVolume prepares (without creating) a custom volume: pool, owner
// project, config with the pool defaults, validated.
func (s *Service) newVolume(ctx context.Context, tx *db.Tx, pool, project string, req api.StorageVolumesPost) (volume, error) {
	var vol volume
	var err error
	if vol.pool, vol.p, vol.d, err = s.resolvePool(ctx, tx, pool); err != nil {
		return vol, err
	}
	owner, err := ownerProject(ctx, tx, project, req.Type)
	if err != nil {
		return vol, err
	}
	cfg := drv.ApplyVolumeDefaults(vol.p.Config, req.Config, vol.d.VolumeKeys())
	vol.row = db.StorageVolume{PoolID: vol.pool.ID, PoolName: pool, MemberID: s.self.ID(), Project: owner,
		Type: req.Type, Name: req.Name, Description: req.Description, ContentType: req.ContentType, Config: cfg}
	vol.v = s.driverVolume(vol.p, vol.row)
	if err := validateVolumeConfig(vol.d, vol.driverName(), cfg); err != nil {
		return vol, err
	}
	if req.ContentType == string(drv.ContentTypeBlock) {
		if _, err := vol.v.BlockSize(); err != nil {
			return vol, err
		}
	}
	return vol, nil
}

func volumeLockKey(v drv.Volume) string {
	return "volume/" + v.Pool.Name + "/" + string(v.Type) + "/" + v.Name
}

// insertVolume adds the row of vol and records its id.
func (s *Service) insertVolume(ctx context.Context, vol *volume) error {
	return s.insertVolumeWith(ctx, vol, nil)
}

// insertVolumeWith is insertVolume that first runs inTx (when not nil) in
// the same transaction: the caller's records go in before the volume's, so
// a clash on them is reported as it was when they had a transaction of
// their own.
func (s *Service) insertVolumeWith(ctx context.Context, vol *volume, inTx func(ctx context.Context, tx *db.Tx) error) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if inTx != nil {
			if err := inTx(ctx, tx); err != nil {
				return err
			}
		}
		id, err := tx.CreateStorageVolume(ctx, vol.row)
		vol.row.ID = id
		return err
	})
}

func (s *Service) deleteVolumeRow(ctx context.Context, id int64) {
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.DeleteStorageVolume(ctx, id) })
	if err != nil && api.StatusOf(err) != 404 {
		logctx.From(ctx).WithError(err).Warn("Failed to remove storage volume record")
	}
}

// UpdateVolume applies PUT (config replaced) or PATCH (config keys merged;
// the description is replaced either way, as LXD does). A "restore" names
// a snapshot to restore instead. A changed size resizes the volume.
func (s *Service) UpdateVolume(ctx context.Context, ref VolumeRef, put api.StorageVolumePut, patch bool) error {
	if put.Restore != "" {
		return s.RestoreVolume(ctx, ref, put.Restore)
	}
	vol, err := s.lookupVolume(ctx, ref)
	if err != nil {
		return err
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	cfg := copyMap(put.Config)
	if patch {
		cfg = copyMap(vol.row.Config)
		for k, v := range put.Config {
			cfg[k] = v
		}
	}
	if err := validateVolumeConfig(vol.d, vol.driverName(), cfg); err != nil {
		return err
	}
	if cfg["size"] != vol.row.Config["size"] {
		if err := s.resizeVolume(ctx, vol, cfg["size"]); err != nil {
			return err
		}
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.UpdateStorageVolume(ctx, vol.row.ID, put.Description, cfg)
	})
	if err != nil {
		return err
	}
	s.publish(ctx, vol.row.Project, "storage-volume-updated", vol.eventURL(""), nil)
	return nil
}

// resizeVolume applies a new size key ("" removes a filesystem quota).
func (s *Service) resizeVolume(ctx context.Context, vol volume, size string) error {
	var bytes int64
	if size != "" {
		n, err := units.ParseByteSize(size)
		if err != nil {
			return api.BadRequest("Invalid size %q: %w", size, err)
		}
		bytes = n
	}
	if vol.v.ContentType == drv.ContentTypeBlock && size == "" {
		return nil // LXD keeps a block volume's size when the key goes
	}
	err := vol.d.ResizeVolume(ctx, vol.v, bytes)
	if errors.Is(err, drv.ErrCannotBeShrunk) {
		return api.BadRequest("Block volumes cannot be shrunk: %w", drv.ErrCannotBeShrunk)
	}
	return err
}

// RenameVolume renames a custom volume within its pool; 409 "Volume by
// that name already exists" when taken. It returns the new volume's URL.
func (s *Service) RenameVolume(ctx context.Context, ref VolumeRef, newName string) (string, error) {
	if err := validateName(newName, "Storage volume"); err != nil {
		return "", err
	}
	vol, err := s.lookupVolume(ctx, ref)
	if err != nil {
		return "", err
	}
	if vol.row.Type != "custom" {
		return "", api.BadRequest("Storage volumes of type %q cannot be renamed with the storage API", vol.row.Type)
	}
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	if err := s.checkVolumeUnused(ctx, vol); err != nil {
		return "", err
	}
	newDriverName := driverVolumeName(vol.row.Project, vol.row.Type, newName)
	rev := revert.New()
	defer rev.Fail()
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.RenameStorageVolume(ctx, vol.row.ID, newName) })
	if err != nil {
		return "", err
	}
	rev.Add(func() {
		_ = s.db.Tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error {
			return tx.RenameStorageVolume(ctx, vol.row.ID, vol.row.Name)
		})
	})
	if err := vol.d.RenameVolume(ctx, vol.v, newDriverName); err != nil {
		return "", err
	}
	rev.Success()
	s.publish(ctx, vol.row.Project, "storage-volume-renamed",
		volumeURL(vol.pool.Name, vol.row.Type, newDriverName, ""), map[string]any{"old_name": vol.row.Name})
	return volumeURL(vol.pool.Name, vol.row.Type, newName, "") + projectSuffix(ref.Project), nil
}

// checkVolumeUnused refuses to act on a custom volume an instance or
// profile uses, or that is mounted.
func (s *Service) checkVolumeUnused(ctx context.Context, vol volume) error {
	var users []string
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		users, err = volumeUsedBy(ctx, tx, vol.row)
		return err
	})
	if err != nil {
		return err
	}
	if len(users) > 0 || s.mounts.count(vol.v) > 0 {
		return api.BadRequest("The storage volume is still in use")
	}
	return nil
}

// DeleteVolume deletes a custom volume and its snapshots; 400 "The storage
// volume is still in use" while an instance or profile uses it.
func (s *Service) DeleteVolume(ctx context.Context, ref VolumeRef) error {
	vol, err := s.lookupVolume(ctx, ref)
	if err != nil {
		return err
	}
	if vol.row.Type != "custom" {
		return api.BadRequest("Storage volumes of type %q cannot be deleted with the storage API", vol.row.Type)
	}
	// A volume moved to another server is deleted as soon as the target
	// has it: let the source's last rsync finish.
	s.exports.waitIdle(ctx, volumeLockKey(vol.v), exportGrace)
	unlock := s.locks.lock(volumeLockKey(vol.v))
	defer unlock()
	if err := s.checkVolumeUnused(ctx, vol); err != nil {
		return err
	}
	return s.deleteVolume(ctx, vol)
}

// deleteVolume removes a volume, its snapshots and rows, with LXD's
// events (each snapshot, then the volume).
func (s *Service) deleteVolume(ctx context.Context, vol volume) error {
	var snaps []db.StorageVolumeSnapshot
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		snaps, err = tx.StorageVolumeSnapshots(ctx, vol.row.ID)
		return err
	})
	if err != nil {
		return err
	}
	if err := vol.d.DeleteVolume(ctx, vol.v); err != nil {
		return fmt.Errorf("Failed deleting storage volume %q: %w", vol.row.Name, err)
	}
	s.deleteVolumeRow(ctx, vol.row.ID)
	for _, snap := range snaps {
		s.publish(ctx, vol.row.Project, "storage-volume-snapshot-deleted", vol.eventURL(snap.Name), nil)
	}
	logctx.From(ctx).WithField("pool", vol.pool.Name).WithField("volume", vol.driverName()).Info("Deleted storage volume")
	s.publish(ctx, vol.row.Project, "storage-volume-deleted", vol.eventURL(""), nil)
	return nil
}

// VolumeState reports a volume's usage; drivers that cannot measure it
// answer LXD's 500 "Not supported".
func (s *Service) VolumeState(ctx context.Context, ref VolumeRef) (api.StorageVolumeState, error) {
	vol, err := s.lookupVolume(ctx, ref)
	if err != nil {
		return api.StorageVolumeState{}, err
	}
	u, err := vol.d.Usage(ctx, vol.v)
	if errors.Is(err, drv.ErrNotSupported) {
		return api.StorageVolumeState{}, drv.ErrNotSupported
	}
	if err != nil {
		return api.StorageVolumeState{}, err
	}
	used := uint64(0)
	// LXD reports no usage for block volumes, only their size.
	if u.Used > 0 && vol.v.ContentType != drv.ContentTypeBlock {
		used = uint64(u.Used)
	}
	return api.StorageVolumeState{Usage: &api.StorageVolumeStateUsage{Used: used, Total: u.Total}}, nil
}

// CustomVolumeContentType is the content type of a custom volume
// ("filesystem" or "block"), for the instance service's device checks.
func (s *Service) CustomVolumeContentType(ctx context.Context, ref VolumeRef) (string, error) {
	ref.Type = "custom"
	vol, err := s.lookupVolume(ctx, ref)
	if err != nil {
		return "", err
	}
	return vol.row.ContentType, nil
}

package storage

import (
	"context"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// VolumeRef names a volume as the API addresses it.
type VolumeRef struct {
	Pool string
	// Project is the request's project. Custom volumes resolve to the
	// project owning them: itself when its features.storage.volumes is
	// true, else "default".
	Project string
	// Type is "custom", "container", "virtual-machine" or "image".
	Type string
	Name string
}

// volumeTypes are the volume types of the API.
var volumeTypes = map[string]bool{"custom": true, "container": true, "virtual-machine": true, "image": true}

// ValidVolumeType refuses an unknown type with LXD's 400.
func ValidVolumeType(t string) error {
	if !volumeTypes[t] {
		return api.BadRequest("Invalid storage volume type name")
	}
	return nil
}

// driverVolumeName is the name a volume has on disk: "<project>_<name>",
// the fingerprint for images.
func driverVolumeName(project, volType, name string) string {
	if volType == string(drv.VolumeTypeImage) {
		return name
	}
	return project + "_" + name
}

// volume is a resolved volume: its pool, driver, row and driver value.
type volume struct {
	pool db.StoragePool
	p    drv.Pool
	d    drv.Driver
	row  db.StorageVolume
	v    drv.Volume
}

// driverName is the volume's name on disk.
func (vol volume) driverName() string { return vol.v.Name }

// url is the API path of the volume with its owner's name ("vol1").
func (vol volume) url() string { return volumeURL(vol.pool.Name, vol.row.Type, vol.row.Name, "") }

// eventURL is the source of the volume's lifecycle events: LXD 5.0.2 names
// the volume by its on-disk name ("default_vol1").
func (vol volume) eventURL(snap string) string {
	return volumeURL(vol.pool.Name, vol.row.Type, vol.driverName(), snap)
}

// ownerProject resolves the project owning volumes of volType for a
// request made in project.
func ownerProject(ctx context.Context, tx *db.Tx, project, volType string) (string, error) {
	if project == "" {
		project = "default"
	}
	p, err := tx.Project(ctx, project)
	if err != nil {
		return "", err
	}
	switch volType {
	case "image":
		return "default", nil
	case "custom":
		if !config.ParseBool(p.Config["features.storage.volumes"]) {
			return "default", nil
		}
	}
	return p.Name, nil
}

// resolvePool loads a pool's row, driver value and driver in tx.
func (s *Service) resolvePool(ctx context.Context, tx *db.Tx, name string) (db.StoragePool, drv.Pool, drv.Driver, error) {
	row, err := tx.StoragePool(ctx, name)
	if err != nil {
		return row, drv.Pool{}, nil, err
	}
	m, err := tx.StoragePoolMember(ctx, row.ID, s.self.ID())
	if err != nil && api.StatusOf(err) != 404 {
		return row, drv.Pool{}, nil, err
	}
	d, err := s.driver(row.Driver)
	if err != nil {
		return row, drv.Pool{}, nil, api.InternalError("%s", err.Error())
	}
	p := s.poolValue(row, m.Config)
	if err := s.checkPoolAvailable(ctx, d, p); err != nil {
		return row, p, nil, err
	}
	return row, p, d, nil
}

// checkPoolAvailable refuses work on a pool that failed to mount at start,
// after trying to mount it again (its backing store may be back).
func (s *Service) checkPoolAvailable(ctx context.Context, d drv.Driver, p drv.Pool) error {
	s.mu.Lock()
	problem := s.poolProblem[p.Name]
	s.mu.Unlock()
	if problem == nil {
		return nil
	}
	if err := d.MountPool(ctx, p); err != nil {
		return api.Unavailable("Storage pool %q is unavailable on this server: %v", p.Name, err)
	}
	s.mu.Lock()
	delete(s.poolProblem, p.Name)
	s.mu.Unlock()
	return nil
}

// resolveVolume loads a volume in tx; 404 when the pool or volume is
// unknown.
func (s *Service) resolveVolume(ctx context.Context, tx *db.Tx, ref VolumeRef) (volume, error) {
	var vol volume
	if err := ValidVolumeType(ref.Type); err != nil {
		return vol, err
	}
	var err error
	if vol.pool, vol.p, vol.d, err = s.resolvePool(ctx, tx, ref.Pool); err != nil {
		return vol, err
	}
	project, err := ownerProject(ctx, tx, ref.Project, ref.Type)
	if err != nil {
		return vol, err
	}
	if vol.row, err = tx.StorageVolume(ctx, vol.pool.ID, s.self.ID(), project, ref.Type, ref.Name); err != nil {
		return vol, err
	}
	vol.v = s.driverVolume(vol.p, vol.row)
	return vol, nil
}

// driverVolume is the driver's value for a volume row.
func (s *Service) driverVolume(p drv.Pool, row db.StorageVolume) drv.Volume {
	return drv.Volume{
		Pool: p, Type: drv.VolumeType(row.Type), ContentType: drv.ContentType(row.ContentType),
		Name: driverVolumeName(row.Project, row.Type, row.Name), Config: copyMap(row.Config),
	}
}

// lookupVolume resolves a volume in its own transaction.
func (s *Service) lookupVolume(ctx context.Context, ref VolumeRef) (volume, error) {
	var vol volume
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		vol, err = s.resolveVolume(ctx, tx, ref)
		return err
	})
	return vol, err
}

// renderVolume is the API form of a volume. created_at is the zero time:
// LXD 5.0.2 reports it so.
func renderVolume(row db.StorageVolume, usedBy []string, location string) api.StorageVolume {
	return api.StorageVolume{
		StorageVolumePut: api.StorageVolumePut{Config: copyMap(row.Config), Description: row.Description},
		Name:             row.Name, Type: row.Type, UsedBy: usedBy, Location: location,
		ContentType: row.ContentType, Project: row.Project, CreatedAt: time.Time{},
	}
}

// memberNames maps member ids to names ("none" when standalone).
func memberNames(ctx context.Context, tx *db.Tx) (map[int64]string, error) {
	members, err := tx.Members(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(members))
	for _, m := range members {
		out[m.ID] = m.Name
	}
	return out, nil
}

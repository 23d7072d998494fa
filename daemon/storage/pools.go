package storage

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

func poolURL(name string) string { return "/1.0/storage-pools/" + url.PathEscape(name) }

// ListPools returns every pool as GET /1.0/storage-pools?recursion=1 shows it.
func (s *Service) ListPools(ctx context.Context) ([]api.StoragePool, error) {
	out := []api.StoragePool{}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		out = out[:0]
		rows, err := tx.StoragePools(ctx)
		if err != nil {
			return err
		}
		for _, row := range rows {
			p, err := s.renderPool(ctx, tx, row, !s.clustered())
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// GetPool returns one pool; 404 "Storage pool not found". In a cluster
// it is the cluster-wide view: global config and state.
func (s *Service) GetPool(ctx context.Context, name string) (api.StoragePool, error) {
	return s.getPool(ctx, name, !s.clustered())
}

// GetPoolOnMember is GET /1.0/storage-pools/<name>?target=<this member>:
// the config includes this member's keys (source, size) and the status is
// this member's.
func (s *Service) GetPoolOnMember(ctx context.Context, name string) (api.StoragePool, error) {
	return s.getPool(ctx, name, true)
}

func (s *Service) getPool(ctx context.Context, name string, memberView bool) (api.StoragePool, error) {
	var out api.StoragePool
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		row, err := tx.StoragePool(ctx, name)
		if err != nil {
			return err
		}
		out, err = s.renderPool(ctx, tx, row, memberView)
		return err
	})
	return out, err
}

// renderPool is the API view of a pool; memberView adds this member's
// keys (and, in a cluster, shows this member's status).
func (s *Service) renderPool(ctx context.Context, tx *db.Tx, row db.StoragePool, memberView bool) (api.StoragePool, error) {
	members, err := tx.StoragePoolMembers(ctx, row.ID)
	if err != nil {
		return api.StoragePool{}, err
	}
	cfg := copyMap(row.Config)
	locations := []string{}
	status := s.poolStatus(row)
	for _, m := range members {
		locations = append(locations, m.MemberName)
		if m.MemberID != s.self.ID() || !memberView {
			continue
		}
		for k, v := range m.Config {
			cfg[k] = v
		}
		if s.clustered() && status != api.StoragePoolStatusUnavailable {
			status = s.poolStatus(db.StoragePool{Name: row.Name, State: m.State})
		}
	}
	member := int64(0)
	if memberView && s.clustered() {
		member = s.self.ID()
	}
	usedBy, err := poolUsedBy(ctx, tx, row, s.clustered(), member)
	if err != nil {
		return api.StoragePool{}, err
	}
	return api.StoragePool{
		StoragePoolPut: api.StoragePoolPut{Config: cfg, Description: row.Description},
		Name:           row.Name, Driver: row.Driver, UsedBy: usedBy, Status: status, Locations: locations,
	}, nil
}

func (s *Service) poolStatus(row db.StoragePool) string {
	s.mu.Lock()
	problem := s.poolProblem[row.Name]
	s.mu.Unlock()
	switch {
	case problem != nil:
		return api.StoragePoolStatusUnavailable
	case row.State == db.StoragePoolCreated:
		return api.StoragePoolStatusCreated
	case row.State == db.StoragePoolErrored:
		return api.StoragePoolStatusErrored
	}
	return api.StoragePoolStatusPending
}

// CreatePool creates a pool: validated config, driver defaults decided once
// (FillPoolConfig), DB rows, then the pool on the host. Any failure undoes
// everything. Errors follow LXD: a taken name is 409, bad config 500.
func (s *Service) CreatePool(ctx context.Context, req api.StoragePoolsPost) error {
	if err := validateName(req.Name, "Storage pool"); err != nil {
		return err
	}
	if req.Driver == "" {
		return api.BadRequest("No driver provided")
	}
	unlock := s.locks.lock("pool/" + req.Name)
	defer unlock()
	d, err := s.driver(req.Driver)
	if err != nil {
		return api.InternalError("%s", err.Error())
	}
	cfg := copyMap(req.Config)
	if err := validatePoolConfig(d, cfg, http.StatusInternalServerError); err != nil {
		return err
	}
	p := drv.Pool{Name: req.Name, Driver: req.Driver, Config: cfg, Path: s.poolPath(req.Name), DisksDir: s.disksDir}
	if p.Config, err = d.FillPoolConfig(ctx, p); err != nil {
		return err
	}
	rev := revert.New()
	defer rev.Fail()
	id, err := s.insertPool(ctx, req, p.Config)
	if err != nil {
		return err
	}
	rev.Add(func() { s.deletePoolRows(context.WithoutCancel(ctx), id) })
	if err := d.CreatePool(ctx, p); err != nil {
		return err
	}
	rev.Add(func() { _ = d.DeletePool(context.WithoutCancel(ctx), p) })
	if err := s.setPoolCreated(ctx, id); err != nil {
		return err
	}
	rev.Success()
	logctx.From(ctx).WithField("pool", req.Name).WithField("driver", req.Driver).Info("Created storage pool")
	s.publish(ctx, "default", "storage-pool-created", poolURL(req.Name), nil)
	return nil
}

func (s *Service) poolPath(name string) string { return s.poolsDir + "/" + name }

func (s *Service) insertPool(ctx context.Context, req api.StoragePoolsPost, cfg map[string]string) (int64, error) {
	global, member := splitPoolConfig(cfg)
	var id int64
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		id, err = tx.CreateStoragePool(ctx, db.StoragePool{Name: req.Name, Driver: req.Driver,
			Description: req.Description, State: db.StoragePoolPending, Config: global})
		if err != nil {
			return err
		}
		return tx.PutStoragePoolMember(ctx, db.StoragePoolMember{PoolID: id, MemberID: s.self.ID(),
			State: db.StoragePoolPending, Config: member})
	})
	return id, err
}

func (s *Service) setPoolCreated(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		m, err := tx.StoragePoolMember(ctx, id, s.self.ID())
		if err != nil {
			return err
		}
		m.State = db.StoragePoolCreated
		if err := tx.PutStoragePoolMember(ctx, m); err != nil {
			return err
		}
		return tx.SetStoragePoolState(ctx, id, db.StoragePoolCreated)
	})
}

func (s *Service) deletePoolRows(ctx context.Context, id int64) {
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.DeleteStoragePool(ctx, id) })
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed to remove storage pool record")
	}
}

// UpdatePool applies PUT (patch=false: config replaced) or PATCH (keys
// merged) to a pool. Like LXD, the description is always replaced, the
// source cannot change, and bad keys are 400s naming the key. In a cluster
// it changes the global config only (member keys are refused and kept).
func (s *Service) UpdatePool(ctx context.Context, name string, put api.StoragePoolPut, patch bool) error {
	return s.updatePool(ctx, name, put, patch, !s.clustered())
}

// UpdatePoolOnMember is PUT/PATCH with ?target=<this member>: this
// member's keys may be given too.
func (s *Service) UpdatePoolOnMember(ctx context.Context, name string, put api.StoragePoolPut, patch bool) error {
	return s.updatePool(ctx, name, put, patch, true)
}

func (s *Service) updatePool(ctx context.Context, name string, put api.StoragePoolPut, patch, memberView bool) error {
	unlock := s.locks.lock("pool/" + name)
	defer unlock()
	p, d, err := s.loadPool(ctx, name)
	if err != nil {
		return err
	}
	newCfg := copyMap(put.Config)
	if memberView && s.clustered() {
		// Only this member's keys may change through ?target=.
		for k, v := range put.Config {
			if !memberPoolKeys[k] && v != p.Config[k] {
				return api.BadRequest("Config key %q may not be used as cluster member specific key", k)
			}
		}
	}
	if !memberView {
		for k := range put.Config {
			if memberPoolKeys[k] {
				return api.BadRequest("Config key %q is cluster member specific", k)
			}
		}
		_, member := splitPoolConfig(p.Config)
		for k, v := range member {
			newCfg[k] = v
		}
	}
	if patch {
		newCfg = copyMap(p.Config)
		for k, v := range put.Config {
			newCfg[k] = v
		}
	}
	if err := validatePoolConfig(d, newCfg, http.StatusBadRequest); err != nil {
		return err
	}
	if newCfg["source"] != p.Config["source"] {
		return api.InternalError("Pool source cannot be changed when not in pending state")
	}
	if newCfg["size"] != p.Config["size"] {
		if err := s.resizePool(ctx, d, p, newCfg); err != nil {
			return err
		}
	}
	global, member := splitPoolConfig(newCfg)
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		row, err := tx.StoragePool(ctx, name)
		if err != nil {
			return err
		}
		if err := tx.UpdateStoragePool(ctx, row.ID, put.Description, global); err != nil {
			return err
		}
		m, err := tx.StoragePoolMember(ctx, row.ID, s.self.ID())
		if err != nil {
			return err
		}
		m.Config = member
		return tx.PutStoragePoolMember(ctx, m)
	})
	if err != nil {
		return err
	}
	s.publish(ctx, "default", "storage-pool-updated", poolURL(name), nil)
	return nil
}

// resizePool applies a new "size" through the driver's optional
// PoolResizer; drivers without one refuse the change.
func (s *Service) resizePool(ctx context.Context, d drv.Driver, p drv.Pool, newCfg map[string]string) error {
	r, ok := d.(drv.PoolResizer)
	if !ok {
		return api.BadRequest("Pool size cannot be changed for driver %q", p.Driver)
	}
	np := p
	np.Config = newCfg
	return r.ResizePool(ctx, np)
}

// DeletePool deletes an unused pool: refused with 400 "The storage pool is
// currently in use" while it holds instance or custom volumes or a profile
// has a disk on it. Its image volumes go with it.
func (s *Service) DeletePool(ctx context.Context, name string) error {
	unlock := s.locks.lock("pool/" + name)
	defer unlock()
	var row db.StoragePool
	var images []db.StorageVolume
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if row, err = tx.StoragePool(ctx, name); err != nil {
			return err
		}
		vols, err := tx.StorageVolumes(ctx, db.VolumeFilter{PoolID: row.ID})
		if err != nil {
			return err
		}
		images = images[:0]
		for _, v := range vols {
			if v.Type != string(drv.VolumeTypeImage) {
				return errPoolInUse
			}
			images = append(images, v)
		}
		profiles, err := profilesUsingPool(ctx, tx, name)
		if err != nil {
			return err
		}
		if len(profiles) > 0 {
			return errPoolInUse
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.deletePoolParts(ctx, name, images); err != nil {
		return err
	}
	s.deletePoolRows(ctx, row.ID)
	s.mu.Lock()
	delete(s.poolProblem, name)
	s.mu.Unlock()
	logctx.From(ctx).WithField("pool", name).Info("Deleted storage pool")
	s.publish(ctx, "default", "storage-pool-deleted", poolURL(name), nil)
	return nil
}

var errPoolInUse = api.BadRequest("The storage pool is currently in use")

// deletePoolParts removes the pool from the host: every member's part in a
// cluster (all members must be online), else this server's.
func (s *Service) deletePoolParts(ctx context.Context, name string, images []db.StorageVolume) error {
	if !s.clustered() {
		return s.deletePoolOnHost(ctx, name, images)
	}
	if err := s.peers.DeletePool(ctx, name); err != nil {
		return err
	}
	return s.deleteLocalPool(ctx, name)
}

// deletePoolOnHost removes the pool's image volumes and the pool itself.
// A pool whose driver cannot load is removed from the database only.
func (s *Service) deletePoolOnHost(ctx context.Context, name string, images []db.StorageVolume) error {
	p, d, err := s.loadPool(ctx, name)
	if err != nil {
		if api.StatusOf(err) == http.StatusNotFound {
			return err
		}
		logctx.From(ctx).WithError(err).WithField("pool", name).Warn("Deleting storage pool without its driver")
		return nil
	}
	for _, img := range images {
		v := drv.Volume{Pool: p, Type: drv.VolumeTypeImage, ContentType: drv.ContentType(img.ContentType), Name: img.Name}
		if err := d.DeleteVolume(ctx, v); err != nil {
			return err
		}
	}
	if err := d.DeletePool(ctx, p); err != nil && !errors.Is(err, drv.ErrPoolNotMounted) {
		return err
	}
	return nil
}

// PoolResources reports a pool's space and inodes.
func (s *Service) PoolResources(ctx context.Context, name string) (api.ResourcesStoragePool, error) {
	p, d, err := s.loadPool(ctx, name)
	if err != nil {
		return api.ResourcesStoragePool{}, err
	}
	u, err := d.PoolUsage(ctx, p)
	if err != nil {
		return api.ResourcesStoragePool{}, err
	}
	return api.ResourcesStoragePool{
		Space:  api.ResourcesStoragePoolSpace{Used: u.SpaceUsed, Total: u.SpaceTotal},
		Inodes: api.ResourcesStoragePoolInodes{Used: u.InodesUsed, Total: u.InodesTotal},
	}, nil
}

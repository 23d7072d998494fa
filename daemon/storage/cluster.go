package storage

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Peers is how a clustered pool reaches the other members (the daemon's
// cluster notifier). Standalone servers have none, or Clustered() false.
type Peers interface {
	Clustered() bool
	// CreatePool asks every other member to create its part of pool; all
	// must be online. The error names each member that failed.
	CreatePool(ctx context.Context, name string) error
	// DeletePool asks every other member to delete its part of pool.
	DeletePool(ctx context.Context, name string) error
}

func (s *Service) clustered() bool { return s.peers != nil && s.peers.Clustered() }

// CreatePoolFor is POST /1.0/storage-pools: standalone, the whole pool. In
// a cluster, LXD's two steps: with target, the pool's definition on that
// member (member-specific keys only, status Pending); without, the pool
// itself on every member once each has its definition (Created, or
// Errored when a member fails).
func (s *Service) CreatePoolFor(ctx context.Context, req api.StoragePoolsPost, target string) error {
	if !s.clustered() {
		return s.CreatePool(ctx, req)
	}
	if err := validateName(req.Name, "Storage pool"); err != nil {
		return err
	}
	if req.Driver == "" {
		return api.BadRequest("No driver provided")
	}
	if _, err := s.driver(req.Driver); err != nil {
		return api.InternalError("%s", err.Error())
	}
	unlock := s.locks.lock("pool/" + req.Name)
	defer unlock()
	if target != "" {
		return s.definePool(ctx, req, target)
	}
	return s.createClusteredPool(ctx, req)
}

// definePool records the pending definition of a pool on member target.
func (s *Service) definePool(ctx context.Context, req api.StoragePoolsPost, target string) error {
	for k := range req.Config {
		if !memberPoolKeys[k] {
			return api.BadRequest("Config key %q may not be used as member-specific key", k)
		}
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		member, err := tx.MemberByName(ctx, target)
		if err != nil {
			return err
		}
		row, err := tx.StoragePool(ctx, req.Name)
		if api.StatusOf(err) == http.StatusNotFound {
			row = db.StoragePool{Name: req.Name, Driver: req.Driver, Description: req.Description,
				State: db.StoragePoolPending, Config: db.JSONMap{}}
			row.ID, err = tx.CreateStoragePool(ctx, row)
		}
		if err != nil {
			return err
		}
		if row.State == db.StoragePoolCreated {
			return api.InternalError("Storage pool is not in pending state")
		}
		if row.Driver != req.Driver {
			return api.BadRequest("Storage pool %q already defined with driver %q", req.Name, row.Driver)
		}
		if _, err := tx.StoragePoolMember(ctx, row.ID, member.ID); err == nil {
			return api.BadRequest("The storage pool already defined on member %q", target)
		}
		return tx.PutStoragePoolMember(ctx, db.StoragePoolMember{PoolID: row.ID, MemberID: member.ID,
			State: db.StoragePoolPending, Config: db.JSONMap(copyMap(req.Config))})
	})
}

// createClusteredPool creates a pool defined on every member: global config
// stored, then this member's part, then every other member's.
func (s *Service) createClusteredPool(ctx context.Context, req api.StoragePoolsPost) error {
	for k := range req.Config {
		if memberPoolKeys[k] {
			return api.BadRequest("Config key %q is cluster member specific", k)
		}
	}
	row, err := s.checkPoolDefined(ctx, req)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		s.setPoolState(context.WithoutCancel(ctx), row.ID, db.StoragePoolErrored)
		return err
	}
	if err := s.createLocalPool(ctx, req.Name); err != nil {
		return fail(err)
	}
	if err := s.peers.CreatePool(ctx, req.Name); err != nil {
		return fail(err)
	}
	s.setPoolState(ctx, row.ID, db.StoragePoolCreated)
	logctx.From(ctx).WithField("pool", req.Name).Info("Created storage pool on every cluster member")
	s.publish(ctx, "default", "storage-pool-created", poolURL(req.Name), nil)
	return nil
}

// checkPoolDefined checks that every member has a definition of the pool,
// validates and stores the global config.
func (s *Service) checkPoolDefined(ctx context.Context, req api.StoragePoolsPost) (db.StoragePool, error) {
	var row db.StoragePool
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if row, err = tx.StoragePool(ctx, req.Name); err != nil {
			if api.StatusOf(err) == http.StatusNotFound {
				return api.BadRequest("Pool not pending on any node (use --target <node> first)")
			}
			return err
		}
		if row.State == db.StoragePoolCreated {
			return api.Conflict("The storage pool already exists")
		}
		if err := missingPoolMembers(ctx, tx, row.ID); err != nil {
			return err
		}
		d, err := s.driver(row.Driver)
		if err != nil {
			return api.InternalError("%s", err.Error())
		}
		cfg := copyMap(row.Config)
		for k, v := range req.Config {
			cfg[k] = v
		}
		if err := validatePoolConfig(d, cfg, http.StatusInternalServerError); err != nil {
			return err
		}
		desc := row.Description
		if req.Description != "" {
			desc = req.Description
		}
		row.Config = cfg
		return tx.UpdateStoragePool(ctx, row.ID, desc, cfg)
	})
	return row, err
}

// missingPoolMembers is LXD's refusal when a member has no definition.
func missingPoolMembers(ctx context.Context, tx *db.Tx, poolID int64) error {
	members, err := tx.Members(ctx)
	if err != nil {
		return err
	}
	defined, err := tx.StoragePoolMembers(ctx, poolID)
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	for _, m := range defined {
		have[m.MemberID] = true
	}
	var missing []string
	for _, m := range members {
		if !have[m.ID] {
			missing = append(missing, m.Name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return api.BadRequest("Pool not defined on nodes: %s", strings.Join(missing, ", "))
	}
	return nil
}

func (s *Service) setPoolState(ctx context.Context, id int64, state int) {
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.SetStoragePoolState(ctx, id, state) })
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed to record the storage pool state")
	}
}

// CreateLocalPool creates this member's part of a clustered pool (a peer's
// request during the global create, or a joiner catching up). It is
// idempotent: a part already created is left alone.
func (s *Service) CreateLocalPool(ctx context.Context, name string) error {
	unlock := s.locks.lock("pool/" + name)
	defer unlock()
	return s.createLocalPool(ctx, name)
}

func (s *Service) createLocalPool(ctx context.Context, name string) error {
	var row db.StoragePool
	var member db.StoragePoolMember
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if row, err = tx.StoragePool(ctx, name); err != nil {
			return err
		}
		member, err = tx.StoragePoolMember(ctx, row.ID, s.self.ID())
		return err
	})
	if err != nil || member.State == db.StoragePoolCreated {
		return err
	}
	d, err := s.driver(row.Driver)
	if err != nil {
		return api.InternalError("%s", err.Error())
	}
	p := s.poolValue(row, member.Config)
	if p.Config, err = d.FillPoolConfig(ctx, p); err != nil {
		return s.poolMemberFailed(ctx, member, err)
	}
	if err := d.CreatePool(ctx, p); err != nil {
		return s.poolMemberFailed(ctx, member, err)
	}
	_, member.Config = splitPoolConfig(p.Config)
	member.State, member.Message = db.StoragePoolCreated, ""
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.PutStoragePoolMember(ctx, member) })
	if err != nil {
		_ = d.DeletePool(context.WithoutCancel(ctx), p)
		return err
	}
	logctx.From(ctx).WithField("pool", name).Info("Created storage pool on this member")
	return nil
}

// poolMemberFailed records why this member's part failed; the member stays
// pending (as in LXD) so that the create can be run again.
func (s *Service) poolMemberFailed(ctx context.Context, member db.StoragePoolMember, cause error) error {
	member.Message = cause.Error()
	err := s.db.Tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error {
		return tx.PutStoragePoolMember(ctx, member)
	})
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed to record the storage pool error")
	}
	return cause
}

// DeleteLocalPool removes this member's part of a pool (its image volumes
// and the pool on the host); the rows go with the pool's.
func (s *Service) DeleteLocalPool(ctx context.Context, name string) error {
	unlock := s.locks.lock("pool/" + name)
	defer unlock()
	return s.deleteLocalPool(ctx, name)
}

func (s *Service) deleteLocalPool(ctx context.Context, name string) error {
	var images []db.StorageVolume
	created := false
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		row, err := tx.StoragePool(ctx, name)
		if err != nil {
			return err
		}
		m, err := tx.StoragePoolMember(ctx, row.ID, s.self.ID())
		if api.StatusOf(err) == http.StatusNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		created = m.State == db.StoragePoolCreated
		images, err = tx.StorageVolumes(ctx, db.VolumeFilter{PoolID: row.ID, MemberID: s.self.ID(), Type: string(drv.VolumeTypeImage)})
		return err
	})
	if err != nil || !created {
		return err
	}
	if err := s.deletePoolOnHost(ctx, name, images); err != nil && !errors.Is(err, drv.ErrPoolNotMounted) {
		return err
	}
	s.mu.Lock()
	delete(s.poolProblem, name)
	s.mu.Unlock()
	return nil
}

package network

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
)

// Peers is how a clustered network reaches the other members (the daemon's
// cluster notifier). Standalone servers have none, or Clustered() false.
type Peers interface {
	Clustered() bool
	// CreateNetwork asks every other member (all must be online) to create
	// its part of network name of project; errors name the members.
	CreateNetwork(ctx context.Context, project, name string) error
	// DeleteNetwork asks every other member to delete its part.
	DeleteNetwork(ctx context.Context, project, name string) error
	// Leases returns the leases every other online member's part of the
	// network has handed out (members that can't answer are left out).
	Leases(ctx context.Context, project, name string) ([]api.NetworkLease, error)
}

func (s *Service) clustered() bool { return s.o.Peers != nil && s.o.Peers.Clustered() }

// CreateFor is POST /1.0/networks: standalone, the whole network. In a
// cluster, LXD's two steps: with target, the network's definition on that
// member (member-specific keys only, Pending); without, the network on
// every member once each has its definition (Created, or Errored when a
// member fails).
func (s *Service) CreateFor(ctx context.Context, project string, req api.NetworksPost, target string) error {
	if !s.clustered() {
		return s.Create(ctx, project, req)
	}
	ctx = context.WithoutCancel(ctx)
	if req.Name == "" {
		return api.BadRequest("No name provided")
	}
	if err := validName(req.Name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if target != "" {
		return s.define(ctx, project, req, target)
	}
	return s.createClustered(ctx, project, req)
}

// define records the pending definition of a network on member target.
func (s *Service) define(ctx context.Context, project string, req api.NetworksPost, target string) error {
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		netProject, err := networkProject(ctx, tx, project)
		if err != nil {
			return err
		}
		typ, d, err := s.createType(netProject, req.Type)
		if err != nil {
			return err
		}
		for k := range req.Config {
			if key, ok := d.Keys().Lookup(k); !ok || key.Scope != config.Member {
				return api.BadRequest("Config key %q may not be used as member-specific key", k)
			}
		}
		member, err := tx.MemberByName(ctx, target)
		if err != nil {
			return err
		}
		row, err := tx.Network(ctx, netProject, req.Name)
		if api.IsStatus(err, http.StatusNotFound) {
			row = db.Network{Project: netProject, Name: req.Name, Type: typ, Description: req.Description,
				State: db.NetworkPending, Config: db.JSONMap{}}
			row.ID, err = tx.CreateNetwork(ctx, row)
		}
		if err != nil {
			return err
		}
		if row.State != db.NetworkPending {
			return api.BadRequest("The network already exists")
		}
		if _, err := tx.NetworkMember(ctx, row.ID, member.ID); err == nil {
			return api.BadRequest("The network is already defined on member %q", target)
		}
		return tx.PutNetworkMember(ctx, db.NetworkMember{NetworkID: row.ID, MemberID: member.ID,
			State: db.NetworkPending, Config: db.JSONMap(trimEmpty(req.Config))})
	})
	return err
}

// createClustered creates a network defined on every member: the global
// config (with "auto" addresses decided once) is stored, then this
// member's part is started, then every other member's.
func (s *Service) createClustered(ctx context.Context, project string, req api.NetworksPost) error {
	rec, d, err := s.prepareClustered(ctx, project, req)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		s.setState(ctx, rec.row.ID, db.NetworkErrored)
		return err
	}
	if err := s.createLocal(ctx, rec.row.Project, rec.row.Name); err != nil {
		return fail(err)
	}
	if err := s.o.Peers.CreateNetwork(ctx, rec.row.Project, rec.row.Name); err != nil {
		return fail(err)
	}
	s.setState(ctx, rec.row.ID, db.NetworkCreated)
	logctx.From(ctx).WithField("network", req.Name).WithField("type", d.Type()).Info("Network created on every cluster member")
	s.publish(ctx, rec.row.Project, rec.row.Name, "network-created", nil)
	return nil
}

// prepareClustered checks that every member has a definition, fills and
// validates the config and stores its global part.
func (s *Service) prepareClustered(ctx context.Context, project string, req api.NetworksPost) (record, netdriver.Driver, error) {
	var rec record
	var all []record
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		netProject, err := networkProject(ctx, tx, project)
		if err != nil {
			return err
		}
		if rec, err = s.loadRecord(ctx, tx, netProject, req.Name); err != nil {
			if api.IsStatus(err, http.StatusNotFound) {
				return api.BadRequest("Network not pending on any node (use --target <node> first)")
			}
			return err
		}
		if rec.row.State == db.NetworkCreated {
			return api.BadRequest("The network already exists")
		}
		if err := missingMembers(ctx, tx, rec); err != nil {
			return err
		}
		all, err = s.loadAll(ctx, tx)
		return err
	})
	if err != nil {
		return rec, nil, err
	}
	d, err := s.driverFor(rec.row.Type)
	if err != nil {
		return rec, nil, err
	}
	for k := range req.Config {
		if key, ok := d.Keys().Lookup(k); ok && key.Scope == config.Member {
			return rec, nil, api.BadRequest("Config key %q is cluster member specific", k)
		}
	}
	n := s.toDriver(rec, all, usage{})
	for k, v := range trimEmpty(req.Config) {
		n.Config[k] = v
	}
	if req.Description != "" {
		n.Description = req.Description
	}
	if err := d.FillDefaults(ctx, &n); err != nil {
		return rec, nil, api.InternalError("Failed generating auto config: %s", err.Error())
	}
	if err := d.Validate(ctx, n); err != nil {
		return rec, nil, api.InternalError("%s", err.Error())
	}
	global, _ := splitConfig(d.Keys(), n.Config)
	err = s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.UpdateNetwork(ctx, rec.row.ID, n.Description, global)
	})
	rec.row.Config, rec.row.Description = global, n.Description
	return rec, d, err
}

// missingMembers refuses a create while a member has no definition.
func missingMembers(ctx context.Context, tx *db.Tx, rec record) error {
	members, err := tx.Members(ctx)
	if err != nil {
		return err
	}
	defined := map[string]bool{}
	for _, n := range rec.names {
		defined[n] = true
	}
	var missing []string
	for _, m := range members {
		if !defined[m.Name] {
			missing = append(missing, m.Name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return api.BadRequest("Network not defined on nodes: %s", strings.Join(missing, ", "))
	}
	return nil
}

func (s *Service) setState(ctx context.Context, id int64, state int) {
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.SetNetworkState(ctx, id, state) })
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed recording the network state")
	}
}

// CreateLocal starts this member's part of a clustered network (a peer's
// request during the global create, or a joiner catching up). A part
// already created is left alone.
func (s *Service) CreateLocal(ctx context.Context, project, name string) error {
	ctx = context.WithoutCancel(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createLocal(ctx, project, name)
}

func (s *Service) createLocal(ctx context.Context, project, name string) error {
	c, err := s.loadCurrent(ctx, project, name)
	if err != nil {
		return err
	}
	if !c.rec.hasRow {
		return api.NotFound("Network %q is not defined on this member", name)
	}
	if c.rec.local.State == db.NetworkCreated {
		return nil
	}
	n := s.toDriver(c.rec, c.all, c.use)
	if c.driver.Type() == netdriver.TypeBridge {
		if _, exists := hostInterface(ctx, n.Name); exists {
			return api.InternalError("Network interface %q already exists", n.Name)
		}
	}
	if err := c.driver.Start(ctx, n); err != nil {
		if derr := c.driver.Delete(ctx, n); derr != nil {
			logctx.From(ctx).WithError(derr).WithField("network", name).Warn("Failed reverting network creation")
		}
		return err
	}
	err = s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.SetNetworkMemberState(ctx, c.rec.row.ID, s.o.Self.ID(), db.NetworkCreated, "")
	})
	if err != nil {
		return err
	}
	logctx.From(ctx).WithField("network", name).Info("Network created on this member")
	return nil
}

// DeleteLocal removes this member's part of a network (only if it created
// it: on a shared host another member's interface may carry the name).
func (s *Service) DeleteLocal(ctx context.Context, project, name string) error {
	ctx = context.WithoutCancel(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.loadCurrent(ctx, project, name)
	if err != nil {
		return err
	}
	return s.deleteLocal(ctx, c)
}

func (s *Service) deleteLocal(ctx context.Context, c current) error {
	if !c.rec.hasRow || c.rec.local.State != db.NetworkCreated {
		return nil
	}
	return c.driver.Delete(ctx, s.toDriver(c.rec, c.all, c.use))
}

// LocalLeases lists the leases this member's part of a network handed
// out (gateway entries left out), for a peer merging them.
func (s *Service) LocalLeases(ctx context.Context, project, name string) ([]api.NetworkLease, error) {
	all, err := s.leases(ctx, project, name)
	if err != nil {
		return nil, err
	}
	out := []api.NetworkLease{}
	for _, l := range all {
		if l.Type != api.NetworkLeaseGateway {
			out = append(out, l)
		}
	}
	return out, nil
}

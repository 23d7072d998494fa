package network

import (
	"context"
	"maps"
	"os"

	"github.com/lxdng/lxd/cluster/db"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// UpdateRequest is a PUT or PATCH of a managed network.
type UpdateRequest struct {
	Put api.NetworkPut
	// Patch merges Put.Config into the current config (a "" value unsets
	// the key); otherwise Put.Config replaces it. The description is taken
	// from Put either way, as LXD 5.0.2 does.
	Patch bool
	// Check, when set, sees the current network before anything changes
	// (the API's If-Match check); its error aborts the update.
	Check func(current api.Network) error
}

// current is one managed network loaded for a change, with what the change
// needs to know about the others.
type current struct {
	rec    record
	all    []record
	use    usage
	driver netdriver.Driver
}

// loadCurrent reads a managed network for a change; unknown or unmanaged:
// 404 "Failed loading network: Network not found".
func (s *Service) loadCurrent(ctx context.Context, project, name string) (current, error) {
	var c current
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		netProject, err := networkProject(ctx, tx, project)
		if err != nil {
			return err
		}
		if c.rec, err = s.loadRecord(ctx, tx, netProject, name); err != nil {
			return notLoaded(err)
		}
		if c.all, err = s.loadAll(ctx, tx); err != nil {
			return err
		}
		c.use, err = loadUsage(ctx, tx)
		return err
	})
	if err != nil {
		return c, err
	}
	c.driver, err = s.driverFor(c.rec.row.Type)
	return c, err
}

// Update applies a PUT/PATCH: validate (400s), converge the running network
// with the driver, then store; a failure reverts the host to the old config.
func (s *Service) Update(ctx context.Context, project, name string, req UpdateRequest) error {
	// A client that goes away must not leave a half-done change behind.
	ctx = context.WithoutCancel(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.loadCurrent(ctx, project, name)
	if err != nil {
		return err
	}
	if req.Check != nil {
		if err := req.Check(s.render(ctx, c.rec, c.use)); err != nil {
			return err
		}
	}
	cfg := map[string]string{}
	if req.Patch {
		maps.Copy(cfg, c.rec.config())
	}
	if s.clustered() {
		// The cluster-wide config changes here; member keys stay.
		for k := range req.Put.Config {
			if key, ok := c.driver.Keys().Lookup(k); ok && key.Scope == config.Member {
				return api.BadRequest("Config key %q is cluster member specific", k)
			}
		}
		maps.Copy(cfg, c.rec.local.Config)
	}
	maps.Copy(cfg, req.Put.Config)
	old := s.toDriver(c.rec, c.all, c.use)
	n := old
	n.Config, n.Description = trimEmpty(cfg), req.Put.Description
	if err := c.driver.Validate(ctx, n); err != nil {
		return err
	}
	if err := s.applyUpdate(ctx, c, old, n); err != nil {
		return err
	}
	logctx.From(ctx).WithField("network", name).Info("Network updated")
	s.publish(ctx, c.rec.row.Project, name, "network-updated", nil)
	return nil
}

func (s *Service) applyUpdate(ctx context.Context, c current, old, n netdriver.Network) error {
	r := revert.New()
	defer r.Fail()
	if !maps.Equal(old.Config, n.Config) {
		if err := c.driver.Update(ctx, old, n); err != nil {
			s.restore(ctx, c.driver, n, old)
			return err
		}
		r.Add(func() { s.restore(ctx, c.driver, n, old) })
	}
	global, member := splitConfig(c.driver.Keys(), n.Config)
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if err := tx.UpdateNetwork(ctx, c.rec.row.ID, n.Description, global); err != nil {
			return err
		}
		m := c.rec.local
		m.NetworkID, m.MemberID, m.Config = c.rec.row.ID, s.o.Self.ID(), member
		m.State, m.Message = db.NetworkCreated, ""
		return tx.PutNetworkMember(ctx, m)
	})
	if err != nil {
		return err
	}
	r.Success()
	return nil
}

// restore converges the host back to old after a failed change to n.
func (s *Service) restore(ctx context.Context, d netdriver.Driver, n, old netdriver.Network) {
	if err := d.Update(context.WithoutCancel(ctx), n, old); err != nil {
		logctx.From(ctx).WithError(err).WithField("network", old.Name).Warn("Failed restoring network after a failed update")
	}
}

// Rename renames a managed network that nothing uses: the interface is
// stopped, its state directory (leases) moved, and it is started under the
// new name.
func (s *Service) Rename(ctx context.Context, project, name, newName string) error {
	// A client that goes away must not leave a half-done change behind.
	ctx = context.WithoutCancel(ctx)
	if newName == "" {
		return api.BadRequest("New network name not provided")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.loadCurrent(ctx, project, name)
	if err != nil {
		return err
	}
	if err := validName(newName); err != nil {
		return err
	}
	if c.use.inUse(c.rec.row.Project, name) {
		return api.BadRequest("Network is currently in use")
	}
	for _, o := range c.all {
		if o.row.Project == c.rec.row.Project && o.row.Name == newName {
			return api.Conflict("Network %q already exists", newName)
		}
	}
	if c.driver.Type() == netdriver.TypeBridge {
		if _, exists := hostInterface(ctx, newName); exists {
			return api.InternalError("Network interface %q already exists", newName)
		}
	}
	if err := s.moveNetwork(ctx, c, newName); err != nil {
		return err
	}
	logctx.From(ctx).WithField("network", newName).WithField("old_name", name).Info("Network renamed")
	s.publish(ctx, c.rec.row.Project, newName, "network-renamed", map[string]any{"old_name": name})
	return nil
}

func (s *Service) moveNetwork(ctx context.Context, c current, newName string) error {
	r := revert.New()
	defer r.Fail()
	bg := context.WithoutCancel(ctx)
	old := s.toDriver(c.rec, c.all, c.use)
	if err := c.driver.Stop(ctx, old); err != nil {
		return err
	}
	r.Add(func() { _ = c.driver.Start(bg, old) })
	n := old
	n.Name, n.StateDir = newName, s.stateDir(newName)
	if _, err := os.Stat(old.StateDir); err == nil {
		if err := os.Rename(old.StateDir, n.StateDir); err != nil {
			return wrapf(err, "Failed moving network state directory")
		}
		r.Add(func() { _ = os.Rename(n.StateDir, old.StateDir) })
	}
	r.Add(func() { _ = c.driver.Stop(bg, n) })
	if err := c.driver.Start(ctx, n); err != nil {
		return err
	}
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.RenameNetwork(ctx, c.rec.row.ID, newName)
	})
	if err != nil {
		return err
	}
	r.Success()
	return nil
}

// Delete removes a managed network nothing uses (400 "The network is
// currently in use" otherwise): interface, dnsmasq, firewall chains, state
// directory, then its rows.
func (s *Service) Delete(ctx context.Context, project, name string) error {
	// A client that goes away must not leave a half-done change behind.
	ctx = context.WithoutCancel(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.loadCurrent(ctx, project, name)
	if err != nil {
		return err
	}
	if c.use.inUse(c.rec.row.Project, name) {
		return api.BadRequest("%w", errInUse)
	}
	if s.clustered() {
		// Every member's part goes (all must be online), then this one's.
		if err := s.o.Peers.DeleteNetwork(ctx, c.rec.row.Project, name); err != nil {
			return err
		}
		if err := s.deleteLocal(ctx, c); err != nil {
			return err
		}
	} else if err := c.driver.Delete(ctx, s.toDriver(c.rec, c.all, c.use)); err != nil {
		return err
	}
	err = s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.DeleteNetwork(ctx, c.rec.row.ID)
	})
	if err != nil {
		return err
	}
	logctx.From(ctx).WithField("network", name).Info("Network deleted")
	s.publish(ctx, c.rec.row.Project, name, "network-deleted", nil)
	return nil
}

package network

import (
	"context"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// Create makes a managed network in project's network project: type
// defaults to bridge; "auto" addresses are filled; the config is validated
// (with LXD 5.0.2's status codes: a bad name or type or a duplicate is a
// 400, a bad config a 500); the network is started and its rows written.
// On any failure nothing is left: no rows, no interface, no dnsmasq, no
// firewall chains, no state directory.
func (s *Service) Create(ctx context.Context, project string, req api.NetworksPost) error {
	// A client that goes away must not leave a half-done change behind.
	ctx = context.WithoutCancel(ctx)
	if req.Name == "" {
		return api.BadRequest("No name provided")
	}
	if err := validName(req.Name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	netProject, all, err := s.prepareCreate(ctx, project, req.Name)
	if err != nil {
		return err
	}
	typ, d, err := s.createType(netProject, req.Type)
	if err != nil {
		return err
	}
	n := s.blank(req.Name, typ)
	n.Description = req.Description
	for k, v := range req.Config {
		if v != "" {
			n.Config[k] = v
		}
	}
	n.Others = others(all, 0)
	if err := s.checkCreatable(ctx, d, &n); err != nil {
		return err
	}
	if err := s.createAndStart(ctx, netProject, d, n); err != nil {
		return err
	}
	logctx.From(ctx).WithField("network", n.Name).Info("Network created")
	s.publish(ctx, netProject, n.Name, "network-created", nil)
	return nil
}

// prepareCreate resolves the network project, refuses a duplicate name and
// returns every existing network (for overlap checks).
func (s *Service) prepareCreate(ctx context.Context, project, name string) (string, []record, error) {
	var netProject string
	var all []record
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if netProject, err = networkProject(ctx, tx, project); err != nil {
			return err
		}
		if _, err := tx.Network(ctx, netProject, name); err == nil {
			return api.BadRequest("The network already exists")
		} else if !api.IsStatus(err, 404) {
			return err
		}
		all, err = s.loadAll(ctx, tx)
		return err
	})
	return netProject, all, err
}

// createType picks the type (bridge by default; in a project with its own
// networks LXD's default is ovn) and its driver.
func (s *Service) createType(netProject, typ string) (string, netdriver.Driver, error) {
	if typ == "" {
		typ = netdriver.TypeBridge
		if netProject != "default" {
			typ = netdriver.TypeOVN
		}
	}
	switch typ {
	case netdriver.TypeBridge, netdriver.TypeMacvlan, netdriver.TypePhysical, netdriver.TypeSRIOV, netdriver.TypeOVN:
	default:
		return "", nil, api.BadRequest("Unknown driver")
	}
	if err := netdriver.CheckType(typ); err != nil {
		return "", nil, err
	}
	if netProject != "default" {
		return "", nil, api.BadRequest("Network type does not support non-default projects")
	}
	d, err := s.driverFor(typ)
	return typ, d, err
}

// checkCreatable fills defaults and validates. LXD 5.0.2 answers 500 for
// every config problem found at creation (400 only on update), so the
// driver's 400s are re-wrapped.
func (s *Service) checkCreatable(ctx context.Context, d netdriver.Driver, n *netdriver.Network) error {
	if d.Type() == netdriver.TypeBridge {
		if _, exists := hostInterface(ctx, n.Name); exists {
			return api.InternalError("Network interface %q already exists", n.Name)
		}
	}
	if err := d.FillDefaults(ctx, n); err != nil {
		return api.InternalError("Failed generating auto config: %s", err.Error())
	}
	if err := d.Validate(ctx, *n); err != nil {
		return api.InternalError("%s", err.Error())
	}
	return nil
}

// createAndStart writes the rows (pending), starts the network and marks it
// created, undoing everything on failure.
func (s *Service) createAndStart(ctx context.Context, netProject string, d netdriver.Driver, n netdriver.Network) error {
	r := revert.New()
	defer r.Fail()
	global, member := splitConfig(d.Keys(), n.Config)
	var id int64
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		id, err = tx.CreateNetwork(ctx, db.Network{Project: netProject, Name: n.Name, Type: n.Type,
			Description: n.Description, State: db.NetworkPending, Config: global})
		if api.IsStatus(err, 409) {
			return api.BadRequest("The network already exists")
		}
		if err != nil {
			return err
		}
		return tx.PutNetworkMember(ctx, db.NetworkMember{NetworkID: id, MemberID: s.o.Self.ID(), State: db.NetworkPending, Config: member})
	})
	if err != nil {
		if api.IsStatus(err, 400) {
			return err
		}
		return wrapf(err, "Error inserting %q into database", n.Name)
	}
	r.Add(func() { s.deleteRows(ctx, id) })
	// Delete also undoes a half-done Start (interface, chains, dnsmasq).
	r.Add(func() {
		if err := d.Delete(context.WithoutCancel(ctx), n); err != nil {
			logctx.From(ctx).WithError(err).WithField("network", n.Name).Warn("Failed reverting network creation")
		}
	})
	if err := d.Start(ctx, n); err != nil {
		return err
	}
	err = s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if err := tx.SetNetworkState(ctx, id, db.NetworkCreated); err != nil {
			return err
		}
		return tx.SetNetworkMemberState(ctx, id, s.o.Self.ID(), db.NetworkCreated, "")
	})
	if err != nil {
		return err
	}
	r.Success()
	return nil
}

func (s *Service) deleteRows(ctx context.Context, id int64) {
	err := s.o.Store.Tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error {
		return tx.DeleteNetwork(ctx, id)
	})
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed removing network rows")
	}
}

// trimEmpty drops keys set to "" (LXD stores no empty values: setting a key
// to "" unsets it).
func trimEmpty(cfg map[string]string) map[string]string {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		if strings.TrimSpace(k) != "" && v != "" {
			out[k] = v
		}
	}
	return out
}

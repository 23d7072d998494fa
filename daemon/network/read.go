package network

import (
	"context"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
)

// status renders a network's state: this member's error wins over the
// cluster-wide state.
func (r record) status() string {
	if r.hasRow && r.local.State == db.NetworkErrored {
		return api.NetworkStatusErrored
	}
	switch r.row.State {
	case db.NetworkPending:
		return api.NetworkStatusPending
	case db.NetworkCreated:
		return api.NetworkStatusCreated
	case db.NetworkErrored:
		return api.NetworkStatusErrored
	}
	return api.NetworkStatusUnknown
}

// render is the API view of a managed network: standalone, with this
// member's keys; in a cluster the cluster-wide view (global config and
// state).
func (s *Service) render(ctx context.Context, rec record, u usage) api.Network {
	return s.renderView(ctx, rec, u, !s.clustered())
}

// renderView renders rec; memberView shows this member's keys and, in a
// cluster, this member's state (GET with ?target=).
func (s *Service) renderView(ctx context.Context, rec record, u usage, memberView bool) api.Network {
	cfg, status := rec.config(), rec.status()
	if !memberView {
		cfg = map[string]string{}
		for k, v := range rec.row.Config {
			cfg[k] = v
		}
	} else if s.clustered() && rec.hasRow {
		status = memberStatus(rec.local.State)
	}
	return api.Network{
		NetworkPut: api.NetworkPut{Config: cfg, Description: rec.row.Description},
		Name:       rec.row.Name,
		Type:       rec.row.Type,
		UsedBy:     u.usedBy(ctx, rec.row.Project, rec.row.Name, true),
		Managed:    true,
		Status:     status,
		Locations:  rec.names,
	}
}

func memberStatus(state int) string {
	switch state {
	case db.NetworkPending:
		return api.NetworkStatusPending
	case db.NetworkCreated:
		return api.NetworkStatusCreated
	case db.NetworkErrored:
		return api.NetworkStatusErrored
	}
	return api.NetworkStatusUnknown
}

// unmanaged completes a host interface's entry: used_by is [] for the
// loopback (LXD never looks it up) and null when nothing uses another one.
func unmanaged(ctx context.Context, n api.Network, u usage) api.Network {
	n.UsedBy = nil
	if n.Type == "loopback" {
		n.UsedBy = []string{}
	} else {
		n.UsedBy = u.usedBy(ctx, "default", n.Name, false)
	}
	n.Locations = nil
	return n
}

// List returns the networks a project sees: its managed networks, then
// (when networks live in "default") the host's other interfaces in kernel
// order, as LXD 5.0.2 lists them.
func (s *Service) List(ctx context.Context, project string) ([]api.Network, error) {
	var out []api.Network
	var netProject string
	var u usage
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out = nil
		if netProject, err = networkProject(ctx, tx, project); err != nil {
			return err
		}
		if u, err = loadUsage(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Networks(ctx, db.NetworkFilter{Project: netProject})
		if err != nil {
			return err
		}
		for _, row := range rows {
			rec, err := s.completeRecord(ctx, tx, row)
			if err != nil {
				return err
			}
			out = append(out, s.render(ctx, rec, u))
		}
		return nil
	})
	if err != nil || netProject != "default" {
		return out, err
	}
	managed := map[string]bool{}
	for _, n := range out {
		managed[n.Name] = true
	}
	host, err := netdriver.HostInterfaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, h := range host {
		if !managed[h.Name] {
			out = append(out, unmanaged(ctx, h, u))
		}
	}
	return out, nil
}

// Get returns one network: the managed one of that name, or else a host
// interface (only where networks live in "default"). Unknown: 404
// "Network not found".
func (s *Service) Get(ctx context.Context, project, name string) (api.Network, error) {
	return s.get(ctx, project, name, !s.clustered())
}

// GetOnMember is GET /1.0/networks/<name>?target=<this member>: with this
// member's keys and state.
func (s *Service) GetOnMember(ctx context.Context, project, name string) (api.Network, error) {
	return s.get(ctx, project, name, true)
}

func (s *Service) get(ctx context.Context, project, name string, memberView bool) (api.Network, error) {
	var out api.Network
	var netProject string
	var u usage
	found := false
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if netProject, err = networkProject(ctx, tx, project); err != nil {
			return err
		}
		if u, err = loadUsage(ctx, tx); err != nil {
			return err
		}
		rec, err := s.loadRecord(ctx, tx, netProject, name)
		if api.IsStatus(err, 404) {
			return nil
		}
		if err != nil {
			return err
		}
		out, found = s.renderView(ctx, rec, u, memberView), true
		return nil
	})
	if err != nil || found {
		return out, err
	}
	if netProject == "default" {
		if h, ok := hostInterface(ctx, name); ok {
			return unmanaged(ctx, h, u), nil
		}
	}
	return api.Network{}, api.NotFound("Network not found")
}

func hostInterface(ctx context.Context, name string) (api.Network, bool) {
	host, err := netdriver.HostInterfaces(ctx)
	if err != nil {
		return api.Network{}, false
	}
	for _, h := range host {
		if h.Name == name {
			return h, true
		}
	}
	return api.Network{}, false
}

// Resolved is a managed network as the NIC code needs it.
type Resolved struct {
	// Network is the driver's view: Name (the bridge for type bridge),
	// Type, effective Config (ipv4.address "10.0.0.1/24", bridge.mtu, ...),
	// StateDir, FirewallTable.
	Network netdriver.Network
	// Driver is the network's type driver.
	Driver netdriver.Driver
	// Project is the project the network lives in ("default" here).
	Project string
	// Status is "Created", "Pending" or "Errored".
	Status string
}

// Network resolves the `network=<name>` of a NIC device of an instance or
// profile in project into the managed network it names. A NIC on a
// network must then validate against Resolved.Network.Config (for a bridge:
// ipv4.address inside the bridge's subnet, the bridge's MTU) and attach to
// the interface Resolved.Network.Name. Unknown: 404 "Network not found".
func (s *Service) Network(ctx context.Context, project, name string) (Resolved, error) {
	var out Resolved
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		netProject, err := networkProject(ctx, tx, project)
		if err != nil {
			return err
		}
		rec, err := s.loadRecord(ctx, tx, netProject, name)
		if err != nil {
			return err
		}
		d, err := s.driverFor(rec.row.Type)
		if err != nil {
			return err
		}
		u, err := loadUsage(ctx, tx)
		if err != nil {
			return err
		}
		out = Resolved{Network: s.toDriver(rec, nil, u), Driver: d, Project: netProject, Status: rec.status()}
		return nil
	})
	return out, err
}

// State reports a network's interface: through its driver when managed
// (for macvlan/physical: the parent), otherwise the host interface of that
// name (404 `Network interface "x" not found`).
func (s *Service) State(ctx context.Context, project, name string) (api.NetworkState, error) {
	res, err := s.Network(ctx, project, name)
	if err == nil {
		return res.Driver.State(ctx, res.Network)
	}
	if !api.IsStatus(err, 404) {
		return api.NetworkState{}, err
	}
	return netdriver.InterfaceState(ctx, name)
}

// Leases lists a managed network's leases: the gateway entries (location
// "") then static and dynamic leases (location: this member). As in LXD
// 5.0.2, static and dynamic leases are only listed for the MACs of the NICs
// of project's instances: a DHCP client that is not an instance of the
// project is not shown. Unmanaged or unknown: 404 "Failed loading network:
// Network not found".
func (s *Service) Leases(ctx context.Context, project, name string) ([]api.NetworkLease, error) {
	leases, err := s.leases(ctx, project, name)
	if err != nil || !s.clustered() {
		return leases, err
	}
	more, err := s.o.Peers.Leases(ctx, project, name)
	if err != nil {
		return nil, err
	}
	return append(leases, more...), nil
}

// leases lists the leases of this member's part of a network (none when
// it has no part here).
func (s *Service) leases(ctx context.Context, project, name string) ([]api.NetworkLease, error) {
	var n netdriver.Network
	local := true
	var d netdriver.Driver
	var macs map[string]bool
	err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		netProject, err := networkProject(ctx, tx, project)
		if err != nil {
			return err
		}
		rec, err := s.loadRecord(ctx, tx, netProject, name)
		if err != nil {
			return notLoaded(err)
		}
		if d, err = s.driverFor(rec.row.Type); err != nil {
			return err
		}
		u, err := loadUsage(ctx, tx)
		if err != nil {
			return err
		}
		n = s.toDriver(rec, nil, u)
		macs = u.instanceMACs(project, netProject, name)
		local = !s.clustered() || (rec.hasRow && rec.local.State == db.NetworkCreated)
		return nil
	})
	if err != nil || !local {
		return []api.NetworkLease{}, err
	}
	all, err := d.Leases(ctx, n)
	if err != nil {
		return nil, err
	}
	leases := []api.NetworkLease{}
	for _, l := range all {
		if l.Type == api.NetworkLeaseGateway || macs[strings.ToLower(l.Hwaddr)] {
			leases = append(leases, l)
		}
	}
	return leases, nil
}

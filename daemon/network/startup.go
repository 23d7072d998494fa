package network

import (
	"context"
	"net/http"

	"github.com/lxdng/lxd/cluster/db"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Startup brings every network of this member up at daemon start. Start is
// idempotent, so bridges and dnsmasq left running by the previous daemon
// are adopted and anything missing is recreated. A network that fails is
// logged and marked errored (its status shows "Errored"); it does not stop
// the daemon. One that starts again clears its error.
func (s *Service) Startup(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, u, err := s.loadAllWithUsage(ctx)
	if err != nil {
		return err
	}
	for _, rec := range all {
		if !rec.hasRow {
			continue // not created on this member
		}
		if s.clustered() && rec.local.State != db.NetworkCreated {
			continue // pending here (or it failed here): nothing to start
		}
		startErr := s.startOne(ctx, rec, all, u)
		state, msg := db.NetworkCreated, ""
		if startErr != nil {
			state, msg = db.NetworkErrored, startErr.Error()
			logctx.From(ctx).WithError(startErr).WithField("network", rec.row.Name).Error("Failed starting network")
		}
		if rec.local.State == state && rec.local.Message == msg && (startErr != nil || rec.row.State == db.NetworkCreated) {
			continue
		}
		err := s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
			if startErr == nil && rec.row.State != db.NetworkCreated {
				// A creation interrupted by a crash: the network runs now.
				if err := tx.SetNetworkState(ctx, rec.row.ID, db.NetworkCreated); err != nil {
					return err
				}
			}
			return tx.SetNetworkMemberState(ctx, rec.row.ID, s.o.Self.ID(), state, msg)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) startOne(ctx context.Context, rec record, all []record, u usage) error {
	d, err := s.driverFor(rec.row.Type)
	if err != nil {
		return err
	}
	return d.Start(ctx, s.toDriver(rec, all, u))
}

// StopAll stops every network this member runs (bridges, dnsmasq,
// firewall chains; lease files are kept), as LXD does when the host goes
// down (`lxd shutdown`, after the instances stopped). The database is left
// as is: Startup brings the same networks back at the next start. Errors
// are logged, not returned: the daemon stops anyway.
func (s *Service) StopAll(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, u, err := s.loadAllWithUsage(ctx)
	log := logctx.From(ctx)
	if err != nil {
		log.WithError(err).Warn("Failed loading networks to stop")
		return
	}
	for _, rec := range all {
		if !rec.hasRow {
			continue
		}
		d, err := s.driverFor(rec.row.Type)
		if err == nil {
			err = d.Stop(ctx, s.toDriver(rec, all, u))
		}
		if err != nil {
			log.WithError(err).WithField("network", rec.row.Name).Warn("Failed stopping network")
		}
	}
}

// Shutdown lets go of the networks at daemon stop without stopping them:
// bridges, firewall chains and dnsmasq keep running (as with LXD) so
// instances keep their network while the daemon restarts; Startup adopts
// them again.
func (s *Service) Shutdown() {
	for _, d := range s.o.Drivers {
		if sd, ok := d.(interface{ Shutdown() }); ok {
			sd.Shutdown()
		}
	}
}

// RefreshStaticLeases recomputes a managed network's static DHCP hosts from
// the database and hands them to its driver (dnsmasq reloads them). The
// instance service calls it after committing any change that alters the
// NICs on that network: an instance created, started (volatile hwaddr
// generated), renamed or deleted, or a NIC's network / hwaddr /
// ipv4.address / ipv6.address changed. Networks whose type serves no DHCP
// ignore it. Unknown network: 404.
func (s *Service) RefreshStaticLeases(ctx context.Context, project, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.loadCurrent(ctx, project, name)
	if err != nil {
		return err
	}
	lu, ok := c.driver.(netdriver.LeaseUpdater)
	if !ok {
		return nil
	}
	return lu.UpdateStaticLeases(ctx, s.toDriver(c.rec, c.all, c.use))
}

// RefreshNICNetworks calls RefreshStaticLeases for every managed network
// that a NIC of the given device sets names with network=<name> (pass an
// instance's expanded devices before and after a change). Names that are no
// managed network are skipped.
func (s *Service) RefreshNICNetworks(ctx context.Context, project string, deviceSets ...map[string]map[string]string) error {
	seen := map[string]bool{}
	for _, devices := range deviceSets {
		for _, dev := range devices {
			name := dev["network"]
			if dev["type"] != "nic" || name == "" || seen[name] {
				continue
			}
			seen[name] = true
			err := s.RefreshStaticLeases(ctx, project, name)
			if err != nil && !api.IsStatus(err, http.StatusNotFound) {
				return err
			}
		}
	}
	return nil
}

// loadAllWithUsage reads every network and what uses them, in one read
// transaction (Startup and StopAll both need the whole picture).
func (s *Service) loadAllWithUsage(ctx context.Context) ([]record, usage, error) {
	var all []record
	var u usage
	err := s.o.Store.ReadTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if all, err = s.loadAll(ctx, tx); err != nil {
			return err
		}
		u, err = loadUsage(ctx, tx)
		return err
	})
	return all, u, err
}

package daemon

import (
	"context"
	"fmt"
	"os"

	netsvc "github.com/lxdng/lxd/daemon/network"
	"github.com/lxdng/lxd/daemon/profiles"
	"github.com/lxdng/lxd/daemon/projects"
)

// buildServices constructs the services in dependency order, handing each
// only what it needs.
func (d *Daemon) buildServices(ctx context.Context) error {
	d.projects = projects.New(d.db, d.hub)
	if err := d.startNetworks(ctx); err != nil {
		return err
	}
	d.profiles = profiles.New(d.db, d.projects, profiles.Options{
		// NIC keys are checked by instconfig's table, whose wording matches
		// LXD's; the network lookup checks that network=<x> exists.
		Events: d.hub, Network: d.networkType,
	})
	return nil
}

// networkType resolves a managed network for device validation.
func (d *Daemon) networkType(ctx context.Context, project, name string) (string, error) {
	r, err := d.network.Network(ctx, project, name)
	if err != nil {
		return "", err
	}
	return r.Network.Type, nil
}

func (d *Daemon) startNetworks(ctx context.Context) error {
	dir := d.path("networks")
	// dnsmasq re-reads its hosts file as nobody: the path must be traversable.
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return fmt.Errorf("Failed to create %s: %w", dir, err)
	}
	d.network = netsvc.New(netsvc.Options{
		Store: d.db, Drivers: networkDrivers(), Dir: dir, FirewallTable: firewallTable(d.cfg.Dir),
		Self: d.cluster.m.Identity(), Events: d.hub, Peers: networkPeers{d.cluster},
	})
	d.cluster.hooks.AddMemberConfig(networkMemberConfig{d})
	if err := d.network.Startup(d.ctx); err != nil {
		return fmt.Errorf("Failed to start networks: %w", err)
	}
	return nil
}

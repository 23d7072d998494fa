package macvlan

import (
	"context"
	"errors"
	"strconv"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

var keys = config.Schema{
	"parent":           {Validate: network.IsInterfaceName, Scope: config.Member, Help: "Parent interface to create macvlan NICs on"},
	"mtu":              {Type: config.Int, Validate: network.IsMTU, Help: "The MTU of the new interface"},
	"vlan":             {Type: config.Int, Validate: network.IsVLAN, Help: "The VLAN ID to attach to (not supported by this kernel)"},
	"gvrp":             {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Register VLAN using GARP VLAN Registration Protocol"},
	"maas.subnet.ipv4": {Help: "MAAS IPv4 subnet to register instances in"},
	"maas.subnet.ipv6": {Help: "MAAS IPv6 subnet to register instances in"},
	"user.*":           {Help: "Free-form user key/value storage"},
	"volatile.*":       {ReadOnly: true, Help: "Internal state kept by the daemon"},
}

// Driver is the macvlan network type.
type Driver struct{}

var _ network.Driver = (*Driver)(nil)

// New returns a macvlan network driver.
func New() *Driver { return &Driver{} }

// Type is "macvlan".
func (d *Driver) Type() string { return network.TypeMacvlan }

// Keys is the macvlan key table.
func (d *Driver) Keys() config.Schema { return keys }

// Validate checks the keys; parent is required.
func (d *Driver) Validate(ctx context.Context, n network.Network) error {
	if err := network.IsInterfaceName(n.Name); err != nil {
		return api.BadRequest("Invalid network name %q: %w", n.Name, err)
	}
	if err := keys.Validate(n.Config); err != nil {
		return network.KeyError(n.Name, err)
	}
	if n.Config["parent"] == "" {
		return api.BadRequest("Missing required %q config key", "parent")
	}
	return nil
}

// FillDefaults has nothing to fill.
func (d *Driver) FillDefaults(ctx context.Context, n *network.Network) error { return nil }

// Start checks the parent exists (and that no VLAN is asked for).
func (d *Driver) Start(ctx context.Context, n network.Network) error {
	if err := d.Validate(ctx, n); err != nil {
		return err
	}
	if n.Config["vlan"] != "" {
		return api.BadRequest("VLAN interfaces (vlan=%s) are not supported by this kernel (no 802.1Q support)", n.Config["vlan"])
	}
	parent := n.Config["parent"]
	if _, err := iproute.GetLink(ctx, parent); err != nil {
		if errors.Is(err, iproute.ErrNotFound) {
			return api.BadRequest("Parent interface %q not found", parent)
		}
		return err
	}
	if mtu, _ := strconv.Atoi(n.Config["mtu"]); mtu > 0 {
		// The parent must carry at least the MTU its macvlans will use.
		l, _ := iproute.GetLink(ctx, parent)
		if l.MTU < mtu {
			return api.BadRequest("Parent interface %q has MTU %d, below the requested %d", parent, l.MTU, mtu)
		}
	}
	return nil
}

// Stop has nothing to undo.
func (d *Driver) Stop(ctx context.Context, n network.Network) error { return nil }

// Update re-checks the new config.
func (d *Driver) Update(ctx context.Context, old, new network.Network) error {
	return d.Start(ctx, new)
}

// Delete has nothing to remove.
func (d *Driver) Delete(ctx context.Context, n network.Network) error { return nil }

// State reports the parent interface.
func (d *Driver) State(ctx context.Context, n network.Network) (api.NetworkState, error) {
	return network.InterfaceState(ctx, n.Config["parent"])
}

// Leases: a macvlan network serves no DHCP.
func (d *Driver) Leases(ctx context.Context, n network.Network) ([]api.NetworkLease, error) {
	return []api.NetworkLease{}, nil
}

package physical

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

var keys = config.Schema{
	"parent":                      {Validate: network.IsInterfaceName, Scope: config.Member, Help: "Existing interface to use for the network"},
	"mtu":                         {Type: config.Int, Validate: network.IsMTU, Help: "The MTU of the new interface"},
	"vlan":                        {Type: config.Int, Validate: network.IsVLAN, Help: "The VLAN ID to attach to (not supported by this kernel)"},
	"gvrp":                        {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Register VLAN using GARP VLAN Registration Protocol"},
	"maas.subnet.ipv4":            {Help: "MAAS IPv4 subnet to register instances in"},
	"maas.subnet.ipv6":            {Help: "MAAS IPv6 subnet to register instances in"},
	"ipv4.gateway":                {Validate: network.IsHostAddressCIDR(4), Help: "IPv4 address for the gateway and network (CIDR), for OVN uplinks"},
	"ipv6.gateway":                {Validate: network.IsHostAddressCIDR(6), Help: "IPv6 address for the gateway and network (CIDR), for OVN uplinks"},
	"ipv4.ovn.ranges":             {Validate: network.IsRangeList(4), Help: "IPv4 ranges for child OVN network routers"},
	"ipv6.ovn.ranges":             {Validate: network.IsRangeList(6), Help: "IPv6 ranges for child OVN network routers"},
	"ipv4.routes":                 {Validate: config.IsList(network.IsSubnet(4)), Help: "IPv4 subnets allowed on child OVN networks"},
	"ipv4.routes.anycast":         {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Allow overlapping routes on multiple networks/NICs"},
	"ipv6.routes":                 {Validate: config.IsList(network.IsSubnet(6)), Help: "IPv6 subnets allowed on child OVN networks"},
	"ipv6.routes.anycast":         {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Allow overlapping routes on multiple networks/NICs"},
	"dns.nameservers":             {Validate: config.IsList(config.IsIP), Help: "Uplink DNS servers for OVN networks"},
	"ovn.ingress_mode":            {Default: "l2proxy", Validate: config.IsOneOf("l2proxy", "routed"), Help: "How OVN NIC external addresses are advertised on the uplink"},
	"volatile.last_state.created": {ReadOnly: true, Help: "Whether the parent was created by the network"},
	"user.*":                      {Help: "Free-form user key/value storage"},
	"volatile.*":                  {ReadOnly: true, Help: "Internal state kept by the daemon"},
}

// mtuFile remembers the parent's MTU from before Start changed it.
const mtuFile = "physical.mtu"

// Driver is the physical network type.
type Driver struct{}

var _ network.Driver = (*Driver)(nil)

// New returns a physical network driver.
func New() *Driver { return &Driver{} }

// Type is "physical".
func (d *Driver) Type() string { return network.TypePhysical }

// Keys is the physical key table.
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
	for k := range n.Config {
		if strings.HasPrefix(k, "bgp.") {
			return api.BadRequest("BGP (%s) is not supported by this server", k)
		}
	}
	return nil
}

// FillDefaults has nothing to fill.
func (d *Driver) FillDefaults(ctx context.Context, n *network.Network) error { return nil }

// Start checks the parent, applies mtu and brings it up.
func (d *Driver) Start(ctx context.Context, n network.Network) error {
	if err := d.Validate(ctx, n); err != nil {
		return err
	}
	if n.Config["vlan"] != "" {
		return api.BadRequest("VLAN interfaces (vlan=%s) are not supported by this kernel (no 802.1Q support)", n.Config["vlan"])
	}
	parent := n.Config["parent"]
	l, err := iproute.GetLink(ctx, parent)
	if err != nil {
		if errors.Is(err, iproute.ErrNotFound) {
			return api.BadRequest("Parent interface %q not found", parent)
		}
		return err
	}
	if mtu, _ := strconv.Atoi(n.Config["mtu"]); mtu > 0 && l.MTU != mtu {
		if err := d.rememberMTU(n, l.MTU); err != nil {
			return err
		}
		if err := iproute.SetMTU(ctx, parent, mtu); err != nil {
			return fmt.Errorf("Failed setting MTU of %q: %w", parent, err)
		}
	}
	if !l.Up() {
		return iproute.SetUp(ctx, parent)
	}
	return nil
}

func (d *Driver) rememberMTU(n network.Network, mtu int) error {
	if n.StateDir == "" {
		return nil
	}
	path := filepath.Join(n.StateDir, mtuFile)
	if _, err := os.Stat(path); err == nil {
		return nil // keep the first, original value
	}
	if err := os.MkdirAll(n.StateDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(strconv.Itoa(mtu)), 0o644)
}

// Stop restores the parent's original MTU when Start changed it.
func (d *Driver) Stop(ctx context.Context, n network.Network) error {
	if n.StateDir == "" {
		return nil
	}
	path := filepath.Join(n.StateDir, mtuFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	mtu, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	parent := n.Config["parent"]
	if mtu > 0 && iproute.LinkExists(parent) {
		if err := iproute.SetMTU(ctx, parent, mtu); err != nil {
			return fmt.Errorf("Failed restoring MTU of %q: %w", parent, err)
		}
	}
	return os.Remove(path)
}

// Update restores the old parent if it changed, then starts the new config.
func (d *Driver) Update(ctx context.Context, old, new network.Network) error {
	if old.Config["parent"] != new.Config["parent"] || new.Config["mtu"] == "" {
		if err := d.Stop(ctx, old); err != nil {
			return err
		}
	}
	return d.Start(ctx, new)
}

// Delete restores the parent and removes the state directory.
func (d *Driver) Delete(ctx context.Context, n network.Network) error {
	if err := d.Stop(ctx, n); err != nil {
		return err
	}
	if n.StateDir != "" {
		return os.RemoveAll(n.StateDir)
	}
	return nil
}

// State reports the parent interface.
func (d *Driver) State(ctx context.Context, n network.Network) (api.NetworkState, error) {
	return network.InterfaceState(ctx, n.Config["parent"])
}

// Leases: a physical network serves no DHCP.
func (d *Driver) Leases(ctx context.Context, n network.Network) ([]api.NetworkLease, error) {
	return []api.NetworkLease{}, nil
}

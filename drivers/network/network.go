package network

import (
	"context"
	"errors"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// Network is everything a driver knows about one managed network. The
// daemon's network service builds it from its database rows.
type Network struct {
	Name        string
	Type        string
	Description string
	Config      map[string]string

	// StateDir is the network's private directory ($LXD_DIR/networks/<name>):
	// dnsmasq's pid, lease, hosts, raw config and log files live there. Its
	// parents must be traversable by "nobody" (dnsmasq re-reads the hosts
	// file after dropping privileges); the driver makes StateDir itself 0755.
	StateDir string

	// FirewallTable is the nftables table name this daemon owns (for example
	// "lxdng_1a2b3c4d"). The bridge driver uses `table inet <FirewallTable>`
	// with per-network chains; it never touches any other table.
	FirewallTable string

	// Member is this member's name as reported in lease locations ("none"
	// when not clustered).
	Member string

	// StaticLeases are the NICs attached to this network (one per instance
	// NIC): their MAC and instance name always, plus a pinned IPv4/IPv6 when
	// the NIC sets ipv4.address/ipv6.address.
	StaticLeases []StaticLease

	// Others are the other managed networks of this member, for subnet
	// overlap checks in Validate and the address picking of FillDefaults.
	Others []Network
}

// StaticLease is one NIC connected to a managed network.
type StaticLease struct {
	Hostname string // instance name, published in DNS
	MAC      string
	IPv4     string // optional fixed address
	IPv6     string // optional fixed address
}

// Driver is one network type. Implementations are stateless apart from the
// processes they supervise (dnsmasq) and keep no database; every method takes
// the full Network so it can be called after a daemon restart.
//
// Differences from the design sketch, and why:
//   - State takes the Network rather than its name: macvlan and physical
//     networks report their parent interface, which only the config names.
//   - ConnectPort/DisconnectPort are gone: attaching an instance's host-side
//     interface is the NIC's job (package nic), which needs more than a port
//     name (filtering, limits, MTU). Static leases change through the
//     optional LeaseUpdater.
type Driver interface {
	// Type is the network type ("bridge", "macvlan", "physical").
	Type() string

	// Keys is the key table of this type, with validators (LXD 5.0.2 names).
	Keys() config.Schema

	// Validate checks every key against Keys and the cross-key rules
	// (overlapping subnets with host routes or n.Others, unsupported
	// features on this host). Errors are api.BadRequest.
	Validate(ctx context.Context, n Network) error

	// FillDefaults fills what LXD fills on creation: for a bridge,
	// ipv4.address/ipv6.address "auto" (or unset) become a free
	// 10.x.y.1/24 and fd42:...::1/64 with NAT on.
	FillDefaults(ctx context.Context, n *Network) error

	// Start brings the network up. It is idempotent: calling it on a running
	// network (after a daemon restart too) converges the host state to n
	// without disrupting what is already right.
	Start(ctx context.Context, n Network) error

	// Stop tears down the host side (bridge, dnsmasq, firewall chains) but
	// keeps StateDir (the lease file survives).
	Stop(ctx context.Context, n Network) error

	// Update applies a config change to a running network.
	Update(ctx context.Context, old, new Network) error

	// Delete stops the network and removes StateDir.
	Delete(ctx context.Context, n Network) error

	// State reports the network's interface (GET /1.0/networks/<n>/state).
	State(ctx context.Context, n Network) (api.NetworkState, error)

	// Leases lists gateway, static and dynamic leases
	// (GET /1.0/networks/<n>/leases). Types without DHCP return nil.
	Leases(ctx context.Context, n Network) ([]api.NetworkLease, error)
}

// LeaseUpdater is implemented by drivers that serve DHCP. The daemon calls it
// when a NIC is added to, changed on or removed from the network; it rewrites
// dnsmasq's hosts file from n.StaticLeases and makes dnsmasq reload it.
type LeaseUpdater interface {
	UpdateStaticLeases(ctx context.Context, n Network) error
}

// Network types LXD 5.0.2 knows.
const (
	TypeBridge   = "bridge"
	TypeMacvlan  = "macvlan"
	TypePhysical = "physical"
	TypeSRIOV    = "sriov"
	TypeOVN      = "ovn"
)

// CheckType returns nil for types this project implements and a 400 with a
// clear message for the others LXD knows (sriov, ovn) or unknown ones. An
// empty type means bridge, as in LXD.
func CheckType(typ string) error {
	switch typ {
	case "", TypeBridge, TypeMacvlan, TypePhysical:
		return nil
	case TypeSRIOV:
		return api.BadRequest("Network type %q is not supported by this server (no SR-IOV support)", typ)
	case TypeOVN:
		return api.BadRequest("Network type %q is not supported by this server (no OVN support)", typ)
	}
	return api.BadRequest("Invalid network type %q", typ)
}

// ConfigValue returns n.Config[key] or the schema default.
func (n Network) ConfigValue(keys config.Schema, key string) string {
	return keys.Get(n.Config, key)
}

// KeyError turns a config.Schema validation error into LXD's wording:
// `Invalid option for network "x" option "foo"` for unknown keys and
// `Invalid value for network "x" option "k": <reason>` for bad values.
func KeyError(network string, err error) error {
	var ke *config.KeyError
	if !errors.As(err, &ke) {
		return api.BadRequest("Invalid network %q config: %w", network, err)
	}
	if errors.Is(ke.Err, config.ErrUnknownKey) {
		return api.BadRequest("Invalid option for network %q option %q", network, ke.Key)
	}
	return api.BadRequest("Invalid value for network %q option %q: %w", network, ke.Key, ke.Err)
}

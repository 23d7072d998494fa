package nic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"strconv"

	"github.com/lxdng/lxd/shared/api"
)

// Opts describe one NIC to set up on the host.
type Opts struct {
	// Config is the device config. For network=<name> NICs the caller
	// resolves the network first: nictype from the network's type and
	// "parent" = the bridge name (bridge networks) or the network's parent
	// (macvlan/physical networks), plus the network's mtu when the NIC sets
	// none.
	Config map[string]string

	// Volatile holds what an earlier Create returned (volatile.<dev>.*
	// without that prefix: "host_name", "hwaddr", "last_state.mtu", ...).
	// A stable "hwaddr" here is reused, so the MAC survives restarts.
	Volatile map[string]string

	// FirewallTable is the daemon's nftables table name; filtering uses
	// `table bridge <FirewallTable>`, egress limits `table netdev <FirewallTable>`.
	FirewallTable string

	// AllowedIPv4/AllowedIPv6 are the addresses security.ipv4_filtering /
	// ipv6_filtering let through when the NIC has no ipv4.address /
	// ipv6.address of its own (e.g. the address the daemon pinned in the
	// network's static leases). Empty with filtering on blocks all IPv4 /
	// IPv6 except DHCP/neighbour discovery.
	AllowedIPv4, AllowedIPv6 []string
}

// Result is what Create made: what liblxc needs and what Remove needs.
type Result struct {
	// Device is the host interface liblxc must move into the container
	// (lxc.net.N.link with lxc.net.N.type=phys).
	Device string
	// HostName is the host-side end that stays behind (veth kinds), "" otherwise.
	HostName string
	// Hwaddr and MTU are for lxc.net.N.hwaddr / lxc.net.N.mtu (0/"" = unset).
	Hwaddr string
	MTU    int
	// Name is the interface name inside the container (config "name").
	Name string
	// IPv4/IPv6 are addresses with prefix liblxc configures inside (routed).
	IPv4, IPv6 []string
	// IPv4Gateway/IPv6Gateway are the default gateways inside (routed).
	IPv4Gateway, IPv6Gateway string
	// Volatile must be stored by the caller as volatile.<dev>.<key> and
	// handed back in Opts.Volatile to Remove (and the next Create).
	Volatile map[string]string
}

// LXCConfig renders the liblxc keys for network index idx.
func (r Result) LXCConfig(idx int) [][2]string {
	p := "lxc.net." + strconv.Itoa(idx) + "."
	out := [][2]string{{p + "type", "phys"}, {p + "link", r.Device}, {p + "flags", "up"}}
	if r.Name != "" {
		out = append(out, [2]string{p + "name", r.Name})
	}
	if r.Hwaddr != "" {
		out = append(out, [2]string{p + "hwaddr", r.Hwaddr})
	}
	if r.MTU > 0 {
		out = append(out, [2]string{p + "mtu", strconv.Itoa(r.MTU)})
	}
	for _, a := range r.IPv4 {
		out = append(out, [2]string{p + "ipv4.address", a})
	}
	if r.IPv4Gateway != "" {
		out = append(out, [2]string{p + "ipv4.gateway", r.IPv4Gateway})
	}
	for _, a := range r.IPv6 {
		out = append(out, [2]string{p + "ipv6.address", a})
	}
	if r.IPv6Gateway != "" {
		out = append(out, [2]string{p + "ipv6.gateway", r.IPv6Gateway})
	}
	return out
}

// Create sets up the host side of a NIC. On error nothing is left behind.
func Create(ctx context.Context, o Opts) (Result, error) {
	if err := Validate(o.Config); err != nil {
		return Result{}, err
	}
	switch o.Config["nictype"] {
	case Bridged:
		return CreateBridged(ctx, o)
	case P2P:
		return CreateP2P(ctx, o)
	case Routed:
		return CreateRouted(ctx, o)
	case Macvlan:
		return CreateMacvlan(ctx, o)
	case Physical:
		return PreparePhysical(ctx, o)
	case IPVLAN:
		return Result{}, api.BadRequest("IPVLAN NICs are not supported by this kernel (no ipvlan support)")
	case SRIOV:
		return Result{}, api.BadRequest("SR-IOV NICs are not supported by this server")
	}
	return Result{}, api.BadRequest("Invalid NIC type %q", o.Config["nictype"])
}

// Remove undoes Create; o.Volatile is what Create returned. Objects already
// gone (a veth destroyed with the container's namespace) are not errors.
func Remove(ctx context.Context, o Opts) error {
	switch o.Config["nictype"] {
	case Bridged:
		return RemoveBridged(ctx, o)
	case P2P:
		return RemoveP2P(ctx, o)
	case Routed:
		return RemoveRouted(ctx, o)
	case Macvlan:
		return RemoveMacvlan(ctx, o)
	case Physical:
		return RestorePhysical(ctx, o)
	}
	return nil
}

// RandomName returns prefix + 8 hex digits ("veth1a2b3c4d").
func RandomName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// RandomHwaddr returns a random MAC in LXD's 00:16:3e prefix.
func RandomHwaddr() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return net.HardwareAddr{0x00, 0x16, 0x3e, b[0], b[1], b[2]}.String()
}

// hwaddrFor picks the instance-side MAC: config, then volatile, then new.
func hwaddrFor(o Opts) string {
	if v := o.Config["hwaddr"]; v != "" {
		return v
	}
	if v := o.Volatile["hwaddr"]; v != "" {
		return v
	}
	return RandomHwaddr()
}

// hostNameFor picks the host-side veth name: config, volatile, then new.
func hostNameFor(o Opts) string {
	if v := o.Config["host_name"]; v != "" {
		return v
	}
	if v := o.Volatile["host_name"]; v != "" {
		return v
	}
	return RandomName("veth")
}

func mtuOf(o Opts) int {
	mtu, _ := strconv.Atoi(o.Config["mtu"])
	return mtu
}

func errParent(parent string, err error) error {
	return api.BadRequest("Parent device %q: %w", parent, err)
}

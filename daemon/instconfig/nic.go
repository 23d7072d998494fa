package instconfig

import (
	"context"
	"fmt"
	"sort"

	"github.com/lxdng/lxd/shared/config"
)

// This NIC table stands in until the daemon plugs the one of
// drivers/network/nic in through DeviceOpts.NIC; it knows LXD 5.0.2's keys
// per nictype so profiles and instances validate the same way meanwhile.

var nicCommon = config.Schema{
	"type":          typeKey("nic"),
	"nictype":       {Help: "The device type (bridged, macvlan, p2p, physical, ipvlan, routed, sriov); not needed with network"},
	"name":          {Help: "The name of the interface inside the instance"},
	"mtu":           {Type: config.Int, Validate: isMTU, Help: "The MTU of the new interface"},
	"hwaddr":        {Validate: isMAC, Help: "The MAC address of the new interface"},
	"boot.priority": {Type: config.Int, Validate: config.IsUint32, Help: "Boot priority for VMs (higher boots first)"},
}

var nicLimits = config.Schema{
	"limits.ingress": {Help: "I/O limit in bit/s for incoming traffic (various suffixes supported)"},
	"limits.egress":  {Help: "I/O limit in bit/s for outgoing traffic (various suffixes supported)"},
	"limits.max":     {Help: "Same as modifying both limits.ingress and limits.egress"},
}

var nicMAAS = config.Schema{
	"maas.subnet.ipv4": {Help: "MAAS IPv4 subnet to register the instance in"},
	"maas.subnet.ipv6": {Help: "MAAS IPv6 subnet to register the instance in"},
}

var nicRoutes = config.Schema{
	"ipv4.routes": {Validate: config.IsList(config.IsCIDR), Help: "Comma-delimited list of IPv4 static routes to add on host to NIC"},
	"ipv6.routes": {Validate: config.IsList(config.IsCIDR), Help: "Comma-delimited list of IPv6 static routes to add on host to NIC"},
}

var nicSecurity = config.Schema{
	"security.mac_filtering":  boolKey("false", "Prevent the instance from spoofing another instance's MAC address"),
	"security.ipv4_filtering": boolKey("false", "Prevent the instance from spoofing another instance's IPv4 address"),
	"security.ipv6_filtering": boolKey("false", "Prevent the instance from spoofing another instance's IPv6 address"),
	"security.port_isolation": boolKey("false", "Prevent the NIC from communicating with other NICs in the network that have port isolation enabled"),
}

var nicParent = config.Schema{
	"parent":  {Help: "The name of the host device"},
	"network": {Help: "The managed network to link the device to (instead of nictype and parent)"},
	"vlan":    {Help: "The VLAN ID to attach to"},
}

var nicSchemas = map[string]config.Schema{
	"bridged": nicCommon.Merge(nicLimits, nicMAAS, nicRoutes, nicSecurity, nicParent, config.Schema{
		"host_name":            {Help: "The name of the interface on the host"},
		"ipv4.address":         {Validate: config.IsIPv4, Help: "An IPv4 address to assign to the instance through DHCP"},
		"ipv6.address":         {Validate: config.IsIPv6, Help: "An IPv6 address to assign to the instance through DHCP"},
		"ipv4.routes.external": {Validate: config.IsList(config.IsCIDR), Help: "IPv4 routes to route to the NIC and publish on uplink"},
		"ipv6.routes.external": {Validate: config.IsList(config.IsCIDR), Help: "IPv6 routes to route to the NIC and publish on uplink"},
		"vlan.tagged":          {Help: "Comma-delimited list of VLAN IDs to join for tagged traffic"},
	}),
	"macvlan": nicCommon.Merge(nicMAAS, nicParent, config.Schema{
		"gvrp": boolKey("false", "Register VLAN using GARP VLAN Registration Protocol"),
	}),
	"sriov": nicCommon.Merge(nicMAAS, nicParent, config.Schema{
		"security.mac_filtering": boolKey("false", "Prevent the instance from spoofing another instance's MAC address"),
	}),
	"physical": nicCommon.Merge(nicMAAS, nicParent, config.Schema{
		"gvrp": boolKey("false", "Register VLAN using GARP VLAN Registration Protocol"),
	}),
	"p2p": nicCommon.Merge(nicLimits, nicRoutes, config.Schema{
		"host_name": {Help: "The name of the interface on the host"},
	}),
	"ipvlan": nicCommon.Merge(config.Schema{
		"parent":          {Help: "The name of the host device"},
		"mode":            {Default: "l3s", Validate: isOneOf("l3s", "l2"), Help: "The IPVLAN mode (l2 or l3s)"},
		"vlan":            {Help: "The VLAN ID to attach to"},
		"ipv4.address":    {Help: "Comma-delimited list of IPv4 static addresses to add to the instance"},
		"ipv6.address":    {Help: "Comma-delimited list of IPv6 static addresses to add to the instance"},
		"ipv4.gateway":    {Default: "auto", Help: "Whether to add an automatic default IPv4 gateway (auto/none) or the gateway address"},
		"ipv6.gateway":    {Default: "auto", Help: "Whether to add an automatic default IPv6 gateway (auto/none) or the gateway address"},
		"ipv4.host_table": {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv4 static routes to"},
		"ipv6.host_table": {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv6 static routes to"},
	}),
	"routed": nicCommon.Merge(nicLimits, config.Schema{
		"parent":              {Help: "The name of the host device to join the instance to"},
		"host_name":           {Help: "The name of the interface on the host"},
		"vlan":                {Help: "The VLAN ID to attach to"},
		"ipv4.address":        {Help: "Comma-delimited list of IPv4 static addresses to add to the instance"},
		"ipv6.address":        {Help: "Comma-delimited list of IPv6 static addresses to add to the instance"},
		"ipv4.gateway":        {Default: "auto", Validate: isOneOf("auto", "none"), Help: "Whether to add an automatic default IPv4 gateway"},
		"ipv6.gateway":        {Default: "auto", Validate: isOneOf("auto", "none"), Help: "Whether to add an automatic default IPv6 gateway"},
		"ipv4.host_address":   {Default: "169.254.0.1", Validate: config.IsIPv4, Help: "The IPv4 address to add to the host-side veth interface"},
		"ipv6.host_address":   {Default: "fe80::1", Validate: config.IsIPv6, Help: "The IPv6 address to add to the host-side veth interface"},
		"ipv4.host_table":     {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv4 static routes to"},
		"ipv6.host_table":     {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv6 static routes to"},
		"ipv4.neighbor_probe": boolKey("true", "Whether to probe the parent network for IP address availability"),
		"ipv6.neighbor_probe": boolKey("true", "Whether to probe the parent network for IP address availability"),
	}),
}

// nictypes that need a parent device unless network is set.
var nicNeedsParent = map[string]bool{"bridged": true, "macvlan": true, "sriov": true, "physical": true, "ipvlan": true}

// networkNICType maps a managed network's type to the nictype its NICs get.
// LXD 5.0.2 has no NICs on physical networks (they serve as OVN uplinks).
var networkNICType = map[string]string{
	"bridge": "bridged", "macvlan": "macvlan", "sriov": "sriov", "ovn": "ovn",
}

func allNICKeys() config.Schema {
	out := config.Schema{}
	for _, t := range NICTypes() {
		out = out.Merge(nicSchemas[t])
	}
	return out
}

// NICTypes lists the nictypes with a key table, sorted, so merged tables and
// generated docs come out the same on every run.
func NICTypes() []string {
	out := make([]string, 0, len(nicSchemas))
	for t := range nicSchemas {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// NICKeys returns the key table of one nictype.
func NICKeys(nictype string) (config.Schema, bool) {
	s, ok := nicSchemas[nictype]
	return s, ok
}

func validateNIC(ctx context.Context, name string, dev map[string]string, all Devices, o DeviceOpts) error {
	if o.NIC != nil {
		return o.NIC(ctx, o.NetworkProject, name, dev)
	}
	nictype := dev["nictype"]
	if network := dev["network"]; network != "" {
		netType := "bridge"
		if o.Network != nil {
			t, err := o.Network(ctx, o.NetworkProject, network)
			if err != nil {
				return fmt.Errorf("Failed loading device %q: Failed to load network %q for project %q: %w", name, network, o.NetworkProject, err)
			}
			netType = t
		}
		if nictype == "" {
			if nictype = networkNICType[netType]; nictype == "" {
				return fmt.Errorf("Failed loading device %q: Unrecognised NIC network type for network %q", name, network)
			}
		}
	}
	schema, ok := nicSchemas[nictype]
	if !ok {
		return unsupported(name)
	}
	var required []string
	if nicNeedsParent[nictype] && dev["network"] == "" {
		required = []string{"parent"}
	}
	// LXD refuses a static address on an unmanaged bridge before it looks
	// at the address itself; a parent that is a managed bridge counts as
	// managed (LXD loads its network).
	if err := nicRules(nictype, dev, managedParent(ctx, nictype, dev, o)); err != nil {
		return err
	}
	if err := checkKeys(schema, required, dev); err != nil {
		return err
	}
	if nictype == "routed" && !o.Profile {
		return routedGatewayConflict(name, dev, all)
	}
	return nil
}

// routedGatewayConflict refuses a second routed NIC of an instance that
// adds an automatic default gateway for a family another one already
// adds: the instance can have one default route per family.
func routedGatewayConflict(name string, dev map[string]string, all Devices) error {
	others := make([]string, 0, len(all))
	for other := range all {
		others = append(others, other)
	}
	sort.Strings(others)
	// As LXD: the default (auto) counts even without an address of the
	// family.
	auto := func(d map[string]string, family string) bool {
		gw := d[family+".gateway"]
		return gw == "" || gw == "auto"
	}
	for _, other := range others {
		od := all[other]
		if other == name || od["type"] != "nic" || od["nictype"] != "routed" {
			continue
		}
		for _, family := range []string{"ipv4", "ipv6"} {
			if auto(dev, family) && auto(od, family) {
				return fmt.Errorf("Existing NIC %q already uses %q in auto mode", other, family+".gateway")
			}
		}
	}
	return nil
}

// nicNetworkBanned are the keys a NIC with network=<name> takes from the
// network instead, per nictype (LXD 5.0.2 refuses them in this order).
var nicNetworkBanned = map[string][]string{
	"bridged":  {"nictype", "parent", "mtu", "maas.subnet.ipv4", "maas.subnet.ipv6"},
	"macvlan":  {"nictype", "parent", "mtu", "vlan", "maas.subnet.ipv4", "maas.subnet.ipv6", "gvrp"},
	"physical": {"nictype", "parent", "mtu", "vlan", "maas.subnet.ipv4", "maas.subnet.ipv6", "gvrp"},
	"sriov":    {"nictype", "parent", "mtu", "vlan", "maas.subnet.ipv4", "maas.subnet.ipv6"},
}

// managedParent reports whether a bridged NIC's parent is a managed
// bridge network.
func managedParent(ctx context.Context, nictype string, dev map[string]string, o DeviceOpts) bool {
	if nictype != "bridged" || dev["network"] != "" || dev["parent"] == "" || o.Network == nil {
		return false
	}
	t, err := o.Network(ctx, o.NetworkProject, dev["parent"])
	return err == nil && t == "bridge"
}

func nicRules(nictype string, dev map[string]string, managedParent bool) error {
	if dev["network"] != "" {
		banned, ok := nicNetworkBanned[nictype]
		if !ok {
			banned = []string{"parent"}
		}
		for _, k := range banned {
			if dev[k] != "" {
				return fmt.Errorf("Cannot use %q property in conjunction with %q property", k, "network")
			}
		}
	}
	if nictype == "bridged" && dev["network"] == "" && !managedParent {
		for _, k := range []string{"ipv4.address", "ipv6.address"} {
			if dev[k] != "" {
				return fmt.Errorf("Cannot use manually specified %s when using unmanaged parent bridge", k)
			}
		}
	}
	return nil
}

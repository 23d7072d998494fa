package nic

import (
	"fmt"
	"net"
	"strings"

	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// NIC types LXD 5.0.2 knows.
const (
	Bridged  = "bridged"
	Macvlan  = "macvlan"
	P2P      = "p2p"
	Routed   = "routed"
	Physical = "physical"
	IPVLAN   = "ipvlan"
	SRIOV    = "sriov"
	OVN      = "ovn"
)

func isAutoNoneOr(family int) config.Validator {
	addr := network.IsAddress(family)
	return func(v string) error {
		if v == "auto" || v == "none" {
			return nil
		}
		return addr(v)
	}
}

var common = config.Schema{
	"type":          {Validate: config.IsOneOf("nic"), Help: "Device type"},
	"nictype":       {Validate: config.IsOneOf(Bridged, Macvlan, P2P, Routed, Physical, IPVLAN, SRIOV, OVN), Help: "The device type (required unless network is set)"},
	"name":          {Validate: network.IsInterfaceName, Help: "The name of the interface inside the instance"},
	"mtu":           {Type: config.Int, Validate: network.IsMTU, Help: "The MTU of the new interface"},
	"hwaddr":        {Validate: config.IsNetworkMAC, Help: "The MAC address of the new interface"},
	"boot.priority": {Type: config.Int, Validate: config.IsUint32, Help: "Boot priority for VMs (higher boots first)"},
}

var limitKeys = config.Schema{
	"limits.ingress": {Validate: config.IsBitRate, Help: "I/O limit in bit/s for incoming traffic (various suffixes supported)"},
	"limits.egress":  {Validate: config.IsBitRate, Help: "I/O limit in bit/s for outgoing traffic (various suffixes supported)"},
	"limits.max":     {Validate: config.IsBitRate, Help: "Same as modifying both limits.ingress and limits.egress"},
}

var maasKeys = config.Schema{
	"maas.subnet.ipv4": {Help: "MAAS IPv4 subnet to register the instance in"},
	"maas.subnet.ipv6": {Help: "MAAS IPv6 subnet to register the instance in"},
}

var routeKeys = config.Schema{
	"ipv4.routes": {Validate: config.IsList(network.IsSubnet(4)), Help: "Comma-delimited list of IPv4 static routes to add on host to NIC"},
	"ipv6.routes": {Validate: config.IsList(network.IsSubnet(6)), Help: "Comma-delimited list of IPv6 static routes to add on host to NIC"},
}

var schemas = map[string]config.Schema{
	Bridged: common.Merge(limitKeys, maasKeys, routeKeys, config.Schema{
		"parent":                  {Validate: network.IsInterfaceName, Help: "The name of the host bridge"},
		"network":                 {Help: "The managed network to link the device to (instead of parent)"},
		"host_name":               {Validate: network.IsInterfaceName, Help: "The name of the interface inside the host"},
		"ipv4.address":            {Validate: network.IsAddress(4), Help: "An IPv4 address to assign to the instance through DHCP"},
		"ipv6.address":            {Validate: network.IsAddress(6), Help: "An IPv6 address to assign to the instance through DHCP"},
		"ipv4.routes.external":    {Validate: config.IsList(network.IsSubnet(4)), Help: "IPv4 routes to route to the NIC and publish on uplink"},
		"ipv6.routes.external":    {Validate: config.IsList(network.IsSubnet(6)), Help: "IPv6 routes to route to the NIC and publish on uplink"},
		"security.mac_filtering":  {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Prevent the instance from spoofing another instance's MAC address"},
		"security.ipv4_filtering": {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Prevent the instance from spoofing another instance's IPv4 address (enables mac_filtering)"},
		"security.ipv6_filtering": {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Prevent the instance from spoofing another instance's IPv6 address (enables mac_filtering)"},
		"security.port_isolation": {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Prevent the NIC from communicating with other NICs in the network that have port isolation enabled"},
		"vlan":                    {Validate: vlanOrNone, Help: "The VLAN ID to use for non-tagged traffic (or none)"},
		"vlan.tagged":             {Validate: config.IsList(network.IsVLAN), Help: "Comma-delimited list of VLAN IDs to join for tagged traffic"},
	}),
	Macvlan: common.Merge(maasKeys, config.Schema{
		"parent":  {Validate: network.IsInterfaceName, Help: "The name of the host device"},
		"network": {Help: "The managed network to link the device to (instead of parent)"},
		"vlan":    {Validate: network.IsVLAN, Help: "The VLAN ID to attach to"},
		"gvrp":    {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Register VLAN using GARP VLAN Registration Protocol"},
	}),
	P2P: common.Merge(limitKeys, routeKeys, config.Schema{
		"host_name": {Validate: network.IsInterfaceName, Help: "The name of the interface inside the host"},
	}),
	Routed: common.Merge(limitKeys, config.Schema{
		"parent":              {Validate: network.IsInterfaceName, Help: "The name of the host device to join the instance to (proxy ARP/NDP)"},
		"host_name":           {Validate: network.IsInterfaceName, Help: "The name of the interface inside the host"},
		"ipv4.address":        {Validate: config.IsList(network.IsAddress(4)), Help: "Comma-delimited list of IPv4 static addresses to add to the instance"},
		"ipv6.address":        {Validate: config.IsList(network.IsAddress(6)), Help: "Comma-delimited list of IPv6 static addresses to add to the instance"},
		"ipv4.gateway":        {Default: "auto", Validate: config.IsOneOf("auto", "none"), Help: "Whether to add an automatic default IPv4 gateway"},
		"ipv6.gateway":        {Default: "auto", Validate: config.IsOneOf("auto", "none"), Help: "Whether to add an automatic default IPv6 gateway"},
		"ipv4.host_address":   {Default: "169.254.0.1", Validate: network.IsAddress(4), Help: "The IPv4 address to add to the host-side veth interface"},
		"ipv6.host_address":   {Default: "fe80::1", Validate: network.IsAddress(6), Help: "The IPv6 address to add to the host-side veth interface"},
		"ipv4.host_table":     {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv4 static routes to"},
		"ipv6.host_table":     {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv6 static routes to"},
		"ipv4.neighbor_probe": {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to probe the parent network for IP address availability"},
		"ipv6.neighbor_probe": {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to probe the parent network for IP address availability"},
		"vlan":                {Validate: network.IsVLAN, Help: "The VLAN ID to attach to"},
	}),
	Physical: common.Merge(maasKeys, config.Schema{
		"parent":  {Validate: network.IsInterfaceName, Help: "The name of the host device"},
		"network": {Help: "The managed network to link the device to (instead of parent)"},
		"vlan":    {Validate: network.IsVLAN, Help: "The VLAN ID to attach to"},
		"gvrp":    {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Register VLAN using GARP VLAN Registration Protocol"},
	}),
	IPVLAN: common.Merge(config.Schema{
		"parent":          {Validate: network.IsInterfaceName, Help: "The name of the host device"},
		"mode":            {Default: "l3s", Validate: config.IsOneOf("l2", "l3s"), Help: "The IPVLAN mode"},
		"ipv4.address":    {Validate: config.IsList(isCIDROrAddress(4)), Help: "Comma-delimited list of IPv4 static addresses to add to the instance"},
		"ipv6.address":    {Validate: config.IsList(isCIDROrAddress(6)), Help: "Comma-delimited list of IPv6 static addresses to add to the instance"},
		"ipv4.gateway":    {Default: "auto", Validate: isAutoNoneOr(4), Help: "In l3s mode, whether to add an automatic default gateway; in l2 mode, the gateway address"},
		"ipv6.gateway":    {Default: "auto", Validate: isAutoNoneOr(6), Help: "In l3s mode, whether to add an automatic default gateway; in l2 mode, the gateway address"},
		"ipv4.host_table": {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv4 static routes to"},
		"ipv6.host_table": {Validate: config.IsUint32, Help: "The custom policy routing table ID to add IPv6 static routes to"},
		"vlan":            {Validate: network.IsVLAN, Help: "The VLAN ID to attach to"},
	}),
	SRIOV: common.Merge(maasKeys, config.Schema{
		"parent":                 {Validate: network.IsInterfaceName, Help: "The name of the host device"},
		"network":                {Help: "The managed network to link the device to (instead of parent)"},
		"vlan":                   {Validate: network.IsVLAN, Help: "The VLAN ID to attach to"},
		"security.mac_filtering": {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Prevent the instance from spoofing another instance's MAC address"},
	}),
}

func vlanOrNone(v string) error {
	if v == "none" {
		return nil
	}
	return network.IsVLAN(v)
}

func isCIDROrAddress(family int) config.Validator {
	addr := network.IsAddress(family)
	return func(v string) error {
		if i := strings.IndexByte(v, '/'); i >= 0 {
			if _, _, err := net.ParseCIDR(v); err != nil {
				return fmt.Errorf("Invalid address %q", v)
			}
			v = v[:i]
		}
		return addr(v)
	}
}

// Keys returns the key table of one nictype (LXD 5.0.2 names). ovn has no
// table here: it is refused outright.
func Keys(nictype string) (config.Schema, error) {
	s, ok := schemas[nictype]
	if !ok {
		if nictype == OVN {
			return nil, api.BadRequest("NIC type %q is not supported by this server (no OVN support)", nictype)
		}
		return nil, api.BadRequest("Invalid NIC type %q", nictype)
	}
	return s, nil
}

// Validate checks a NIC device config: keys of its nictype and the rules
// between keys. It does not look at the host; Create does.
func Validate(cfg map[string]string) error {
	nictype := cfg["nictype"]
	if nictype == "" {
		return api.BadRequest("Missing nic type")
	}
	schema, err := Keys(nictype)
	if err != nil {
		return err
	}
	if err := schema.Validate(cfg); err != nil {
		return api.BadRequest("Invalid device option: %w", err)
	}
	if cfg["network"] != "" && cfg["parent"] != "" {
		return api.BadRequest(`Cannot use "parent" property in conjunction with "network" property`)
	}
	switch nictype {
	case Bridged, Macvlan, Physical, IPVLAN, SRIOV:
		if cfg["parent"] == "" && cfg["network"] == "" {
			return api.BadRequest(`Missing "parent" or "network" property`)
		}
	case Routed:
		if cfg["ipv4.address"] == "" && cfg["ipv6.address"] == "" {
			return api.BadRequest(`Routed NICs need at least one of "ipv4.address" or "ipv6.address"`)
		}
	}
	return nil
}

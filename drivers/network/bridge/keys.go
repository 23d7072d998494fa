package bridge

import (
	"fmt"
	"regexp"

	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/config"
)

// Values of ipv4.address / ipv6.address with a meaning of their own.
const (
	addrAuto = "auto"
	addrNone = "none"
)

func isAddressOrKeyword(family int) config.Validator {
	cidr := network.IsHostAddressCIDR(family)
	return func(v string) error {
		if v == addrAuto || v == addrNone {
			return nil
		}
		return cidr(v)
	}
}

var domainRe = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)*$`)

func isDomain(v string) error {
	if len(v) > 253 || !domainRe.MatchString(v) {
		return fmt.Errorf("Invalid domain name %q", v)
	}
	return nil
}

var keys = config.Schema{
	"bridge.driver":              {Default: "native", Validate: config.IsOneOf("native", "openvswitch"), Help: "Bridge driver: native or openvswitch (openvswitch is not supported here)"},
	"bridge.external_interfaces": {Validate: config.IsList(network.IsInterfaceName), Scope: config.Member, Help: "Comma-separated list of unconfigured network interfaces to include in the bridge"},
	"bridge.hwaddr":              {Validate: config.IsNetworkMAC, Help: "MAC address for the bridge"},
	"bridge.mode":                {Default: "standard", Validate: config.IsOneOf("standard", "fan"), Help: "Bridge operation mode: standard or fan (fan is not supported here)"},
	"bridge.mtu":                 {Type: config.Int, Default: "1500", Validate: network.IsMTU, Help: "Bridge MTU"},

	"dns.domain":            {Default: "lxd", Validate: isDomain, Help: "Domain to advertise to DHCP clients and use for DNS resolution"},
	"dns.mode":              {Default: "managed", Validate: config.IsOneOf("none", "managed", "dynamic"), Help: "DNS registration mode: none, managed (names from instances) or dynamic (names from clients)"},
	"dns.search":            {Validate: config.IsList(isDomain), Help: "Full comma-separated domain search list, defaulting to dns.domain"},
	"dns.zone.forward":      {Help: "DNS zone name for forward DNS records (network zones are not served here)"},
	"dns.zone.reverse.ipv4": {Help: "DNS zone name for IPv4 reverse DNS records (network zones are not served here)"},
	"dns.zone.reverse.ipv6": {Help: "DNS zone name for IPv6 reverse DNS records (network zones are not served here)"},

	"fan.overlay_subnet":  {Default: "240.0.0.0/8", Validate: network.IsSubnet(4), Help: "Subnet to use as the overlay for the FAN (fan mode is not supported here)"},
	"fan.type":            {Default: "vxlan", Validate: config.IsOneOf("vxlan", "ipip"), Help: "Tunneling type for the FAN"},
	"fan.underlay_subnet": {Validate: network.IsSubnet(4), Help: "Subnet to use as the underlay for the FAN"},

	"ipv4.address":      {Validate: isAddressOrKeyword(4), Help: "IPv4 address for the bridge (CIDR notation), auto or none"},
	"ipv4.dhcp":         {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to allocate addresses using DHCP"},
	"ipv4.dhcp.expiry":  {Default: "1h", Validate: network.IsLeaseExpiry, Help: "When to expire DHCP leases"},
	"ipv4.dhcp.gateway": {Validate: network.IsAddress(4), Help: "Address of the gateway for the subnet (defaults to ipv4.address)"},
	"ipv4.dhcp.ranges":  {Validate: network.IsRangeList(4), Help: "Comma-separated list of IP ranges to use for DHCP (FIRST-LAST format)"},
	"ipv4.firewall":     {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to generate filtering firewall rules for this network"},
	"ipv4.nat":          {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Whether to NAT (defaults to true for new networks with ipv4.address auto)"},
	"ipv4.nat.address":  {Validate: network.IsAddress(4), Help: "The source address used for outbound traffic from the bridge"},
	"ipv4.nat.order":    {Default: "before", Validate: config.IsOneOf("before", "after"), Help: "Whether to add the required NAT rules before or after any pre-existing rules"},
	"ipv4.ovn.ranges":   {Validate: network.IsRangeList(4), Help: "IPv4 ranges to use for child OVN network routers (OVN is not supported here)"},
	"ipv4.routes":       {Validate: config.IsList(network.IsSubnet(4)), Help: "Comma-separated list of additional IPv4 CIDR subnets to route to the bridge"},
	"ipv4.routing":      {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to route traffic in and out of the bridge"},

	"ipv6.address":       {Validate: isAddressOrKeyword(6), Help: "IPv6 address for the bridge (CIDR notation), auto or none"},
	"ipv6.dhcp":          {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to provide additional network configuration over DHCP"},
	"ipv6.dhcp.expiry":   {Default: "1h", Validate: network.IsLeaseExpiry, Help: "When to expire DHCP leases"},
	"ipv6.dhcp.ranges":   {Validate: network.IsRangeList(6), Help: "Comma-separated list of IPv6 ranges to use for DHCP (FIRST-LAST format)"},
	"ipv6.dhcp.stateful": {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Whether to allocate addresses using DHCP"},
	"ipv6.firewall":      {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to generate filtering firewall rules for this network"},
	"ipv6.nat":           {Type: config.Bool, Default: "false", Validate: config.IsBool, Help: "Whether to NAT (defaults to true for new networks with ipv6.address auto)"},
	"ipv6.nat.address":   {Validate: network.IsAddress(6), Help: "The source address used for outbound traffic from the bridge"},
	"ipv6.nat.order":     {Default: "before", Validate: config.IsOneOf("before", "after"), Help: "Whether to add the required NAT rules before or after any pre-existing rules"},
	"ipv6.ovn.ranges":    {Validate: network.IsRangeList(6), Help: "IPv6 ranges to use for child OVN network routers (OVN is not supported here)"},
	"ipv6.routes":        {Validate: config.IsList(network.IsSubnet(6)), Help: "Comma-separated list of additional IPv6 CIDR subnets to route to the bridge"},
	"ipv6.routing":       {Type: config.Bool, Default: "true", Validate: config.IsBool, Help: "Whether to route traffic in and out of the bridge"},

	"maas.subnet.ipv4": {Help: "MAAS IPv4 subnet to register instances in"},
	"maas.subnet.ipv6": {Help: "MAAS IPv6 subnet to register instances in"},

	"raw.dnsmasq": {Help: "Additional dnsmasq configuration to append to the configuration file"},

	"security.acls":                        {Help: "Comma-separated list of Network ACLs (not supported here)"},
	"security.acls.default.egress.action":  {Validate: config.IsOneOf("allow", "reject", "drop"), Help: "Action for egress traffic not matching any ACL rule"},
	"security.acls.default.egress.logged":  {Type: config.Bool, Validate: config.IsBool, Help: "Whether to log egress traffic not matching any ACL rule"},
	"security.acls.default.ingress.action": {Validate: config.IsOneOf("allow", "reject", "drop"), Help: "Action for ingress traffic not matching any ACL rule"},
	"security.acls.default.ingress.logged": {Type: config.Bool, Validate: config.IsBool, Help: "Whether to log ingress traffic not matching any ACL rule"},

	"tunnel.*.protocol":  {Validate: config.IsOneOf("gre", "vxlan"), Help: "Tunneling protocol: vxlan or gre (gre is not supported by this kernel)"},
	"tunnel.*.local":     {Validate: config.IsIP, Help: "Local address for the tunnel (not necessary for multicast vxlan)"},
	"tunnel.*.remote":    {Validate: config.IsIP, Help: "Remote address for the tunnel (not necessary for multicast vxlan)"},
	"tunnel.*.group":     {Default: "239.0.0.1", Validate: config.IsIP, Help: "Multicast address for vxlan (used if local and remote aren't set)"},
	"tunnel.*.port":      {Type: config.Int, Default: "0", Validate: config.IsIntRange(0, 65535), Help: "Specific port to use for the vxlan tunnel"},
	"tunnel.*.id":        {Type: config.Int, Default: "0", Validate: config.IsIntRange(0, 16777215), Help: "Specific tunnel ID to use for the vxlan tunnel"},
	"tunnel.*.interface": {Validate: network.IsInterfaceName, Help: "Specific host interface to use for the tunnel"},
	"tunnel.*.ttl":       {Type: config.Int, Default: "1", Validate: config.IsIntRange(1, 255), Help: "Specific TTL to use for multicast routing topologies"},

	"bgp.peers.*.address":  {Validate: config.IsIP, Help: "Peer address (BGP is not supported here)"},
	"bgp.peers.*.asn":      {Validate: config.IsUint32, Help: "Peer AS number"},
	"bgp.peers.*.password": {Help: "Peer session password"},
	"bgp.peers.*.holdtime": {Validate: config.IsUint32, Help: "Peer session hold time"},
	"bgp.ipv4.nexthop":     {Validate: network.IsAddress(4), Help: "Override the IPv4 next-hop for advertised prefixes"},
	"bgp.ipv6.nexthop":     {Validate: network.IsAddress(6), Help: "Override the IPv6 next-hop for advertised prefixes"},

	"user.*":     {Help: "Free-form user key/value storage"},
	"volatile.*": {ReadOnly: true, Help: "Internal state kept by the daemon"},
}

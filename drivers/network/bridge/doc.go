// Package bridge is the "bridge" network type: a native Linux bridge with
// its addresses, MTU, MAC and routes, vxlan tunnels and external interfaces
// as ports, a supervised dnsmasq for DHCP/DNS/RA, and the network's
// nftables chains (NAT, and accept rules for DHCP/DNS when ipv4.firewall /
// ipv6.firewall are on) inside the daemon's own `table inet <FirewallTable>`.
//
// Start is idempotent and converges the host to the config, which makes it
// the restore path after a daemon restart as well as the body of Update.
// Open vSwitch bridges and fan mode are refused with a clear error.
//
// It imports drivers/network, drivers/internal/{iproute,nft,dnsmasq},
// shared/* and the standard library.
package bridge

// Package nic is the host side of container NIC devices: for each nictype it
// creates what lives on the host (veth pairs, macvlans, routes, proxy ARP,
// filtering rules, rate limits), hands back the interface liblxc must move
// into the container, and removes it all again. The daemon's devices code
// calls it; it keeps no state of its own: what Remove needs comes back in
// the Result's Volatile map, which the caller stores as volatile.<dev>.*.
//
// How the caller wires a Result into liblxc (Result.LXCConfig renders it):
//
//	lxc.net.N.type   = phys           every kind: the device already exists
//	lxc.net.N.link   = Result.Device  the interface liblxc moves in
//	lxc.net.N.name   = config "name"  (eth0)
//	lxc.net.N.flags  = up
//	lxc.net.N.hwaddr = Result.Hwaddr  when set
//	lxc.net.N.mtu    = Result.MTU     when set
//	routed only:
//	lxc.net.N.ipv4.address = <ip>/32 for each ipv4.address
//	lxc.net.N.ipv4.gateway = 169.254.0.1 (ipv4.host_address), unless ipv4.gateway=none
//	lxc.net.N.ipv6.address = <ip>/128, lxc.net.N.ipv6.gateway = fe80::1 likewise
//
// Per kind:
//   - bridged: veth pair; host end (host_name or veth<8hex>) joined to the
//     parent bridge (an isolated port with security.port_isolation);
//     security.mac_filtering / ipv4_filtering / ipv6_filtering become a
//     chain in the daemon's `table bridge <table>` matching the host end;
//     ipv4.routes/ipv6.routes are on-link host routes to the bridge (as
//     LXD 5.0.2). Update applies LXD's in-place keys (filtering, limits,
//     routes, static addresses) to a running NIC.
//   - p2p: veth pair, host end up and unattached; routes via the host end.
//   - routed: veth pair; host end carries 169.254.0.1/32 and fe80::1/64,
//     /32 and /128 routes to the instance addresses (also in host_table when
//     set), proxy ARP/NDP entries on parent when set; with a parent, its
//     IPv4 addresses are first probed there (ARP, ipv4.neighbor_probe).
//   - macvlan: a macvlan (mode bridge) on parent; vlan is refused (this
//     kernel has no 802.1Q).
//   - physical: parent itself is handed over; its MTU and MAC are recorded
//     and restored by Remove.
//   - ipvlan, sriov: validate, then Create refuses them clearly.
//
// limits.ingress is an HTB qdisc on the host end (what the instance
// receives); limits.egress is an nftables `limit rate over` drop rule on an
// ingress hook of the host end in `table netdev <table>` (this kernel has no
// tc police action). limits.max sets both.
//
// It imports drivers/network, drivers/internal/{iproute,nft}, shared/*,
// golang.org/x/sys/unix (ARP probes) and the standard library.
package nic

// Package network is the managed network service: it owns the network rows
// (networks, networks_members), turns them into drivers/network.Network
// values for the driver of each type, and runs the lifecycle LXD 5.0.2
// exposes through /1.0/networks: create (with defaults, validation and full
// revert), update, rename, delete (refused while in use), state, leases,
// used_by, and the restore of every network at daemon start.
//
// For the instance/NIC services it offers:
//   - Network(ctx, project, name): resolve `network=<x>` of a NIC device into
//     the managed network (effective config, driver) to validate NIC keys
//     against (ipv4.address inside the subnet, the bridge to attach to);
//   - RefreshStaticLeases(ctx, project, name): recompute dnsmasq's static
//     hosts of a bridge from the database (every NIC of every instance of
//     this member that uses it) after a NIC's hwaddr / ipv4.address /
//     ipv6.address changed, or an instance using it was created, renamed
//     or deleted;
//   - FilterAddresses(ctx, project, name, mac, v4, v6): the addresses a
//     bridged NIC with security.ipv4/ipv6_filtering but no static address
//     may use: its lease (or a free address of the DHCP range; EUI-64 with
//     SLAAC), pinned per MAC in the network's state directory and served
//     as a static host (filterips.go);
//   - UsedBy / InUse helpers through Get.
//
// Networks live in the "default" project unless the request's project has
// features.networks=true (then in that project, where only OVN networks
// could exist in LXD 5.0.2: every type this server supports is refused
// there, as LXD refuses bridge/macvlan/physical).
//
// It imports cluster (the live member identity), cluster/db, daemon/request,
// drivers/network and shared/*.
package network

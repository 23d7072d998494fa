// Package network declares the network Driver interface every network type
// implements (bridge, macvlan, physical), the Network value the daemon's
// network service hands to it, the validators shared by network and NIC key
// tables, and the read-only view of unmanaged host interfaces
// (HostInterfaces, InterfaceState) for GET /1.0/networks.
//
// Drivers keep no database: everything they need arrives in Network
// (config, state directory, firewall table, static leases, the other
// networks for overlap checks). Implementations live in sub-packages
// (bridge/, macvlan/, physical/), each called Driver; the daemon builds its
// registry from their New functions. nic/ holds the host side of NIC
// devices, networktest/ the conformance suite.
//
// It imports shared/*, drivers/internal/iproute and the standard library.
package network

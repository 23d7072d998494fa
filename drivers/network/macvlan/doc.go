// Package macvlan is the "macvlan" network type: a named parent interface
// (optionally with a VLAN) that NICs with network=<this> turn into macvlan
// devices. The network itself creates nothing on the host; Start checks the
// parent, State reports it. VLANs need 802.1Q, which this kernel lacks, so a
// vlan key validates but Start refuses it.
//
// It imports drivers/network, drivers/internal/iproute, shared/* and the
// standard library.
package macvlan

// Package physical is the "physical" network type: an existing host
// interface handed whole to one instance NIC (network=<this>). Start checks
// the parent, brings it up and applies mtu (remembering the original MTU in
// StateDir so Stop can restore it). VLANs need 802.1Q, which this kernel
// lacks, so a vlan key validates but Start refuses it.
//
// It imports drivers/network, drivers/internal/iproute, shared/* and the
// standard library.
package physical

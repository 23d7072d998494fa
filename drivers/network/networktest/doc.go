// Package networktest is the conformance suite for network drivers
// (Run) plus the helpers integration tests share: unique names following the
// test naming rules (bridges "lxnt*", namespaces "lxdngnt-*", nft tables
// "lxdngnt_*", subnets in 10.201.0.0/16), network namespaces standing in for
// instances, a real DHCP client (busybox udhcpc), pings, and polling with a
// deadline. Everything it creates is removed at t.Cleanup.
//
// It is only for tests and runs as root against the real host stack. It
// imports drivers/network, drivers/internal/{iproute,nft}, shared/api and
// the standard library.
package networktest

// Package instconfig owns the instance configuration keys and the device
// tables of LXD 5.0.2: the one schema that instances and profiles validate
// against, per-type device key tables and rules (root disk, proxy
// addresses, unix devices...), and the expansion of profiles into an
// instance's effective config and devices.
//
// It is pure: no database, no host access. Checks that need other services
// (does this network exist, is this NIC valid for its nictype) come in as
// functions in DeviceOpts, so the NIC table of drivers/network/nic can be
// plugged in by the daemon.
//
// It imports shared/* and drivers/instance/proxy/proxyconf (the proxy
// device's address syntax and key rules: pure, standard library only).
package instconfig

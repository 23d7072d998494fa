// Package instancetest is the conformance suite of instance drivers:
// Run(t, factory) drives real instances (a busybox root filesystem built by
// shared/testimage) through lifecycle, exec, console, limits, id mapping,
// devices, hotplug and driver restarts. Each driver's integration test calls
// it. It needs root and the host tools the driver needs.
//
// It imports drivers/instance, shared/* and the standard library.
package instancetest

// Package proxyconf is the pure part of the proxy device: the listen and
// connect address syntax (ParseAddress), the rules across the device's keys
// (ValidateConfig) with LXD 5.0.2's error texts, and how listen ports map to
// connect ports. The daemon's device validation (daemon/instconfig) and the
// proxy driver both use it.
//
// It imports only the standard library.
package proxyconf

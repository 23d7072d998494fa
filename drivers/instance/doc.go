// Package instance declares what the daemon's instance service needs from an
// instance driver (Driver and the optional Hotplugger and LimitsUpdater), and
// the values passing between them: Ref, Spec with its DeviceSpecs, State,
// ExecReq and Process.
//
// Drivers are stateless between calls and keyed by Ref: everything a call
// needs comes from its arguments or from what the driver left on disk or in
// the running instance, so a fresh Driver value (after a daemon restart)
// operates instances started by an older one. Drivers never touch the
// database; the instance service owns records, storage mounts, the host side
// of devices and templates.
//
// Implementations live in sub-packages (lxc/); instancetest/ is the
// conformance suite every implementation passes; idmap/ holds the id mapping
// logic of unprivileged containers.
//
// It imports shared/* and its own idmap sub-package only.
package instance

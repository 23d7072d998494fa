// Package profiles is the profile service: profile records per project
// (following the project's features.profiles), validation of their config
// and devices against daemon/instconfig, used_by, lifecycle events, and a
// hook (OnUpdate) the instance service registers to re-apply a changed
// profile to the instances using it.
//
// It imports cluster/db, daemon/instconfig, daemon/request and shared/*;
// the project service comes in as the Projects interface.
package profiles

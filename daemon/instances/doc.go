// Package instances is the instance service: it owns the instances and
// instances_snapshots records, gives every instance its root volume through
// the storage service, prepares the host side of its devices, drives the
// instance driver (drivers/instance) to create, start, stop, freeze and
// delete it, applies image templates, takes and prunes scheduled snapshots,
// re-attaches to containers that outlived a daemon restart, autostarts
// instances at daemon start and stops them in order at `lxd shutdown`.
//
// Devices of a running instance follow its config (hotplug.go): added,
// removed or changed disk, unix and nic devices are hot-plugged through
// the driver's Hotplugger (NICs whose changed keys LXD updates in place,
// like filtering, limits, routes and static addresses, are updated on the
// host side only), also when a profile the instance uses changes
// (ProfileUpdated gets the old profile and applies the difference). The
// driver's stop hook (OnStopNS) returns hot-plugged physical NICs to the
// host before the instance's network namespace goes away.
//
// Every operation on one instance is serialised by a per-instance lock;
// every create path reverts fully on failure (no record, no volume, no
// driver files). Lifecycle events carry LXD's action names and contexts.
//
// The services it needs (storage volumes, images, networks) come in as the
// small interfaces of service.go, declared here on the consumer side.
//
// It imports cluster (live member identity), cluster/db, daemon/instconfig,
// daemon/instances/{rootfs,
// templates}, daemon/images/imagefile, daemon/storage (instance volume
// types), daemon/request, drivers/instance (and idmap), drivers/network/nic,
// drivers/storage (types) and shared/*.
package instances

// Package storage is the daemon's storage service (LXD's "backend"): it owns
// the pool, volume and volume-snapshot records of the cluster database,
// drives the storage drivers (drivers/storage) with them, counts volume
// mounts so that a volume used twice is unmounted only when its last user
// lets go, takes scheduled volume snapshots and prunes expired ones.
//
// The REST handlers (daemon/api) call the custom-volume and pool methods;
// the instance service calls the instance-volume API of instances.go
// (image volumes, instance root volumes, their snapshots and mounts).
//
// Every state change publishes LXD's lifecycle event. Errors carry LXD's
// wording and HTTP status.
//
// It imports cluster (the live member identity, cluster.Self), cluster/db,
// drivers/storage (and its rsync package),
// daemon/request, shared/* and the standard library. The driver
// implementations arrive already built, from the registry in
// daemon/drivers.go.
package storage

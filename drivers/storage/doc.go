// Package storage declares the storage Driver interface that the daemon's
// storage service calls, the Pool and Volume values it passes, the on-disk
// layout shared by the local drivers, the common pool and volume key tables,
// and the sentinel errors drivers return.
//
// Drivers are stateless with respect to the daemon: they keep no database and
// no mount reference counts. Everything they need (pool paths, config, volume
// names already prefixed with the project) arrives in arguments, and what
// exists on disk is the only state they consult.
//
// Implementations live in sub-packages (dir, btrfs), each type called Driver.
// storagetest holds the conformance suite every implementation passes; rsync
// copies and streams volume trees between pools and hosts.
//
// This package imports shared/* and the standard library only.
package storage

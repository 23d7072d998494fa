package storage

import (
	"errors"
	"net/http"

	"github.com/lxdng/lxd/shared/api"
)

// Sentinel errors. Drivers wrap them (directly or inside an api.StatusError
// carrying the HTTP status) so callers test them with errors.Is.
var (
	// ErrNotSupported: the driver cannot do this. Its text is LXD's answer
	// ("Not supported", a 500 in LXD 5.0.2).
	ErrNotSupported = errors.New("Not supported")
	// ErrVolumeNotFound: the volume does not exist on disk.
	ErrVolumeNotFound = errors.New("Storage volume not found")
	// ErrSnapshotNotFound: the snapshot does not exist on disk.
	ErrSnapshotNotFound = errors.New("Storage volume snapshot not found")
	// ErrVolumeExists: a volume or snapshot of that name is already on disk.
	ErrVolumeExists = errors.New("Storage volume already exists")
	// ErrCannotBeShrunk: the volume cannot get smaller.
	ErrCannotBeShrunk = errors.New("Cannot be shrunk")
	// ErrPoolNotMounted: the pool's backing store is not available.
	ErrPoolNotMounted = errors.New("Storage pool is not mounted")
)

// VolumeNotFound is a 404 for v wrapping ErrVolumeNotFound (or
// ErrSnapshotNotFound when v addresses a snapshot).
func VolumeNotFound(v Volume) error {
	if v.Snapshot != "" {
		return &api.StatusError{Status: http.StatusNotFound, Msg: ErrSnapshotNotFound.Error(), Err: ErrSnapshotNotFound}
	}
	return &api.StatusError{Status: http.StatusNotFound, Msg: ErrVolumeNotFound.Error(), Err: ErrVolumeNotFound}
}

// VolumeExists is a 409 wrapping ErrVolumeExists.
func VolumeExists(v Volume) error {
	msg := ErrVolumeExists.Error()
	if v.Snapshot != "" {
		msg = "Storage volume snapshot already exists"
	}
	return &api.StatusError{Status: http.StatusConflict, Msg: msg, Err: ErrVolumeExists}
}

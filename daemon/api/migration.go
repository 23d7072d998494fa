package api

import (
	"context"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
)

// MigrationService starts the two ends of migrations between servers
// (daemon/migration).
type MigrationService interface {
	// MigrateVolume is the source of a custom volume migration (POST on
	// the volume with "migration": true).
	MigrateVolume(ctx context.Context, ref storage.VolumeRef, req api.StorageVolumePost) (*operations.Op, error)
	// ReceiveVolume is its target (POST .../volumes with source.type
	// "migration").
	ReceiveVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) (*operations.Op, error)
}

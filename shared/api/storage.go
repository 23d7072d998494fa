package api

import "time"

// Storage pool statuses.
const (
	StoragePoolStatusPending     = "Pending"
	StoragePoolStatusCreated     = "Created"
	StoragePoolStatusErrored     = "Errored"
	StoragePoolStatusUnknown     = "Unknown"
	StoragePoolStatusUnavailable = "Unavailable"
)

// StoragePoolPut is the writable part of a storage pool (PUT/PATCH
// /1.0/storage-pools/{name}).
type StoragePoolPut struct {
	// Config holds the pool keys ("source", "size", "volume.size", ...).
	Config      map[string]string `json:"config" yaml:"config"`
	Description string            `json:"description" yaml:"description"`
}

// StoragePoolsPost creates a pool (POST /1.0/storage-pools).
type StoragePoolsPost struct {
	StoragePoolPut `yaml:",inline"`

	Name string `json:"name" yaml:"name"`
	// Driver is dir, btrfs, lvm, zfs, ceph or cephfs.
	Driver string `json:"driver" yaml:"driver"`
}

// StoragePool is GET /1.0/storage-pools/{name}. Field order matches LXD's
// output; 5.0.2 sends no ETag for pools.
type StoragePool struct {
	StoragePoolPut `yaml:",inline"`

	Name   string   `json:"name" yaml:"name"`
	Driver string   `json:"driver" yaml:"driver"`
	UsedBy []string `json:"used_by" yaml:"used_by"`
	// Status is one of the StoragePoolStatus* values.
	Status string `json:"status" yaml:"status"`
	// Locations lists the cluster members that have the pool ("none" when
	// not clustered).
	Locations []string `json:"locations" yaml:"locations"`
}

// ResourcesStoragePool is GET /1.0/storage-pools/{name}/resources.
type ResourcesStoragePool struct {
	Space  ResourcesStoragePoolSpace  `json:"space,omitempty" yaml:"space,omitempty"`
	Inodes ResourcesStoragePoolInodes `json:"inodes,omitempty" yaml:"inodes,omitempty"`
}

// ResourcesStoragePoolSpace is the disk space of a pool, in bytes.
type ResourcesStoragePoolSpace struct {
	Used  uint64 `json:"used,omitempty" yaml:"used,omitempty"`
	Total uint64 `json:"total" yaml:"total"`
}

// ResourcesStoragePoolInodes is the inode use of a pool (zero on drivers
// that do not count inodes, like btrfs).
type ResourcesStoragePoolInodes struct {
	Used  uint64 `json:"used" yaml:"used"`
	Total uint64 `json:"total" yaml:"total"`
}

// StorageVolumePut is the writable part of a volume (PUT/PATCH
// /1.0/storage-pools/{pool}/volumes/{type}/{name}). Restore names a
// snapshot to restore the volume to.
type StorageVolumePut struct {
	Config      map[string]string `json:"config" yaml:"config"`
	Description string            `json:"description" yaml:"description"`
	Restore     string            `json:"restore,omitempty" yaml:"restore,omitempty"`
}

// StorageVolumeSource says where a new volume's content comes from: empty
// Type for an empty volume, "copy" from another volume (Pool/Name, maybe
// on another server through Operation/Websockets), "migration" for a
// push/pull transfer.
type StorageVolumeSource struct {
	Name        string `json:"name" yaml:"name"`
	Type        string `json:"type" yaml:"type"`
	Pool        string `json:"pool" yaml:"pool"`
	Certificate string `json:"certificate" yaml:"certificate"`
	// Mode is "pull" (default) or "push" for migration sources.
	Mode       string            `json:"mode,omitempty" yaml:"mode,omitempty"`
	Operation  string            `json:"operation,omitempty" yaml:"operation,omitempty"`
	Websockets map[string]string `json:"secrets,omitempty" yaml:"secrets,omitempty"`
	// VolumeOnly copies the volume without its snapshots.
	VolumeOnly bool `json:"volume_only" yaml:"volume_only"`
	// Refresh updates an existing copy instead of creating one.
	Refresh bool   `json:"refresh" yaml:"refresh"`
	Project string `json:"project,omitempty" yaml:"project,omitempty"`
}

// StorageVolumesPost creates a volume (POST
// /1.0/storage-pools/{pool}/volumes/{type}).
type StorageVolumesPost struct {
	StorageVolumePut `yaml:",inline"`

	Name string `json:"name" yaml:"name"`
	// Type is "custom" for user-created volumes.
	Type   string              `json:"type" yaml:"type"`
	Source StorageVolumeSource `json:"source" yaml:"source"`
	// ContentType is "filesystem" (default) or "block".
	ContentType string `json:"content_type" yaml:"content_type"`
}

// StorageVolumePostTarget is the far end of a push migration.
type StorageVolumePostTarget struct {
	Certificate string            `json:"certificate" yaml:"certificate"`
	Operation   string            `json:"operation,omitempty" yaml:"operation,omitempty"`
	Websockets  map[string]string `json:"secrets,omitempty" yaml:"secrets,omitempty"`
}

// StorageVolumePost renames a volume, moves it to another pool or project,
// or starts a migration (POST
// /1.0/storage-pools/{pool}/volumes/{type}/{name}).
type StorageVolumePost struct {
	Name       string                   `json:"name" yaml:"name"`
	Pool       string                   `json:"pool,omitempty" yaml:"pool,omitempty"`
	Migration  bool                     `json:"migration" yaml:"migration"`
	Target     *StorageVolumePostTarget `json:"target" yaml:"target"`
	VolumeOnly bool                     `json:"volume_only" yaml:"volume_only"`
	Project    string                   `json:"project,omitempty" yaml:"project,omitempty"`
}

// StorageVolume is GET /1.0/storage-pools/{pool}/volumes/{type}/{name}.
// Field order matches LXD's output.
type StorageVolume struct {
	StorageVolumePut `yaml:",inline"`

	Name   string   `json:"name" yaml:"name"`
	Type   string   `json:"type" yaml:"type"`
	UsedBy []string `json:"used_by" yaml:"used_by"`
	// Location is the member holding the volume ("none" when not clustered).
	Location    string    `json:"location" yaml:"location"`
	ContentType string    `json:"content_type" yaml:"content_type"`
	Project     string    `json:"project" yaml:"project"`
	CreatedAt   time.Time `json:"created_at" yaml:"created_at"`
}

// StorageVolumeStateUsage is the space a volume uses, in bytes; Total is
// its quota or size. Used is left out when unknown (block volumes on dir).
type StorageVolumeStateUsage struct {
	Used  uint64 `json:"used,omitempty" yaml:"used,omitempty"`
	Total int64  `json:"total" yaml:"total"`
}

// StorageVolumeState is GET .../volumes/{type}/{name}/state.
type StorageVolumeState struct {
	Usage *StorageVolumeStateUsage `json:"usage" yaml:"usage"`
}

// StorageVolumeSnapshotPut is the writable part of a volume snapshot.
type StorageVolumeSnapshotPut struct {
	Description string     `json:"description" yaml:"description"`
	ExpiresAt   *time.Time `json:"expires_at" yaml:"expires_at"`
}

// StorageVolumeSnapshot is GET .../volumes/{type}/{name}/snapshots/{snap}.
// Field order matches LXD's output.
type StorageVolumeSnapshot struct {
	StorageVolumeSnapshotPut `yaml:",inline"`

	Name        string            `json:"name" yaml:"name"`
	Config      map[string]string `json:"config" yaml:"config"`
	ContentType string            `json:"content_type" yaml:"content_type"`
	CreatedAt   time.Time         `json:"created_at" yaml:"created_at"`
}

// StorageVolumeSnapshotsPost creates a volume snapshot (POST
// .../volumes/{type}/{name}/snapshots); an empty Name uses the volume's
// snapshots.pattern.
type StorageVolumeSnapshotsPost struct {
	Name      string     `json:"name" yaml:"name"`
	ExpiresAt *time.Time `json:"expires_at" yaml:"expires_at"`
}

// StorageVolumeSnapshotPost renames a volume snapshot.
type StorageVolumeSnapshotPost struct {
	Name string `json:"name" yaml:"name"`
}

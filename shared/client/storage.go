package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

func poolPath(pool string) string { return "/1.0/storage-pools/" + url.PathEscape(pool) }

func volumePath(pool, volType, name string) string {
	return poolPath(pool) + "/volumes/" + volType + "/" + url.PathEscape(name)
}

func volumeSnapshotPath(pool, volType, name, snap string) string {
	return volumePath(pool, volType, name) + "/snapshots/" + url.PathEscape(snap)
}

// GetStoragePools lists every pool (recursion=1).
func (c *Client) GetStoragePools(ctx context.Context) ([]api.StoragePool, error) {
	var out []api.StoragePool
	_, err := c.Get(ctx, "/1.0/storage-pools?recursion=1", &out)
	return out, err
}

// GetStoragePool returns one pool (LXD 5.0.2 sends no ETag for pools).
func (c *Client) GetStoragePool(ctx context.Context, name string) (*api.StoragePool, error) {
	var out api.StoragePool
	_, err := c.Get(ctx, poolPath(name), &out)
	return &out, err
}

// CreateStoragePool creates a pool.
func (c *Client) CreateStoragePool(ctx context.Context, req api.StoragePoolsPost) error {
	_, err := c.Do(ctx, http.MethodPost, "/1.0/storage-pools", req, "")
	return err
}

// UpdateStoragePool replaces a pool's config and description (PUT).
func (c *Client) UpdateStoragePool(ctx context.Context, name string, put api.StoragePoolPut) error {
	_, err := c.Do(ctx, http.MethodPut, poolPath(name), put, "")
	return err
}

// PatchStoragePool merges config keys into a pool (PATCH).
func (c *Client) PatchStoragePool(ctx context.Context, name string, put api.StoragePoolPut) error {
	_, err := c.Do(ctx, http.MethodPatch, poolPath(name), put, "")
	return err
}

// DeleteStoragePool deletes a pool.
func (c *Client) DeleteStoragePool(ctx context.Context, name string) error {
	_, err := c.Do(ctx, http.MethodDelete, poolPath(name), nil, "")
	return err
}

// GetStoragePoolResources returns a pool's space and inode use.
func (c *Client) GetStoragePoolResources(ctx context.Context, name string) (*api.ResourcesStoragePool, error) {
	var out api.ResourcesStoragePool
	_, err := c.Get(ctx, poolPath(name)+"/resources", &out)
	return &out, err
}

// GetStorageVolumes lists a pool's volumes (and their snapshots, named
// "vol/snap") in the client's project.
func (c *Client) GetStorageVolumes(ctx context.Context, pool string) ([]api.StorageVolume, error) {
	var out []api.StorageVolume
	_, err := c.Get(ctx, poolPath(pool)+"/volumes?recursion=1", &out)
	return out, err
}

// GetStorageVolume returns one volume and its ETag.
func (c *Client) GetStorageVolume(ctx context.Context, pool, volType, name string) (*api.StorageVolume, string, error) {
	var out api.StorageVolume
	etag, err := c.Get(ctx, volumePath(pool, volType, name), &out)
	return &out, etag, err
}

// CreateStorageVolume creates a custom volume; a copy (Source.Type "copy")
// returns its operation, an empty volume is created synchronously (nil).
func (c *Client) CreateStorageVolume(ctx context.Context, pool string, req api.StorageVolumesPost) (*Operation, error) {
	if req.Type == "" {
		req.Type = "custom"
	}
	return c.Do(ctx, http.MethodPost, poolPath(pool)+"/volumes/"+req.Type, req, "")
}

// UpdateStorageVolume replaces a volume's config and description, or
// restores a snapshot when put.Restore is set.
func (c *Client) UpdateStorageVolume(ctx context.Context, pool, volType, name string, put api.StorageVolumePut, etag string) error {
	_, err := c.Do(ctx, http.MethodPut, volumePath(pool, volType, name), put, etag)
	return err
}

// PatchStorageVolume merges config keys into a volume.
func (c *Client) PatchStorageVolume(ctx context.Context, pool, volType, name string, put api.StorageVolumePut, etag string) error {
	_, err := c.Do(ctx, http.MethodPatch, volumePath(pool, volType, name), put, etag)
	return err
}

// RenameStorageVolume renames a volume (sync) or, with req.Pool set to
// another pool, moves it (the returned operation).
func (c *Client) RenameStorageVolume(ctx context.Context, pool, volType, name string, req api.StorageVolumePost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, volumePath(pool, volType, name), req, "")
}

// DeleteStorageVolume deletes a volume.
func (c *Client) DeleteStorageVolume(ctx context.Context, pool, volType, name string) error {
	_, err := c.Do(ctx, http.MethodDelete, volumePath(pool, volType, name), nil, "")
	return err
}

// GetStorageVolumeState returns a volume's usage.
func (c *Client) GetStorageVolumeState(ctx context.Context, pool, volType, name string) (*api.StorageVolumeState, error) {
	var out api.StorageVolumeState
	_, err := c.Get(ctx, volumePath(pool, volType, name)+"/state", &out)
	return &out, err
}

// GetStorageVolumeSnapshots lists a volume's snapshots (recursion=1).
func (c *Client) GetStorageVolumeSnapshots(ctx context.Context, pool, volType, name string) ([]api.StorageVolumeSnapshot, error) {
	var out []api.StorageVolumeSnapshot
	_, err := c.Get(ctx, volumePath(pool, volType, name)+"/snapshots?recursion=1", &out)
	return out, err
}

// GetStorageVolumeSnapshot returns one snapshot and its ETag.
func (c *Client) GetStorageVolumeSnapshot(ctx context.Context, pool, volType, name, snap string) (*api.StorageVolumeSnapshot, string, error) {
	var out api.StorageVolumeSnapshot
	etag, err := c.Get(ctx, volumeSnapshotPath(pool, volType, name, snap), &out)
	return &out, etag, err
}

// CreateStorageVolumeSnapshot starts taking a snapshot.
func (c *Client) CreateStorageVolumeSnapshot(ctx context.Context, pool, volType, name string, req api.StorageVolumeSnapshotsPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, volumePath(pool, volType, name)+"/snapshots", req, "")
}

// UpdateStorageVolumeSnapshot sets a snapshot's description and expiry.
func (c *Client) UpdateStorageVolumeSnapshot(ctx context.Context, pool, volType, name, snap string, put api.StorageVolumeSnapshotPut, etag string) error {
	_, err := c.Do(ctx, http.MethodPut, volumeSnapshotPath(pool, volType, name, snap), put, etag)
	return err
}

// RenameStorageVolumeSnapshot starts renaming a snapshot.
func (c *Client) RenameStorageVolumeSnapshot(ctx context.Context, pool, volType, name, snap, newName string) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, volumeSnapshotPath(pool, volType, name, snap), api.StorageVolumeSnapshotPost{Name: newName}, "")
}

// DeleteStorageVolumeSnapshot starts deleting a snapshot.
func (c *Client) DeleteStorageVolumeSnapshot(ctx context.Context, pool, volType, name, snap string) (*Operation, error) {
	return c.Do(ctx, http.MethodDelete, volumeSnapshotPath(pool, volType, name, snap), nil, "")
}

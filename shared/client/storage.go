package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

// poolPath is /1.0/storage-pools/<pool> with the name escaped.
func poolPath(pool string) string {
	return "/1.0/storage-pools/" + url.PathEscape(pool)
}

// volumePath is the path of a volume ("custom", "container", ...) or of a
// snapshot when snap is not empty.
func volumePath(pool, volType, name, snap string) string {
	p := poolPath(pool) + "/volumes/" + url.PathEscape(volType) + "/" + url.PathEscape(name)
	if snap != "" {
		p += "/snapshots/" + url.PathEscape(snap)
	}
	return p
}

// GetStoragePools lists the pools with their details.
func (c *Client) GetStoragePools(ctx context.Context) ([]api.StoragePool, error) {
	var out []api.StoragePool
	_, err := c.Get(ctx, "/1.0/storage-pools?recursion=1", &out)
	return out, err
}

// GetStoragePool returns one pool and its ETag.
func (c *Client) GetStoragePool(ctx context.Context, name string) (*api.StoragePool, string, error) {
	var out api.StoragePool
	etag, err := c.Get(ctx, poolPath(name), &out)
	return &out, etag, err
}

// GetStoragePoolResources returns the space and inodes of a pool.
func (c *Client) GetStoragePoolResources(ctx context.Context, name string) (*api.ResourcesStoragePool, error) {
	var out api.ResourcesStoragePool
	_, err := c.Get(ctx, poolPath(name)+"/resources", &out)
	return &out, err
}

// CreateStoragePool creates a pool (POST /1.0/storage-pools).
func (c *Client) CreateStoragePool(ctx context.Context, req api.StoragePoolsPost) error {
	_, _, err := c.Query(ctx, http.MethodPost, "/1.0/storage-pools", req, "")
	return err
}

// UpdateStoragePool replaces a pool's config and description.
func (c *Client) UpdateStoragePool(ctx context.Context, name string, put api.StoragePoolPut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPut, poolPath(name), put, etag)
	return err
}

// DeleteStoragePool removes a pool.
func (c *Client) DeleteStoragePool(ctx context.Context, name string) error {
	_, _, err := c.Query(ctx, http.MethodDelete, poolPath(name), nil, "")
	return err
}

// GetStoragePoolVolumes lists the volumes of a pool (all types).
func (c *Client) GetStoragePoolVolumes(ctx context.Context, pool string, allProjects bool, filter string) ([]api.StorageVolume, error) {
	// Like LXD's client, an empty filter is still sent.
	q := url.Values{"recursion": {"1"}, "filter": {filter}}
	if allProjects {
		q.Set("all-projects", "true")
	}
	var out []api.StorageVolume
	_, err := c.Get(ctx, poolPath(pool)+"/volumes?"+q.Encode(), &out)
	return out, err
}

// GetStoragePoolVolume returns one volume and its ETag.
func (c *Client) GetStoragePoolVolume(ctx context.Context, pool, volType, name string) (*api.StorageVolume, string, error) {
	var out api.StorageVolume
	etag, err := c.Get(ctx, volumePath(pool, volType, name, ""), &out)
	return &out, etag, err
}

// GetStoragePoolVolumeState returns a volume's usage.
func (c *Client) GetStoragePoolVolumeState(ctx context.Context, pool, volType, name string) (*api.StorageVolumeState, error) {
	var out api.StorageVolumeState
	_, err := c.Get(ctx, volumePath(pool, volType, name, "")+"/state", &out)
	return &out, err
}

// CreateStoragePoolVolume creates a volume; copies answer with an
// operation, plain creations may too.
func (c *Client) CreateStoragePoolVolume(ctx context.Context, pool string, req api.StorageVolumesPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, poolPath(pool)+"/volumes/"+url.PathEscape(req.Type), req, "")
}

// UpdateStoragePoolVolume replaces a volume's config and description.
func (c *Client) UpdateStoragePoolVolume(ctx context.Context, pool, volType, name string, put api.StorageVolumePut, etag string) (*Operation, error) {
	return c.Do(ctx, http.MethodPut, volumePath(pool, volType, name, ""), put, etag)
}

// RenameStoragePoolVolume renames a volume or moves it to another pool
// or project (POST on the volume).
func (c *Client) RenameStoragePoolVolume(ctx context.Context, pool, volType, name string, req api.StorageVolumePost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, volumePath(pool, volType, name, ""), req, "")
}

// DeleteStoragePoolVolume removes a volume.
func (c *Client) DeleteStoragePoolVolume(ctx context.Context, pool, volType, name string) (*Operation, error) {
	return c.Do(ctx, http.MethodDelete, volumePath(pool, volType, name, ""), nil, "")
}

// GetStoragePoolVolumeSnapshots lists the snapshots of a volume.
func (c *Client) GetStoragePoolVolumeSnapshots(ctx context.Context, pool, volType, name string) ([]api.StorageVolumeSnapshot, error) {
	var out []api.StorageVolumeSnapshot
	_, err := c.Get(ctx, volumePath(pool, volType, name, "")+"/snapshots?recursion=1", &out)
	return out, err
}

// GetStoragePoolVolumeSnapshot returns one snapshot and its ETag.
func (c *Client) GetStoragePoolVolumeSnapshot(ctx context.Context, pool, volType, name, snap string) (*api.StorageVolumeSnapshot, string, error) {
	var out api.StorageVolumeSnapshot
	etag, err := c.Get(ctx, volumePath(pool, volType, name, snap), &out)
	return &out, etag, err
}

// CreateStoragePoolVolumeSnapshot snapshots a volume.
func (c *Client) CreateStoragePoolVolumeSnapshot(ctx context.Context, pool, volType, name string, req api.StorageVolumeSnapshotsPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, volumePath(pool, volType, name, "")+"/snapshots", req, "")
}

// UpdateStoragePoolVolumeSnapshot replaces a snapshot's description and expiry.
func (c *Client) UpdateStoragePoolVolumeSnapshot(ctx context.Context, pool, volType, name, snap string, put api.StorageVolumeSnapshotPut, etag string) (*Operation, error) {
	return c.Do(ctx, http.MethodPut, volumePath(pool, volType, name, snap), put, etag)
}

// RenameStoragePoolVolumeSnapshot renames a snapshot.
func (c *Client) RenameStoragePoolVolumeSnapshot(ctx context.Context, pool, volType, name, snap string, req api.StorageVolumeSnapshotPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, volumePath(pool, volType, name, snap), req, "")
}

// DeleteStoragePoolVolumeSnapshot removes a snapshot.
func (c *Client) DeleteStoragePoolVolumeSnapshot(ctx context.Context, pool, volType, name, snap string) (*Operation, error) {
	return c.Do(ctx, http.MethodDelete, volumePath(pool, volType, name, snap), nil, "")
}

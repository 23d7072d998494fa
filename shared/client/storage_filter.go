package client

import (
	"context"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

// GetStorageVolumesFiltered lists a pool's volumes with an API filter
// ("type eq custom and ...") and optionally across all projects. Like LXD's
// client it always sends the filter, even empty.
func (c *Client) GetStorageVolumesFiltered(ctx context.Context, pool string, allProjects bool, filter string) ([]api.StorageVolume, error) {
	q := url.Values{"recursion": {"1"}, "filter": {filter}}
	if allProjects {
		q.Set("all-projects", "true")
	}
	var out []api.StorageVolume
	_, err := c.Get(ctx, poolPath(pool)+"/volumes?"+q.Encode(), &out)
	return out, err
}

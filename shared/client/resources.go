package client

import (
	"context"

	"github.com/lxdng/lxd/shared/api"
)

// GetServerResources returns the hardware of the server (or of the member
// WithTarget names).
func (c *Client) GetServerResources(ctx context.Context) (*api.Resources, error) {
	var out api.Resources
	if _, err := c.Get(ctx, "/1.0/resources", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

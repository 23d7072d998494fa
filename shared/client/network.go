package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

func networkPath(name string) string { return "/1.0/networks/" + url.PathEscape(name) }

// GetNetworks lists managed and unmanaged networks with their details.
func (c *Client) GetNetworks(ctx context.Context) ([]api.Network, error) {
	var out []api.Network
	_, err := c.Get(ctx, "/1.0/networks?recursion=1", &out)
	return out, err
}

// GetNetwork returns one network and its ETag.
func (c *Client) GetNetwork(ctx context.Context, name string) (*api.Network, string, error) {
	var out api.Network
	etag, err := c.Get(ctx, networkPath(name), &out)
	return &out, etag, err
}

// CreateNetwork creates a managed network.
func (c *Client) CreateNetwork(ctx context.Context, req api.NetworksPost) error {
	_, _, err := c.Query(ctx, http.MethodPost, "/1.0/networks", req, "")
	return err
}

// UpdateNetwork replaces a network's config and description.
func (c *Client) UpdateNetwork(ctx context.Context, name string, put api.NetworkPut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPut, networkPath(name), put, etag)
	return err
}

// RenameNetwork renames a network.
func (c *Client) RenameNetwork(ctx context.Context, name string, req api.NetworkPost) error {
	_, _, err := c.Query(ctx, http.MethodPost, networkPath(name), req, "")
	return err
}

// DeleteNetwork removes a managed network.
func (c *Client) DeleteNetwork(ctx context.Context, name string) error {
	_, _, err := c.Query(ctx, http.MethodDelete, networkPath(name), nil, "")
	return err
}

// GetNetworkState returns the runtime state of a network interface.
func (c *Client) GetNetworkState(ctx context.Context, name string) (*api.NetworkState, error) {
	var out api.NetworkState
	_, err := c.Get(ctx, networkPath(name)+"/state", &out)
	return &out, err
}

// GetNetworkLeases returns the DHCP leases of a managed network.
func (c *Client) GetNetworkLeases(ctx context.Context, name string) ([]api.NetworkLease, error) {
	var out []api.NetworkLease
	_, err := c.Get(ctx, networkPath(name)+"/leases", &out)
	return out, err
}

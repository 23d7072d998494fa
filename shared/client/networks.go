package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

func networkPath(name string) string { return "/1.0/networks/" + url.PathEscape(name) }

// GetNetworkNames lists the names of the managed networks and host
// interfaces (GET /1.0/networks).
func (c *Client) GetNetworkNames(ctx context.Context) ([]string, error) {
	var urls []string
	if _, err := c.Get(ctx, "/1.0/networks", &urls); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(urls))
	for _, u := range urls {
		u, _, _ = strings.Cut(u, "?")
		name, _ := url.PathUnescape(u[strings.LastIndex(u, "/")+1:])
		names = append(names, name)
	}
	return names, nil
}

// GetNetworks lists networks with their details (recursion=1).
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

// CreateNetwork creates a managed network (201 Created).
func (c *Client) CreateNetwork(ctx context.Context, req api.NetworksPost) error {
	_, _, err := c.Query(ctx, http.MethodPost, "/1.0/networks", req, "")
	return err
}

// UpdateNetwork replaces a network's config and description (PUT); etag ""
// skips the If-Match check.
func (c *Client) UpdateNetwork(ctx context.Context, name string, put api.NetworkPut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPut, networkPath(name), put, etag)
	return err
}

// PatchNetwork merges config keys into a network (PATCH); a "" value unsets
// a key.
func (c *Client) PatchNetwork(ctx context.Context, name string, put api.NetworkPut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPatch, networkPath(name), put, etag)
	return err
}

// RenameNetwork renames a network (POST /1.0/networks/<name>).
func (c *Client) RenameNetwork(ctx context.Context, name, newName string) error {
	_, _, err := c.Query(ctx, http.MethodPost, networkPath(name), api.NetworkPost{Name: newName}, "")
	return err
}

// DeleteNetwork deletes a managed network.
func (c *Client) DeleteNetwork(ctx context.Context, name string) error {
	_, _, err := c.Query(ctx, http.MethodDelete, networkPath(name), nil, "")
	return err
}

// GetNetworkState returns a network's interface state.
func (c *Client) GetNetworkState(ctx context.Context, name string) (*api.NetworkState, error) {
	var out api.NetworkState
	_, err := c.Get(ctx, networkPath(name)+"/state", &out)
	return &out, err
}

// GetNetworkLeases returns a managed network's DHCP leases.
func (c *Client) GetNetworkLeases(ctx context.Context, name string) ([]api.NetworkLease, error) {
	var out []api.NetworkLease
	_, err := c.Get(ctx, networkPath(name)+"/leases", &out)
	return out, err
}

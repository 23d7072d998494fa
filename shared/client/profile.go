package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

func profilePath(name string) string { return "/1.0/profiles/" + url.PathEscape(name) }

// GetProfiles lists the profiles of the project with their details.
func (c *Client) GetProfiles(ctx context.Context) ([]api.Profile, error) {
	var out []api.Profile
	_, err := c.Get(ctx, "/1.0/profiles?recursion=1", &out)
	return out, err
}

// GetProfile returns one profile and its ETag.
func (c *Client) GetProfile(ctx context.Context, name string) (*api.Profile, string, error) {
	var out api.Profile
	etag, err := c.Get(ctx, profilePath(name), &out)
	return &out, etag, err
}

// CreateProfile creates a profile.
func (c *Client) CreateProfile(ctx context.Context, req api.ProfilesPost) error {
	_, _, err := c.Query(ctx, http.MethodPost, "/1.0/profiles", req, "")
	return err
}

// UpdateProfile replaces a profile's config, description and devices.
func (c *Client) UpdateProfile(ctx context.Context, name string, put api.ProfilePut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPut, profilePath(name), put, etag)
	return err
}

// RenameProfile renames a profile.
func (c *Client) RenameProfile(ctx context.Context, name string, req api.ProfilePost) error {
	_, _, err := c.Query(ctx, http.MethodPost, profilePath(name), req, "")
	return err
}

// DeleteProfile removes an unused profile.
func (c *Client) DeleteProfile(ctx context.Context, name string) error {
	_, _, err := c.Query(ctx, http.MethodDelete, profilePath(name), nil, "")
	return err
}

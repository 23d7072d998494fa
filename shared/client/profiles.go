package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

func profilePath(name string) string { return "/1.0/profiles/" + url.PathEscape(name) }

// GetProfileNames lists the profile URLs of the client's project.
func (c *Client) GetProfileNames(ctx context.Context) ([]string, error) {
	var out []string
	_, err := c.Get(ctx, "/1.0/profiles", &out)
	return out, err
}

// GetProfiles lists the profiles of the client's project.
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

// CreateProfile creates a profile (201 Created).
func (c *Client) CreateProfile(ctx context.Context, req api.ProfilesPost) error {
	_, err := c.Do(ctx, http.MethodPost, "/1.0/profiles", req, "")
	return err
}

// UpdateProfile replaces a profile's content; etag ("" for none) guards it.
func (c *Client) UpdateProfile(ctx context.Context, name string, put api.ProfilePut, etag string) error {
	_, err := c.Do(ctx, http.MethodPut, profilePath(name), put, etag)
	return err
}

// PatchProfile merges body (config keys, devices, description) into a
// profile.
func (c *Client) PatchProfile(ctx context.Context, name string, body any, etag string) error {
	_, err := c.Do(ctx, http.MethodPatch, profilePath(name), body, etag)
	return err
}

// RenameProfile renames a profile.
func (c *Client) RenameProfile(ctx context.Context, name, newName string) error {
	_, err := c.Do(ctx, http.MethodPost, profilePath(name), api.ProfilePost{Name: newName}, "")
	return err
}

// DeleteProfile removes a profile.
func (c *Client) DeleteProfile(ctx context.Context, name string) error {
	_, err := c.Do(ctx, http.MethodDelete, profilePath(name), nil, "")
	return err
}

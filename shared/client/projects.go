package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

// projectPath is a project's URL; the client's own project scope does not
// apply to /1.0/projects.
func projectPath(name string) string { return "/1.0/projects/" + url.PathEscape(name) }

// GetProjects lists every project the client may see.
func (c *Client) GetProjects(ctx context.Context) ([]api.Project, error) {
	var out []api.Project
	_, err := c.WithProject("").Get(ctx, "/1.0/projects?recursion=1", &out)
	return out, err
}

// GetProject returns one project and its ETag.
func (c *Client) GetProject(ctx context.Context, name string) (*api.Project, string, error) {
	var out api.Project
	etag, err := c.WithProject("").Get(ctx, projectPath(name), &out)
	return &out, etag, err
}

// GetProjectState returns a project's limits and usage.
func (c *Client) GetProjectState(ctx context.Context, name string) (*api.ProjectState, error) {
	var out api.ProjectState
	_, err := c.WithProject("").Get(ctx, projectPath(name)+"/state", &out)
	return &out, err
}

// CreateProject creates a project (201 Created).
func (c *Client) CreateProject(ctx context.Context, req api.ProjectsPost) error {
	_, err := c.WithProject("").Do(ctx, http.MethodPost, "/1.0/projects", req, "")
	return err
}

// UpdateProject replaces a project's description and config.
func (c *Client) UpdateProject(ctx context.Context, name string, put api.ProjectPut, etag string) error {
	_, err := c.WithProject("").Do(ctx, http.MethodPut, projectPath(name), put, etag)
	return err
}

// PatchProject merges config keys (and the description when set) into a
// project.
func (c *Client) PatchProject(ctx context.Context, name string, body any, etag string) error {
	_, err := c.WithProject("").Do(ctx, http.MethodPatch, projectPath(name), body, etag)
	return err
}

// RenameProject renames a project (an operation).
func (c *Client) RenameProject(ctx context.Context, name, newName string) (*Operation, error) {
	return c.WithProject("").Do(ctx, http.MethodPost, projectPath(name), api.ProjectPost{Name: newName}, "")
}

// DeleteProject removes an empty project.
func (c *Client) DeleteProject(ctx context.Context, name string) error {
	_, err := c.WithProject("").Do(ctx, http.MethodDelete, projectPath(name), nil, "")
	return err
}

package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

func projectPath(name string) string { return "/1.0/projects/" + url.PathEscape(name) }

// GetProjects lists the projects with their details.
func (c *Client) GetProjects(ctx context.Context) ([]api.Project, error) {
	var out []api.Project
	_, err := c.Get(ctx, "/1.0/projects?recursion=1", &out)
	return out, err
}

// GetProject returns one project and its ETag.
func (c *Client) GetProject(ctx context.Context, name string) (*api.Project, string, error) {
	var out api.Project
	etag, err := c.Get(ctx, projectPath(name), &out)
	return &out, etag, err
}

// GetProjectState returns the resource usage and limits of a project.
func (c *Client) GetProjectState(ctx context.Context, name string) (*api.ProjectState, error) {
	var out api.ProjectState
	_, err := c.Get(ctx, projectPath(name)+"/state", &out)
	return &out, err
}

// CreateProject creates a project.
func (c *Client) CreateProject(ctx context.Context, req api.ProjectsPost) error {
	_, _, err := c.Query(ctx, http.MethodPost, "/1.0/projects", req, "")
	return err
}

// UpdateProject replaces a project's config and description.
func (c *Client) UpdateProject(ctx context.Context, name string, put api.ProjectPut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPut, projectPath(name), put, etag)
	return err
}

// RenameProject renames a project (an operation on LXD).
func (c *Client) RenameProject(ctx context.Context, name string, req api.ProjectPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, projectPath(name), req, "")
}

// DeleteProject removes an empty project.
func (c *Client) DeleteProject(ctx context.Context, name string) error {
	_, _, err := c.Query(ctx, http.MethodDelete, projectPath(name), nil, "")
	return err
}

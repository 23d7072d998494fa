package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/api"
)

func instancePath(name string) string { return "/1.0/instances/" + url.PathEscape(name) }

// doWait sends an async request and waits for its operation.
func (c *Client) doWait(ctx context.Context, method, path string, body any, etag string) error {
	op, err := c.Do(ctx, method, path, body, etag)
	if err != nil || op == nil {
		return err
	}
	return op.Wait(ctx)
}

// GetInstanceNames lists the instance names of the client's project.
func (c *Client) GetInstanceNames(ctx context.Context) ([]string, error) {
	var urls []string
	if _, err := c.Get(ctx, "/1.0/instances", &urls); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(urls))
	for _, u := range urls {
		out = append(out, lastSegment(u))
	}
	return out, nil
}

func lastSegment(u string) string {
	if i := len(u) - 1; i >= 0 {
		for j := i; j >= 0; j-- {
			if u[j] == '/' {
				s, _ := url.PathUnescape(u[j+1:])
				return s
			}
		}
	}
	return u
}

// GetInstances lists the instances (recursion=1).
func (c *Client) GetInstances(ctx context.Context) ([]api.Instance, error) {
	var out []api.Instance
	_, err := c.Get(ctx, "/1.0/instances?recursion=1", &out)
	return out, err
}

// GetInstancesFull lists the instances with state and snapshots.
func (c *Client) GetInstancesFull(ctx context.Context) ([]api.InstanceFull, error) {
	var out []api.InstanceFull
	_, err := c.Get(ctx, "/1.0/instances?recursion=2", &out)
	return out, err
}

// GetInstance returns one instance and its ETag.
func (c *Client) GetInstance(ctx context.Context, name string) (*api.Instance, string, error) {
	var out api.Instance
	etag, err := c.Get(ctx, instancePath(name), &out)
	return &out, etag, err
}

// GetInstanceState returns an instance's state.
func (c *Client) GetInstanceState(ctx context.Context, name string) (*api.InstanceState, error) {
	var out api.InstanceState
	_, err := c.Get(ctx, instancePath(name)+"/state", &out)
	return &out, err
}

// CreateInstance starts the creation of an instance.
func (c *Client) CreateInstance(ctx context.Context, req api.InstancesPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, "/1.0/instances", req, "")
}

// UpdateInstanceState starts a state change (start, stop, restart, freeze,
// unfreeze).
func (c *Client) UpdateInstanceState(ctx context.Context, name string, req api.InstanceStatePut) (*Operation, error) {
	return c.Do(ctx, http.MethodPut, instancePath(name)+"/state", req, "")
}

// SetInstanceState runs a state change and waits for it.
func (c *Client) SetInstanceState(ctx context.Context, name, action string, force bool) error {
	return c.doWait(ctx, http.MethodPut, instancePath(name)+"/state",
		api.InstanceStatePut{Action: action, Timeout: -1, Force: force}, "")
}

// UpdateInstance replaces an instance's writable part (PUT) and waits.
func (c *Client) UpdateInstance(ctx context.Context, name string, put api.InstancePut, etag string) error {
	return c.doWait(ctx, http.MethodPut, instancePath(name), put, etag)
}

// RenameInstance renames an instance and waits.
func (c *Client) RenameInstance(ctx context.Context, name, newName string) error {
	return c.doWait(ctx, http.MethodPost, instancePath(name), api.InstancePost{Name: newName}, "")
}

// DeleteInstance deletes an instance and waits.
func (c *Client) DeleteInstance(ctx context.Context, name string) error {
	return c.doWait(ctx, http.MethodDelete, instancePath(name), nil, "")
}

// CreateInstanceSnapshot snapshots an instance and waits.
func (c *Client) CreateInstanceSnapshot(ctx context.Context, name string, req api.InstanceSnapshotsPost) error {
	return c.doWait(ctx, http.MethodPost, instancePath(name)+"/snapshots", req, "")
}

// GetInstanceSnapshots lists an instance's snapshots.
func (c *Client) GetInstanceSnapshots(ctx context.Context, name string) ([]api.InstanceSnapshot, error) {
	var out []api.InstanceSnapshot
	_, err := c.Get(ctx, instancePath(name)+"/snapshots?recursion=1", &out)
	return out, err
}

// DeleteInstanceSnapshot deletes a snapshot and waits.
func (c *Client) DeleteInstanceSnapshot(ctx context.Context, name, snap string) error {
	return c.doWait(ctx, http.MethodDelete, instancePath(name)+"/snapshots/"+url.PathEscape(snap), nil, "")
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// Thin typed calls on /1.0/instances used by the instance commands. They
// go through client.Query/Do so every command sends exactly the requests
// LXD's client sends, in the same order.

func instanceURL(name string) string { return "/1.0/instances/" + url.PathEscape(name) }

func snapshotURL(inst, snap string) string {
	return instanceURL(inst) + "/snapshots/" + url.PathEscape(snap)
}

// getInstance fetches an instance and its ETag.
func getInstance(ctx context.Context, c *client.Client, name string) (*api.Instance, string, error) {
	var inst api.Instance
	etag, err := c.Get(ctx, instanceURL(name), &inst)
	if err != nil {
		return nil, "", err
	}
	return &inst, etag, nil
}

// getInstanceState fetches the live state of an instance.
func getInstanceState(ctx context.Context, c *client.Client, name string) (*api.InstanceState, error) {
	var st api.InstanceState
	if _, err := c.Get(ctx, instanceURL(name)+"/state", &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// getSnapshot fetches one snapshot and its ETag.
func getSnapshot(ctx context.Context, c *client.Client, inst, snap string) (*api.InstanceSnapshot, string, error) {
	var s api.InstanceSnapshot
	etag, err := c.Get(ctx, snapshotURL(inst, snap), &s)
	if err != nil {
		return nil, "", err
	}
	return &s, etag, nil
}

// getSnapshots lists the snapshots of an instance (recursion=1).
func getSnapshots(ctx context.Context, c *client.Client, inst string) ([]api.InstanceSnapshot, error) {
	var out []api.InstanceSnapshot
	if _, err := c.Get(ctx, instanceURL(inst)+"/snapshots?recursion=1", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// updateInstance PUTs the writable fields (async in LXD) and waits.
func (a *app) updateInstance(c *client.Client, name string, put api.InstancePut, etag string) error {
	op, err := c.Do(a.ctx, http.MethodPut, instanceURL(name), put, etag)
	if err != nil {
		return err
	}
	return a.waitOperation(c, op, "")
}

// stateAction sends PUT /state; the caller waits for the operation.
func stateAction(ctx context.Context, c *client.Client, name string, req api.InstanceStatePut) (*client.Operation, error) {
	return c.Do(ctx, http.MethodPut, instanceURL(name)+"/state", req, "")
}

// splitSnapshot cuts "c1/snap0" into ("c1", "snap0", true).
func splitSnapshot(name string) (string, string, bool) {
	return strings.Cut(name, "/")
}

// operationResource returns the last path element of the first resource
// of kind ("instances") an operation names: the server-chosen name of a
// created instance.
func operationResource(op *client.Operation, kind string) (string, error) {
	urls := op.Resources[kind]
	if len(urls) == 0 {
		return "", errors.New("Didn't get any affected image, instance or snapshot from server")
	}
	u, err := url.Parse(urls[0])
	if err != nil {
		return "", err
	}
	fields := strings.Split(strings.TrimSuffix(u.Path, "/"), "/")
	return fields[len(fields)-1], nil
}

// operationReturn reads the "return" (exit code) of an exec operation.
func operationReturn(op *client.Operation) (int, bool) {
	v, ok := op.Metadata["return"]
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	}
	return 0, false
}

// instanceNotFound reports whether err is the server's 404.
func isNotFound(err error) bool {
	var se *api.StatusError
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

// responseError turns a raw error answer (file and log endpoints) into
// the server's StatusError.
// rawRequest sends a request whose answer is not LXD's JSON envelope when
// it succeeds (file, template and log contents) and returns that body; a
// failure is decoded from the envelope.
func rawRequest(a *app, c *client.Client, method, path string, body io.Reader, headers http.Header) ([]byte, error) {
	resp, err := c.Raw(a.ctx, method, path, body, headers)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, responseError(resp)
	}
	return io.ReadAll(resp.Body)
}

func responseError(resp *http.Response) error {
	var r api.Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Error == "" {
		return &api.StatusError{Status: resp.StatusCode, Msg: http.StatusText(resp.StatusCode)}
	}
	code := r.ErrorCode
	if code == 0 {
		code = resp.StatusCode
	}
	return &api.StatusError{Status: code, Msg: r.Error}
}

package ops

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/lxdng/lxd/shared/client"
)

// CreateOpts describe the containers the benchmark makes.
type CreateOpts struct {
	// Image is an alias, or a fingerprint (8+ hex digits).
	Image      string
	Privileged bool
	Config     map[string]string // extra config keys
}

// imageSource is the "source" of an InstancesPost from a local image.
func imageSource(image string) map[string]any {
	if isFingerprint(image) {
		return map[string]any{"type": "image", "fingerprint": image}
	}
	return map[string]any{"type": "image", "alias": image}
}

func isFingerprint(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// Create makes a container from a local image (POST /1.0/instances) and
// waits for the operation.
func Create(ctx context.Context, c *client.Client, name string, o CreateOpts) error {
	cfg := map[string]string{}
	for k, v := range o.Config {
		cfg[k] = v
	}
	if o.Privileged {
		cfg["security.privileged"] = "true"
	}
	body := map[string]any{"name": name, "type": "container", "source": imageSource(o.Image), "config": cfg}
	return doWait(ctx, c, http.MethodPost, "/1.0/instances", body)
}

// Actions of PUT /1.0/instances/<name>/state.
const (
	Start    = "start"
	Stop     = "stop"
	Freeze   = "freeze"
	Unfreeze = "unfreeze"
)

// SetState changes the running state (start, stop, freeze, ...) and waits.
func SetState(ctx context.Context, c *client.Client, name, action string, force bool) error {
	body := map[string]any{"action": action, "timeout": -1, "force": force, "stateful": false}
	return doWait(ctx, c, http.MethodPut, "/1.0/instances/"+url.PathEscape(name)+"/state", body)
}

// Delete removes a stopped instance.
func Delete(ctx context.Context, c *client.Client, name string) error {
	return doWait(ctx, c, http.MethodDelete, "/1.0/instances/"+url.PathEscape(name), nil)
}

// SetConfig sets one instance config key with PATCH (the instance's other
// keys stay).
func SetConfig(ctx context.Context, c *client.Client, name, key, value string) error {
	body := map[string]any{"config": map[string]string{key: value}}
	return doWait(ctx, c, http.MethodPatch, "/1.0/instances/"+url.PathEscape(name), body)
}

// Instance is the part of an instance the benchmark reads.
type Instance struct {
	Name   string            `json:"name"`
	Status string            `json:"status"`
	Config map[string]string `json:"config"`
}

// Instances lists the instances of the client's project (recursion=1).
func Instances(ctx context.Context, c *client.Client) ([]Instance, error) {
	var out []Instance
	if _, err := c.Get(ctx, "/1.0/instances?recursion=1", &out); err != nil {
		return nil, fmt.Errorf("Failed to list instances: %w", err)
	}
	return out, nil
}

// ListFull fetches GET /1.0/instances?recursion=2 (instances with state,
// what `lxc list` asks for) and returns how many came back.
func ListFull(ctx context.Context, c *client.Client) (int, error) {
	var out []map[string]any
	if _, err := c.Get(ctx, "/1.0/instances?recursion=2", &out); err != nil {
		return 0, fmt.Errorf("Failed to list instances: %w", err)
	}
	return len(out), nil
}

// doWait sends a request and waits for its operation, if any.
func doWait(ctx context.Context, c *client.Client, method, path string, body any) error {
	op, err := c.Do(ctx, method, path, body, "")
	if err != nil {
		return err
	}
	if op == nil {
		return nil
	}
	return op.Wait(ctx)
}

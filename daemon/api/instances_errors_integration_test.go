//go:build integration

package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// wantStatus checks a synchronous error's status and text.
func wantInstErr(t *testing.T, err error, status int, text string) {
	t.Helper()
	var se *api.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want %d %q", err, status, text)
	}
	if se.Status != status || se.Msg != text {
		t.Fatalf("error = %d %q, want %d %q", se.Status, se.Msg, status, text)
	}
}

// opFails sends an async request and checks that the operation fails with
// text.
func opFails(t *testing.T, c *client.Client, method, path string, body any, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op, err := c.Do(ctx, method, path, body, "")
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if op == nil {
		t.Fatalf("%s %s: not an operation", method, path)
	}
	err = op.Wait(ctx)
	if err == nil || err.Error() != text {
		t.Fatalf("%s %s: operation error %v, want %q", method, path, err, text)
	}
	if op.StatusCode != api.Failure {
		t.Fatalf("operation status %d", op.StatusCode)
	}
}

// scenarioInstanceErrors checks LXD's error codes and texts around
// instances: sync 4xx where LXD answers synchronously, operation failures
// where it answers 202.
func scenarioInstanceErrors(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	c := d.Client
	ctx := context.Background()
	name, other := daemontest.Name(t, "c"), daemontest.Name(t, "c")
	e.newBusybox(t, name)
	e.newBusybox(t, other)

	_, _, err := c.Query(ctx, http.MethodGet, "/1.0/instances/nosuch", nil, "")
	wantInstErr(t, err, 404, "Instance not found")
	_, _, err = c.Query(ctx, http.MethodGet, "/1.0/instances/nosuch/state", nil, "")
	wantInstErr(t, err, 404, "Instance not found")
	_, _, err = c.Query(ctx, http.MethodDelete, "/1.0/instances/nosuch", nil, "")
	wantInstErr(t, err, 404, "Instance not found")
	_, _, err = c.Query(ctx, http.MethodGet, "/1.0/instances/"+name+"/snapshots/nosuch", nil, "")
	wantInstErr(t, err, 404, `Failed to fetch snapshot "nosuch" of instance "`+name+`" in project "default": InstanceSnapshot not found`)
	_, _, err = c.Query(ctx, http.MethodPost, "/1.0/instances", map[string]any{"name": "bad_name!", "source": map[string]any{"type": "none"}}, "")
	wantInstErr(t, err, 400, "Invalid instance name: Name can only contain alphanumeric and hyphen characters")
	_, _, err = c.Query(ctx, http.MethodPost, "/1.0/instances", map[string]any{"name": "c9"}, "")
	wantInstErr(t, err, 400, "Unknown source type ")
	_, _, err = c.Query(ctx, http.MethodPut, "/1.0/instances/"+name+"/state", map[string]any{"action": "dance"}, "")
	wantInstErr(t, err, 400, "Unknown action: 'dance'")
	_, _, err = c.Query(ctx, http.MethodPatch, "/1.0/instances/"+name, map[string]any{"config": map[string]string{"bogus.key": "1"}}, "")
	wantInstErr(t, err, 500, "Invalid config: Unknown configuration key: bogus.key")
	_, _, err = c.Query(ctx, http.MethodPost, "/1.0/instances/"+other, map[string]any{"name": name}, "")
	wantInstErr(t, err, 409, `Name "`+name+`" already in use`)

	opFails(t, c, http.MethodPost, "/1.0/instances", map[string]any{"name": daemontest.Name(t, "c"),
		"source": map[string]any{"type": "none"}, "config": map[string]string{"bogus.key": "1"},
		"devices": map[string]any{"root": map[string]string{"type": "disk", "path": "/", "pool": e.pool}}},
		"Failed creating instance record: Unknown configuration key: bogus.key")
	opFails(t, c, http.MethodPost, "/1.0/instances", map[string]any{"name": name, "source": map[string]any{"type": "none"},
		"devices": map[string]any{"root": map[string]string{"type": "disk", "path": "/", "pool": e.pool}}},
		`Failed creating instance record: Add instance info to the database: This "instances" entry already exists`)
	opFails(t, c, http.MethodPut, "/1.0/instances/"+name+"/state", map[string]any{"action": "stop", "force": true},
		"The instance is already stopped")
	d.MustLXC(t, "snapshot", name, "snap0")
	opFails(t, c, http.MethodPost, "/1.0/instances/"+name+"/snapshots", map[string]any{"name": "snap0"},
		`Failed creating instance snapshot record "snap0": Add snapshot info to the database: This "instances_snapshots" entry already exists`)

	d.MustLXC(t, "start", name)
	opFails(t, c, http.MethodPut, "/1.0/instances/"+name+"/state", map[string]any{"action": "start"},
		"The instance is already running")
	_, _, err = c.Query(ctx, http.MethodDelete, "/1.0/instances/"+name, nil, "")
	wantInstErr(t, err, 400, "Instance is running")
	opFails(t, c, http.MethodPost, "/1.0/instances/"+name, map[string]any{"name": daemontest.Name(t, "c")},
		"Renaming of running container not allowed")
	opFails(t, c, http.MethodPut, "/1.0/instances/"+name, map[string]any{"restore": "nosuch"},
		"Snapshot "+name+"/nosuch does not exist")
	// A stateful restore of a stateless snapshot stops the instance,
	// restores it and then fails, leaving it stopped.
	opFails(t, c, http.MethodPut, "/1.0/instances/"+name, map[string]any{"restore": "snap0", "stateful": true},
		"Stateful snapshot restore requested by snapshot is stateless")
	if st := e.status(t, name); st != "Stopped" {
		t.Fatalf("after a failed stateful restore: %s, want Stopped", st)
	}

	d.MustLXC(t, "config", "set", other, "security.protection.delete", "true")
	opFails(t, c, http.MethodDelete, "/1.0/instances/"+other, nil, "Container is protected")
	if msg := e.lxcFails(t, "delete", other); !strings.Contains(msg, "Container is protected") {
		t.Fatalf("lxc delete protected: %s", msg)
	}
}

func TestInstanceErrors(t *testing.T) { scenarioInstanceErrors(t, daemontest.Start(t)) }
func TestReferenceInstanceErrors(t *testing.T) {
	scenarioInstanceErrors(t, daemontest.StartReference(t))
}

//go:build integration

package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// scenarioSnapshotPatch: PATCH on an instance snapshot is an operation
// ("Updating snapshot") like PUT; a PATCH without expires_at keeps it.
func scenarioSnapshotPatch(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "a34c")
	d.MustLXC(t, "init", name, "--empty", "-s", e.pool)
	e.cleanupInstance(t, name)
	d.MustLXC(t, "snapshot", name, "s1")
	u := "/1.0/instances/" + name + "/snapshots/s1"
	for _, body := range []string{`{"expires_at":"2030-01-01T00:00:00Z"}`, `{}`} {
		out := d.MustLXC(t, "query", "-X", "PATCH", "-d", body, u)
		var op api.Operation
		if err := json.Unmarshal([]byte(out), &op); err != nil || op.Description != "Updating snapshot" {
			t.Fatalf("PATCH %s answered %q (%v), want an operation", body, out, err)
		}
		d.MustLXC(t, "query", "/1.0/operations/"+op.ID+"/wait")
		if got := d.MustLXC(t, "query", u); !strings.Contains(got, `"expires_at": "2030-01-01T00:00:00Z"`) {
			t.Errorf("after PATCH %s: %s", body, got)
		}
	}
}

func TestInstanceSnapshotPatch(t *testing.T) { scenarioSnapshotPatch(t, daemontest.Start(t)) }

func TestReferenceInstanceSnapshotPatch(t *testing.T) {
	scenarioSnapshotPatch(t, daemontest.StartReference(t))
}

//go:build integration

package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestInstanceSnapshotSchedule: snapshots.schedule @startup (with
// snapshots.schedule.stopped and snapshots.pattern) at daemon start,
// snapshots.expiry giving new snapshots an expiry, an explicit expires_at
// at creation, and the task deleting expired snapshots. The task period is
// shortened with LXDNG_INSTANCE_SNAPSHOT_TASK_INTERVAL.
func TestInstanceSnapshotSchedule(t *testing.T) {
	t.Setenv("LXDNG_INSTANCE_SNAPSHOT_TASK_INTERVAL", "1s")
	d := daemontest.Start(t)
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name, "-c", "snapshots.schedule=@startup, @daily", "-c", "snapshots.schedule.stopped=true",
		"-c", "snapshots.pattern=auto%d", "-c", "snapshots.expiry=1d")
	d.Restart()
	daemontest.Eventually(t, 30*time.Second, "@startup snapshot", func() bool {
		return strings.Join(e.snapshotNames(t, name), ",") == "auto0"
	})
	ctx := context.Background()
	snaps, err := d.Client.GetInstanceSnapshots(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if exp := snaps[0].ExpiresAt.Sub(snaps[0].CreatedAt); exp < 23*time.Hour || exp > 25*time.Hour {
		t.Fatalf("snapshots.expiry=1d gave expires_at %s after creation", exp)
	}
	soon := time.Now().Add(2 * time.Second)
	if err := d.Client.CreateInstanceSnapshot(ctx, name, api.InstanceSnapshotsPost{Name: "short", ExpiresAt: &soon}); err != nil {
		t.Fatal(err)
	}
	if got := e.snapshotNames(t, name); strings.Join(got, ",") != "auto0,short" {
		t.Fatalf("snapshots %v", got)
	}
	daemontest.Eventually(t, 30*time.Second, "expired snapshot pruned", func() bool {
		return strings.Join(e.snapshotNames(t, name), ",") == "auto0"
	})
}

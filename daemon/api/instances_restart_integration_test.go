//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioRestartEvents: the lifecycle events of `lxc restart` and
// `lxc restart --force`.
func scenarioRestartEvents(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	d.MustLXC(t, "start", name)
	events := lifecycleRecorder(t, d, name)
	d.MustLXC(t, "restart", name)
	d.MustLXC(t, "restart", "--force", name)
	var got []string
	for _, ev := range events() {
		got = append(got, ev.Action)
		if ev.Requestor == nil {
			t.Errorf("%s without requestor", ev.Action)
		}
	}
	t.Logf("restart events: %v", got)
	if strings.Join(got, ",") != "instance-restarted,instance-restarted" {
		t.Fatalf("restart events %v", got)
	}
}

func TestInstanceRestartEvents(t *testing.T) { scenarioRestartEvents(t, daemontest.Start(t)) }
func TestReferenceInstanceRestartEvents(t *testing.T) {
	scenarioRestartEvents(t, daemontest.StartReference(t))
}

// scenarioChangeEvents: the lifecycle events of config changes, snapshot
// rename and restore, and instance rename, with their contexts and
// requestors as LXD sends them.
func scenarioChangeEvents(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	events := lifecycleRecorder(t, d, name)
	d.MustLXC(t, "config", "set", name, "user.a", "b")
	d.MustLXC(t, "snapshot", name, "s0")
	d.MustLXC(t, "move", name+"/s0", name+"/s1")
	d.MustLXC(t, "restore", name, "s1")
	d.MustLXC(t, "move", name, name+"x")
	e.cleanupInstance(t, name+"x")
	var got []string
	for _, ev := range events() {
		desc := ev.Action + " " + strings.TrimPrefix(ev.Source, "/1.0/instances/"+name)
		if ev.Requestor != nil {
			desc += " +requestor"
		}
		for _, k := range []string{"old_name", "snapshot"} {
			if v, ok := ev.Context[k]; ok {
				desc += " " + k + "=" + strings.TrimPrefix(v.(string), name)
			}
		}
		got = append(got, desc)
	}
	want := []string{"instance-updated ", "instance-snapshot-created /snapshots/s0",
		"instance-snapshot-renamed /snapshots/s1 old_name=/s0", "instance-restored  snapshot=/s1", "instance-renamed x old_name="}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("change events\n got %q\nwant %q", got, want)
	}
}

func TestInstanceChangeEvents(t *testing.T) { scenarioChangeEvents(t, daemontest.Start(t)) }
func TestReferenceInstanceChangeEvents(t *testing.T) {
	scenarioChangeEvents(t, daemontest.StartReference(t))
}

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

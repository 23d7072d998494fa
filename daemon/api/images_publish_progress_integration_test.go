//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioPublishProgress: `lxc publish` shows the pack progress the
// operation reports ("Publishing instance: Image pack: ...").
func scenarioPublishProgress(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "a34c")
	e.newBusybox(t, name)
	alias := daemontest.Name(t, "a34pub")
	out := d.MustLXC(t, "publish", name, "--alias", alias)
	t.Cleanup(func() { d.LXC(t, "image", "delete", alias) })
	if !strings.Contains(out, "Publishing instance: Image pack: ") || !strings.Contains(out, "Instance published with fingerprint") {
		t.Errorf("publish output: %q", out)
	}
}

func TestImagePublishProgress(t *testing.T) { scenarioPublishProgress(t, daemontest.Start(t)) }

func TestReferenceImagePublishProgress(t *testing.T) {
	scenarioPublishProgress(t, daemontest.StartReference(t))
}

//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioInstanceType: `lxc init -t c2-m4` sets limits.cpu and
// limits.memory; an unknown type is refused naming it.
func scenarioInstanceType(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "a34c")
	d.MustLXC(t, "init", name, "--empty", "-s", e.pool, "-t", "c2-m4")
	e.cleanupInstance(t, name)
	inst := e.get(t, name)
	if inst.Config["limits.cpu"] != "2" || inst.Config["limits.memory"] != "4096MB" {
		t.Errorf("c2-m4: %v", inst.Config)
	}
	if msg := e.lxcFails(t, "init", daemontest.Name(t, "a34c"), "--empty", "-s", e.pool, "-t", "a34bogus"); !strings.Contains(msg, "Provided instance type doesn't exist: a34bogus") {
		t.Errorf("unknown type: %s", msg)
	}
}

func TestInstanceType(t *testing.T) {
	d := daemontest.Start(t)
	scenarioInstanceType(t, d)
	// Cloud names come from a built-in table (LXD downloads its table,
	// which this offline machine cannot).
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "a34c")
	d.MustLXC(t, "init", name, "--empty", "-s", e.pool, "-t", "aws:t2.micro")
	e.cleanupInstance(t, name)
	if inst := e.get(t, name); inst.Config["limits.cpu"] != "1" || inst.Config["limits.memory"] != "1024MB" {
		t.Errorf("t2.micro: %v", inst.Config)
	}
}

func TestReferenceInstanceType(t *testing.T) { scenarioInstanceType(t, daemontest.StartReference(t)) }

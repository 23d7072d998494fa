//go:build integration

package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// scenarioStatefulAndRawLXC: without CRIU, stateful stop, start and
// snapshot of a container fail with LXD 5.0.2's words; migration.stateful
// is not a container key; a raw.lxc line liblxc refuses, and exclusive
// security.syscalls keys, are refused when set (not at the next start).
func scenarioStatefulAndRawLXC(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "a34c")
	e.newBusybox(t, name)
	if msg := e.lxcFails(t, "config", "set", name, "raw.lxc", "lxc.bogus = 1"); !strings.Contains(msg, "Failed to load") {
		t.Errorf("raw.lxc with an unknown key: %s", msg)
	}
	d.MustLXC(t, "config", "set", name, "raw.lxc", "lxc.environment = A34=1")
	if msg := e.lxcFails(t, "config", "set", name, "migration.stateful", "true"); !strings.Contains(msg, "Unknown configuration key: migration.stateful") {
		t.Errorf("migration.stateful on a container: %s", msg)
	}
	d.MustLXC(t, "config", "set", name, "security.syscalls.deny", "mount")
	if msg := e.lxcFails(t, "config", "set", name, "security.syscalls.allow", "read"); !strings.Contains(msg, "security.syscalls.allow is mutually exclusive with security.syscalls.deny*") {
		t.Errorf("allow with deny: %s", msg)
	}
	if msg := e.lxcFails(t, "config", "set", name, "security.syscalls.blacklist", "mount"); !strings.Contains(msg, "Mutually exclusive keys security.syscalls.deny and security.syscalls.blacklist are set") {
		t.Errorf("a key with its old name: %s", msg)
	}
	d.MustLXC(t, "start", name)
	e.waitStatus(t, name, "Running")
	if msg := e.lxcFails(t, "stop", name, "--stateful"); !strings.Contains(msg, "Unable to perform container live migration. CRIU isn't installed") {
		t.Errorf("stateful stop: %s", msg)
	}
	if msg := e.lxcFails(t, "snapshot", name, "s1", "--stateful"); !strings.Contains(msg, "Unable to create a stateful snapshot. CRIU isn't installed") {
		t.Errorf("stateful snapshot: %s", msg)
	}
	if e.status(t, name) != "Running" {
		t.Fatal("a refused stateful stop stopped the container")
	}
	d.MustLXC(t, "stop", "-f", name)
	out := d.MustLXC(t, "query", "-X", "PUT", "-d", `{"action":"start","stateful":true}`, "/1.0/instances/"+name+"/state")
	var op api.Operation
	if err := json.Unmarshal([]byte(out), &op); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	r := d.LXC(t, "query", "/1.0/operations/"+op.ID+"/wait")
	if !strings.Contains(r.Stdout+r.Stderr, "Container has no existing state to restore") {
		t.Errorf("stateful start: %+v", r)
	}
}

func TestInstanceStatefulAndRawLXC(t *testing.T) { scenarioStatefulAndRawLXC(t, daemontest.Start(t)) }

func TestReferenceInstanceStatefulAndRawLXC(t *testing.T) {
	scenarioStatefulAndRawLXC(t, daemontest.StartReference(t))
}

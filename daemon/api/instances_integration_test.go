//go:build integration

package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioLifecycle drives one busybox container through LXD's life with
// the real lxc client: start, list, state, hostname from the create
// template, stop, restart, pause, resume, force stop, delete.
func scenarioLifecycle(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	if inst := e.get(t, name); inst.Status != "Stopped" || inst.LastUsedAt.Unix() != 0 {
		t.Fatalf("after init: status %q, last_used_at %s", inst.Status, inst.LastUsedAt)
	}
	begin := time.Now()
	d.MustLXC(t, "start", name)
	t.Logf("start took %s", time.Since(begin))
	e.waitStatus(t, name, "Running")
	st := e.state(t, name)
	if st.Pid <= 0 || st.Processes <= 0 || st.Memory.Usage <= 0 || st.CPU.Usage <= 0 || st.StatusCode != 103 {
		t.Fatalf("running state = %+v", st)
	}
	csv := d.MustLXC(t, "list", "--format", "csv", "-c", "ns")
	if !strings.Contains(csv, name+",RUNNING") {
		t.Fatalf("lxc list: %s", csv)
	}
	full := strings.TrimSpace(d.MustLXC(t, "list", name, "--format", "csv", "-c", "ns46tS"))
	if full != name+",RUNNING,,,CONTAINER,0" {
		t.Fatalf("lxc list -c ns46tS: %q", full)
	}
	host, err := os.ReadFile(filepath.Join(e.volumePath(name), "rootfs", "etc", "hostname"))
	if err != nil || strings.TrimSpace(string(host)) != name {
		t.Fatalf("hostname template: %q %v", host, err)
	}
	if out := d.MustLXC(t, "exec", name, "--", "hostname"); strings.TrimSpace(out) != name {
		t.Fatalf("hostname inside = %q", out)
	}
	inst := e.get(t, name)
	if time.Since(inst.LastUsedAt) > time.Minute {
		t.Fatalf("last_used_at = %s", inst.LastUsedAt)
	}
	if inst.Config["volatile.apply_template"] != "" || inst.Config["volatile.last_state.power"] != "RUNNING" {
		t.Fatalf("volatile after start: %v", inst.Config)
	}
	if msg := e.lxcFails(t, "delete", name); !strings.Contains(msg, "stop it first") {
		t.Fatalf("delete running: %s", msg)
	}
	d.MustLXC(t, "stop", name)
	e.waitStatus(t, name, "Stopped")
	d.MustLXC(t, "start", name)
	d.MustLXC(t, "restart", name)
	e.waitStatus(t, name, "Running")
	d.MustLXC(t, "pause", name)
	e.waitStatus(t, name, "Frozen")
	d.MustLXC(t, "start", name)
	e.waitStatus(t, name, "Running")
	d.MustLXC(t, "stop", "-f", name)
	e.waitStatus(t, name, "Stopped")
	if st := e.state(t, name); st.Pid != 0 || st.Network != nil {
		t.Fatalf("stopped state = %+v", st)
	}
	d.MustLXC(t, "delete", name)
	if e.exists(t, name) {
		t.Fatal("instance still listed after delete")
	}
	if _, err := os.Stat(e.volumePath(name)); !os.IsNotExist(err) {
		t.Fatalf("volume left behind: %v", err)
	}
}

func TestInstanceLifecycle(t *testing.T)          { scenarioLifecycle(t, daemontest.Start(t)) }
func TestReferenceInstanceLifecycle(t *testing.T) { scenarioLifecycle(t, daemontest.StartReference(t)) }

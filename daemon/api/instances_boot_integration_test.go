//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestInstanceDaemonRestart: containers outlive a killed daemon and a
// SIGTERM, and work after it comes back; boot.autostart starts instances
// at daemon start; `lxd shutdown` stops them by boot.stop.priority and
// they come back at the next start.
func TestInstanceDaemonRestart(t *testing.T) {
	d := daemontest.Start(t)
	e := newInstEnv(t, d)
	running, auto, idle, first := daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c")
	e.newBusybox(t, running, "-c", "boot.stop.priority=10")
	e.newBusybox(t, auto, "-c", "boot.autostart=true", "-c", "boot.stop.priority=5", "-c", "boot.host_shutdown_timeout=5")
	e.newBusybox(t, idle)
	e.newBusybox(t, first, "-c", "boot.autostart=true", "-c", "boot.autostart.priority=10", "-c", "boot.autostart.delay=1")
	d.MustLXC(t, "start", running)
	pid := e.state(t, running).Pid

	d.Kill()
	d.Restart()
	e.waitStatus(t, auto, "Running")
	// The container runs before its start is recorded (last_used_at).
	daemontest.Eventually(t, 30*time.Second, auto+" last_used_at", func() bool { return e.get(t, auto).LastUsedAt.Year() > 1970 })
	// boot.autostart.priority: highest first; boot.autostart.delay after it.
	if a, f := e.get(t, auto).LastUsedAt, e.get(t, first).LastUsedAt; a.Sub(f) < time.Second {
		t.Fatalf("autostart order/delay: %s started at %s, %s at %s", first, f, auto, a)
	}
	if st := e.state(t, running); st.Pid != pid || st.Status != "Running" {
		t.Fatalf("after kill -9 and restart: %+v (pid was %d)", st, pid)
	}
	if got := e.status(t, idle); got != "Stopped" {
		t.Fatalf("idle instance %s", got)
	}
	if out := d.MustLXC(t, "exec", running, "--", "echo", "alive"); strings.TrimSpace(out) != "alive" {
		t.Fatalf("exec after kill -9: %q", out)
	}
	d.MustLXC(t, "restart", running)
	e.waitStatus(t, running, "Running")

	d.Stop() // SIGTERM: containers keep running
	d.Restart()
	if got := e.status(t, running); got != "Running" {
		t.Fatalf("after SIGTERM: %s", got)
	}

	order := recordShutdowns(t, d)
	if _, _, err := d.Client.Query(context.Background(), http.MethodPut, "/internal/shutdown", nil, ""); err != nil {
		t.Fatal(err)
	}
	d.Stop()
	got := <-order
	if strings.Join(got, ",") != "/1.0/instances/"+running+",/1.0/instances/"+auto+",/1.0/instances/"+first {
		t.Fatalf("shutdown order %v", got)
	}
	d.Restart()
	e.waitStatus(t, running, "Running")
	e.waitStatus(t, auto, "Running")
	if got := e.status(t, idle); got != "Stopped" {
		t.Fatalf("idle instance after shutdown/start: %s", got)
	}
}

// recordShutdowns collects the sources of instance-shutdown events until
// the event stream ends (daemon gone).
func recordShutdowns(t *testing.T, d *daemontest.Daemon) <-chan []string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	ch, err := d.Client.GetEvents(ctx, true, "lifecycle")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	out := make(chan []string, 1)
	go func() {
		defer cancel()
		var got []string
		for ev := range ch {
			var m api.EventLifecycle
			if json.Unmarshal(ev.Metadata, &m) == nil && m.Action == "instance-shutdown" {
				got = append(got, m.Source)
			}
		}
		out <- got
	}()
	return out
}

// TestInstanceStartFailures: a start liblxc aborts (a raw.lxc mount entry
// whose source is missing) leaves the instance stopped with liblxc's
// complaint; a raw.lxc liblxc refuses is refused when set, as LXD does; a
// create that fails midway (the image file was truncated behind the
// daemon's back) leaves no record, no volume and no driver files.
func TestInstanceStartFailures(t *testing.T) {
	d := daemontest.Start(t)
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	if msg := e.lxcFails(t, "config", "set", name, "raw.lxc", "lxc.nosuch.key = 1"); !strings.Contains(msg, "raw.lxc") {
		t.Fatalf("set raw.lxc liblxc refuses: %s", msg)
	}
	if msg := e.lxcFails(t, "init", daemontest.Name(t, "c"), "--empty", "-s", e.pool, "-c", "raw.lxc=lxc.nosuch.key = 1"); !strings.Contains(msg, "raw.lxc") {
		t.Fatalf("create with a raw.lxc liblxc refuses: %s", msg)
	}
	d.MustLXC(t, "config", "set", name, "raw.lxc", "lxc.mount.entry = /a34-no-such-dir mnt none bind 0 0")
	msg := e.lxcFails(t, "start", name)
	if !strings.Contains(msg, "Failed to start instance") || !strings.Contains(msg, "a34-no-such-dir") {
		t.Fatalf("start with a failing mount entry: %s", msg)
	}
	if got := e.status(t, name); got != "Stopped" {
		t.Fatalf("status after failed start = %s", got)
	}
	d.MustLXC(t, "config", "unset", name, "raw.lxc")
	d.MustLXC(t, "start", name)
	d.MustLXC(t, "stop", "-f", name)

	// The image unpacks to nothing after the record and the volume exist:
	// everything is reverted.
	img := busyboxImage(t)
	alias := daemontest.Name(t, "img")
	d.MustLXC(t, "image", "import", img.Unified, "--alias", alias)
	t.Cleanup(func() { d.LXC(t, "image", "delete", alias) })
	fp := strings.TrimSpace(d.MustLXC(t, "image", "list", alias, "-c", "F", "-f", "csv"))
	if err := os.Truncate(filepath.Join(d.Dir, "images", fp), 0); err != nil {
		t.Fatal(err)
	}
	bad := daemontest.Name(t, "c")
	if r := d.LXC(t, "init", alias, bad, "-s", e.pool); r.ExitCode == 0 {
		t.Fatalf("create from a truncated image succeeded: %+v", r)
	}
	assertNoTrace(t, e, bad)
}

// assertNoTrace checks that nothing of an instance is left.
func assertNoTrace(t *testing.T, e *instEnv, name string) {
	t.Helper()
	if e.exists(t, name) {
		t.Fatal("record left behind")
	}
	for _, p := range []string{e.volumePath(name), e.d.Dir + "/logs/default_" + name} {
		if _, err := os.Stat(p); err == nil {
			t.Fatalf("%s left behind", p)
		}
	}
}

// scenarioEphemeral: ephemeral instances are deleted when stopped, also
// when they stop on their own (init killed from the host); a normal
// instance stopping on its own is recorded as stopped.
func scenarioEphemeral(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	eph, eph2, normal := daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c")
	e.newBusybox(t, eph, "-e")
	e.newBusybox(t, eph2, "-e")
	e.newBusybox(t, normal)
	d.MustLXC(t, "start", eph)
	d.MustLXC(t, "stop", "--force", eph) // LXD 5.0.2 sometimes hangs on a clean stop of an ephemeral instance
	daemontest.Eventually(t, 30*time.Second, "ephemeral deleted on stop", func() bool { return !e.exists(t, eph) })

	for _, n := range []string{eph2, normal} {
		d.MustLXC(t, "start", n)
		if err := syscall.Kill(int(e.state(t, n).Pid), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	daemontest.Eventually(t, 30*time.Second, "ephemeral deleted when it died", func() bool { return !e.exists(t, eph2) })
	e.waitStatus(t, normal, "Stopped")
	daemontest.Eventually(t, 30*time.Second, "power state recorded", func() bool {
		cfg := e.get(t, normal).Config
		return cfg["volatile.last_state.power"] == "STOPPED"
	})
	d.MustLXC(t, "start", normal)
	e.waitStatus(t, normal, "Running")
}

func TestInstanceEphemeral(t *testing.T)          { scenarioEphemeral(t, daemontest.Start(t)) }
func TestReferenceInstanceEphemeral(t *testing.T) { scenarioEphemeral(t, daemontest.StartReference(t)) }

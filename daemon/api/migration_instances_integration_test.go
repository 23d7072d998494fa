//go:build integration

package api_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// Instance migration between two servers with the real lxc 5.0.2: `lxc
// copy a:c1 b:c2` (pull, push, relay), --refresh, --instance-only and `lxc
// move a:c1 b:c1` of a stopped busybox container with snapshots; the
// copies start on the target.

// migrateInstEnvs gives both daemons a dir pool of the same name.
func migrateInstEnvs(t *testing.T, a, b *daemontest.Daemon) (*instEnv, *instEnv) {
	ea := newInstEnv(t, a)
	eb := &instEnv{d: b, pool: ea.pool}
	b.MustLXC(t, "storage", "create", eb.pool, "dir")
	t.Cleanup(func() { b.LXC(t, "storage", "delete", eb.pool) })
	return ea, eb
}

// migrateSnapshotNames lists an instance's snapshot names, sorted.
func migrateSnapshotNames(t *testing.T, e *instEnv, name string) []string {
	t.Helper()
	out := e.d.MustLXC(t, "query", "/1.0/instances/"+name+"/snapshots")
	var names []string
	for _, f := range strings.Split(out, "\"") {
		if i := strings.Index(f, "/snapshots/"); i >= 0 {
			names = append(names, f[i+len("/snapshots/"):])
		}
	}
	sort.Strings(names)
	return names
}

// migrateRootfs reads a file of an instance's root filesystem on disk.
func migrateRootfs(t *testing.T, e *instEnv, name, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e.volumePath(name), "rootfs", file))
	if err != nil {
		t.Fatalf("%s:%s: %v", name, file, err)
	}
	return string(data)
}

func migrateWriteRootfs(t *testing.T, e *instEnv, name, file, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.volumePath(name), "rootfs", file), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// migrateStartCheck starts an instance, reads a file inside, stops it.
func migrateStartCheck(t *testing.T, e *instEnv, name, file, want string) {
	t.Helper()
	e.d.MustLXC(t, "start", name)
	e.waitStatus(t, name, "Running")
	if got := strings.TrimSpace(e.d.MustLXC(t, "exec", name, "--", "cat", file)); got != want {
		t.Errorf("%s inside %s: %q, want %q", file, name, got, want)
	}
	e.d.MustLXC(t, "stop", name, "-f")
}

func scenarioMigrateInstance(t *testing.T, a, b *daemontest.Daemon, mode string) {
	enableHTTPS(t, a)
	enableHTTPS(t, b)
	ea, eb := migrateInstEnvs(t, a, b)
	env := addRemotes(t, map[string]*daemontest.Daemon{"a": a, "b": b})
	lxc := func(args ...string) {
		t.Helper()
		if mode != "" {
			args = append(args, "--mode", mode)
		}
		if r := a.LXCEnv(t, env, args...); r.ExitCode != 0 {
			t.Fatalf("lxc %s: %+v", strings.Join(args, " "), r)
		}
	}
	ea.newBusybox(t, "c1", "-c", "user.k=v")
	a.MustLXC(t, "config", "device", "add", "c1", "eth0", "nic", "nictype=p2p")
	// A start lets LXD shift the root filesystem to the container's map
	// (its migration then sends that map).
	a.MustLXC(t, "start", "c1")
	ea.waitStatus(t, "c1", "Running")
	a.MustLXC(t, "stop", "c1", "-f")
	migrateWriteRootfs(t, ea, "c1", "marker", "one")
	a.MustLXC(t, "snapshot", "c1", "s1")
	// Contents of different sizes: LXD's receiver trusts size and
	// mtime in seconds.
	migrateWriteRootfs(t, ea, "c1", "marker", "second")
	for _, n := range []string{"c1", "c2", "c3", "c4"} {
		n := n
		t.Cleanup(func() { b.LXC(t, "delete", "-f", n) })
	}

	start := time.Now()
	lxc("copy", "a:c1", "b:c2")
	t.Logf("copy took %s", time.Since(start).Round(time.Millisecond))
	if got := eb.get(t, "c2"); got.Config["user.k"] != "v" || got.Config["volatile.apply_template"] != "copy" {
		t.Errorf("copied config: %v", got.Config)
	}
	if got := migrateSnapshotNames(t, eb, "c2"); strings.Join(got, ",") != "s1" {
		t.Errorf("copied snapshots: %v", got)
	}
	if got := migrateRootfs(t, eb, "c2", "marker"); got != "second" {
		t.Errorf("copied marker: %q", got)
	}
	if eb.d.Kind == daemontest.Ours {
		// Our root volumes are unshifted on disk, whatever the source did.
		var st syscall.Stat_t
		if err := syscall.Lstat(filepath.Join(eb.volumePath("c2"), "rootfs", "bin"), &st); err != nil || st.Uid != 0 || st.Gid != 0 {
			t.Errorf("copied rootfs/bin owned by %d:%d (%v), want 0:0", st.Uid, st.Gid, err)
		}
	}

	// Refresh: a new snapshot and new content on the source.
	a.MustLXC(t, "snapshot", "c1", "s2")
	migrateWriteRootfs(t, ea, "c1", "marker", "the third")
	lxc("copy", "a:c1", "b:c2", "--refresh")
	if got := migrateSnapshotNames(t, eb, "c2"); strings.Join(got, ",") != "s1,s2" {
		t.Errorf("refreshed snapshots: %v", got)
	}
	if got := migrateRootfs(t, eb, "c2", "marker"); got != "the third" {
		t.Errorf("refreshed marker: %q", got)
	}
	migrateStartCheck(t, eb, "c2", "/marker", "the third")

	// A snapshot copies as an instance of its own.
	lxc("copy", "a:c1/s1", "b:c4")
	if got := migrateRootfs(t, eb, "c4", "marker"); got != "one" {
		t.Errorf("marker of the snapshot copy: %q", got)
	}
	if got := migrateSnapshotNames(t, eb, "c4"); len(got) != 0 {
		t.Errorf("snapshot copy has snapshots: %v", got)
	}

	// --storage picks the target pool (the client rewrites the root disk).
	pool2 := daemontest.Name(t, "p2")
	b.MustLXC(t, "storage", "create", pool2, "dir")
	t.Cleanup(func() { b.LXC(t, "delete", "-f", "c3"); b.LXC(t, "storage", "delete", pool2) })
	lxc("copy", "a:c1", "b:c3", "--instance-only", "--storage", pool2)
	if got := migrateSnapshotNames(t, eb, "c3"); len(got) != 0 {
		t.Errorf("instance-only copy has snapshots: %v", got)
	}
	if vols := b.MustLXC(t, "storage", "volume", "list", pool2, "--format", "csv"); !strings.Contains(vols, "container,c3,") {
		t.Errorf("c3 not in the pool given with --storage:\n%s", vols)
	}

	hwaddr := ea.get(t, "c1").Config["volatile.eth0.hwaddr"]
	if hwaddr == "" || eb.get(t, "c3").Config["volatile.eth0.hwaddr"] == hwaddr {
		t.Errorf("copy kept the MAC address %q (or the source has none)", hwaddr)
	}
	lxc("move", "a:c1", "b:c1")
	if moved := eb.get(t, "c1"); moved.Config["volatile.eth0.hwaddr"] != hwaddr || moved.Devices["eth0"]["nictype"] != "p2p" {
		t.Errorf("moved instance lost its NIC or MAC address: %v %v", moved.Config, moved.Devices)
	}
	if ea.exists(t, "c1") {
		t.Errorf("moved instance still on the source")
	}
	if got := migrateSnapshotNames(t, eb, "c1"); strings.Join(got, ",") != "s1,s2" {
		t.Errorf("moved snapshots: %v", got)
	}
	migrateStartCheck(t, eb, "c1", "/marker", "the third")
}

func TestMigrateInstance(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.Start(t), daemontest.Start(t), "")
}

func TestMigrateInstancePush(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.Start(t), daemontest.Start(t), "push")
}

func TestMigrateInstanceRelay(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.Start(t), daemontest.Start(t), "relay")
}

func TestReferenceMigrateInstance(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.StartReference(t), daemontest.StartReference(t), "")
}

func TestMigrateInstanceFromReference(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.StartReference(t), daemontest.Start(t), "")
}

func TestMigrateInstanceFromReferencePush(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.StartReference(t), daemontest.Start(t), "push")
}

func TestMigrateInstanceToReference(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.Start(t), daemontest.StartReference(t), "")
}

func TestMigrateInstanceToReferencePush(t *testing.T) {
	scenarioMigrateInstance(t, daemontest.Start(t), daemontest.StartReference(t), "push")
}

// scenarioMigrateRunning: a running container cannot move live (no CRIU:
// LXD's error), but copies stateless (LXD sends it in two passes).
func scenarioMigrateRunning(t *testing.T, a, b *daemontest.Daemon) {
	enableHTTPS(t, a)
	enableHTTPS(t, b)
	ea, eb := migrateInstEnvs(t, a, b)
	env := addRemotes(t, map[string]*daemontest.Daemon{"a": a, "b": b})
	ea.newBusybox(t, "c1")
	migrateWriteRootfs(t, ea, "c1", "marker", "running")
	eb.cleanupInstance(t, "c1")
	eb.cleanupInstance(t, "c2")
	a.MustLXC(t, "start", "c1")
	ea.waitStatus(t, "c1", "Running")
	r := a.LXCEnv(t, env, "move", "a:c1", "b:c1")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "CRIU") {
		t.Errorf("live move: %+v", r)
	}
	if !ea.exists(t, "c1") || eb.exists(t, "c1") {
		t.Errorf("failed live move changed the instances")
	}
	if r := a.LXCEnv(t, env, "copy", "a:c1", "b:c2", "--stateless"); r.ExitCode != 0 {
		t.Fatalf("stateless copy: %+v", r)
	}
	a.MustLXC(t, "stop", "c1", "-f")
	migrateStartCheck(t, eb, "c2", "/marker", "running")
}

func TestMigrateRunning(t *testing.T) {
	scenarioMigrateRunning(t, daemontest.Start(t), daemontest.Start(t))
}

func TestReferenceMigrateRunning(t *testing.T) {
	scenarioMigrateRunning(t, daemontest.StartReference(t), daemontest.StartReference(t))
}

func TestMigrateRunningFromReference(t *testing.T) {
	scenarioMigrateRunning(t, daemontest.StartReference(t), daemontest.Start(t))
}

func TestMigrateRunningToReference(t *testing.T) {
	scenarioMigrateRunning(t, daemontest.Start(t), daemontest.StartReference(t))
}

//go:build integration

package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// Custom volume migration between two servers with the real lxc 5.0.2:
// `lxc storage volume copy|move a:pool/vol b:pool/vol` in pull (default),
// push and relay modes, refresh and volume-only. The same scenarios run
// between two reference daemons (proving they check LXD's behaviour) and
// between ours and the reference (interoperability).

// migrateVolumeDir is where a dir pool keeps a default-project volume (or
// one of its snapshots), on our daemon and on LXD alike.
func migrateVolumeDir(d *daemontest.Daemon, pool, vol, snap string) string {
	if snap != "" {
		return filepath.Join(d.Dir, "storage-pools", pool, "custom-snapshots", "default_"+vol, snap)
	}
	return filepath.Join(d.Dir, "storage-pools", pool, "custom", "default_"+vol)
}

func migrateWrite(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

// migrateTree maps relative path -> content of the regular files under dir.
func migrateTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func migrateSameTree(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got[k], v)
		}
	}
}

// migratePools makes a dir pool of the same name on both daemons.
func migratePools(t *testing.T, a, b *daemontest.Daemon) string {
	pool := daemontest.Name(t, "mig")
	for _, d := range []*daemontest.Daemon{a, b} {
		d.MustLXC(t, "storage", "create", pool, "dir")
		d := d
		t.Cleanup(func() { cleanupPool(t, d, pool) })
	}
	return pool
}

// migrateVolumeSnapshots lists a volume's snapshot names.
func migrateVolumeSnapshots(t *testing.T, d *daemontest.Daemon, pool, vol string) []string {
	t.Helper()
	snaps, err := d.Client.GetStorageVolumeSnapshots(context.Background(), pool, "custom", vol)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range snaps {
		names = append(names, s.Name[strings.LastIndex(s.Name, "/")+1:])
	}
	return names
}

// scenarioMigrateVolume copies a volume with two snapshots from a to b in
// the given mode, refreshes it after a change and a new snapshot, copies
// it volume-only, and moves it.
func scenarioMigrateVolume(t *testing.T, a, b *daemontest.Daemon, mode string) {
	enableHTTPS(t, a)
	enableHTTPS(t, b)
	pool := migratePools(t, a, b)
	env := addRemotes(t, map[string]*daemontest.Daemon{"a": a, "b": b})
	lxc := func(args ...string) string {
		t.Helper()
		if mode != "" && (args[2] == "copy" || args[2] == "move") {
			args = append(args, "--mode", mode)
		}
		r := a.LXCEnv(t, env, args...)
		if r.ExitCode != 0 {
			t.Fatalf("lxc %s: %+v", strings.Join(args, " "), r)
		}
		return r.Stdout
	}
	a.MustLXC(t, "storage", "volume", "create", pool, "v1", "user.k=v")
	states := []map[string]string{
		{"f": "one", "d/g": "two"},
		{"f": "changed", "h": "three"},
		{"f": "now", "big": strings.Repeat("0123456789", 100000)},
	}
	for i, snap := range []string{"s1", "s2"} {
		migrateWrite(t, migrateVolumeDir(a, pool, "v1", ""), states[i])
		if i == 1 {
			_ = os.Remove(filepath.Join(migrateVolumeDir(a, pool, "v1", ""), "d", "g"))
		}
		a.MustLXC(t, "storage", "volume", "snapshot", pool, "v1", snap)
	}
	_ = os.Remove(filepath.Join(migrateVolumeDir(a, pool, "v1", ""), "h"))
	migrateWrite(t, migrateVolumeDir(a, pool, "v1", ""), states[2])
	want := migrateTree(t, migrateVolumeDir(a, pool, "v1", ""))

	lxc("storage", "volume", "copy", "a:"+pool+"/v1", "b:"+pool+"/v1")
	migrateSameTree(t, "copied volume", migrateTree(t, migrateVolumeDir(b, pool, "v1", "")), want)
	for _, snap := range []string{"s1", "s2"} {
		migrateSameTree(t, "copied snapshot "+snap, migrateTree(t, migrateVolumeDir(b, pool, "v1", snap)),
			migrateTree(t, migrateVolumeDir(a, pool, "v1", snap)))
	}
	if got := migrateVolumeSnapshots(t, b, pool, "v1"); strings.Join(got, ",") != "s1,s2" {
		t.Errorf("snapshots on the target: %v", got)
	}
	vol, _, err := b.Client.GetStorageVolume(context.Background(), pool, "custom", "v1")
	if err != nil || vol.Config["user.k"] != "v" {
		t.Errorf("target volume config: %+v %v", vol, err)
	}

	// Refresh: a new file and a new snapshot on the source; a snapshot
	// only the target has is dropped (LXD 5.0.2 mirrors the source's set).
	migrateWrite(t, migrateVolumeDir(a, pool, "v1", ""), map[string]string{"new": "file"})
	a.MustLXC(t, "storage", "volume", "snapshot", pool, "v1", "s3")
	b.MustLXC(t, "storage", "volume", "snapshot", pool, "v1", "extra")
	migrateWrite(t, migrateVolumeDir(a, pool, "v1", ""), map[string]string{"after": "s3"})
	lxc("storage", "volume", "copy", "a:"+pool+"/v1", "b:"+pool+"/v1", "--refresh")
	migrateSameTree(t, "refreshed volume", migrateTree(t, migrateVolumeDir(b, pool, "v1", "")),
		migrateTree(t, migrateVolumeDir(a, pool, "v1", "")))
	if got := migrateVolumeSnapshots(t, b, pool, "v1"); strings.Join(got, ",") != "s1,s2,s3" {
		t.Errorf("snapshots after refresh: %v", got)
	}

	// Without --refresh an existing target is refused.
	if r := a.LXCEnv(t, env, "storage", "volume", "copy", "a:"+pool+"/v1", "b:"+pool+"/v1"); r.ExitCode == 0 {
		t.Errorf("copy over an existing volume succeeded: %+v", r)
	}

	lxc("storage", "volume", "copy", "a:"+pool+"/v1", "b:"+pool+"/v2", "--volume-only")
	if got := migrateVolumeSnapshots(t, b, pool, "v2"); len(got) != 0 {
		t.Errorf("volume-only copy has snapshots: %v", got)
	}
	migrateSameTree(t, "volume-only copy", migrateTree(t, migrateVolumeDir(b, pool, "v2", "")),
		migrateTree(t, migrateVolumeDir(a, pool, "v1", "")))

	lxc("storage", "volume", "move", "a:"+pool+"/v1", "b:"+pool+"/v3")
	if _, _, err := a.Client.GetStorageVolume(context.Background(), pool, "custom", "v1"); err == nil {
		t.Errorf("moved volume still on the source")
	}
	if got := migrateVolumeSnapshots(t, b, pool, "v3"); strings.Join(got, ",") != "s1,s2,s3" {
		t.Errorf("snapshots of the moved volume: %v", got)
	}
}

func TestMigrateVolume(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.Start(t), daemontest.Start(t), "")
}

func TestMigrateVolumePush(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.Start(t), daemontest.Start(t), "push")
}

func TestMigrateVolumeRelay(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.Start(t), daemontest.Start(t), "relay")
}

func TestReferenceMigrateVolume(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.StartReference(t), daemontest.StartReference(t), "")
}

func TestMigrateVolumeFromReference(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.StartReference(t), daemontest.Start(t), "")
}

func TestMigrateVolumeToReference(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.Start(t), daemontest.StartReference(t), "push")
}

func TestMigrateVolumeFromReferencePush(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.StartReference(t), daemontest.Start(t), "push")
}

func TestMigrateVolumeToReferencePull(t *testing.T) {
	scenarioMigrateVolume(t, daemontest.Start(t), daemontest.StartReference(t), "")
}

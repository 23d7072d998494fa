//go:build integration

package api_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioStorageVolumeProjectMove: `lxc storage volume move p/v p/v
// --project a --target-project b` (storage_api_project) moves a custom
// volume with its content and snapshots to another project; a volume in
// use is not moved.
func scenarioStorageVolumeProjectMove(t *testing.T, d *daemontest.Daemon) {
	p := newPool(t, d, "dir")
	proj := daemontest.Name(t, "a34proj")
	d.MustLXC(t, "project", "create", proj)
	t.Cleanup(func() { d.LXC(t, "project", "delete", proj) })
	d.MustLXC(t, "storage", "volume", "create", p, "a34v", "--project", proj, "user.k=v")
	writeFile(t, filepath.Join(volumeDir(d, p, proj, "a34v"), "f"), "data")
	d.MustLXC(t, "storage", "volume", "snapshot", p, "a34v", "s1", "--project", proj)

	d.MustLXC(t, "storage", "volume", "move", p+"/a34v", p+"/a34v", "--project", proj, "--target-project", "default")
	if out := d.MustLXC(t, "storage", "volume", "list", p, "-f", "csv", "-c", "tn", "--project", proj); strings.Contains(out, "a34v") {
		t.Errorf("volume left in the source project:\n%s", out)
	}
	out := d.MustLXC(t, "storage", "volume", "list", p, "-f", "csv", "-c", "tn")
	if !strings.Contains(out, "custom,a34v\n") || !strings.Contains(out, "custom (snapshot),a34v/s1") {
		t.Errorf("volume or snapshot missing in the target project:\n%s", out)
	}
	if got := readFile(t, filepath.Join(volumeDir(d, p, "default", "a34v"), "f")); got != "data" {
		t.Errorf("content after move: %q", got)
	}
	if got := strings.TrimSpace(d.MustLXC(t, "storage", "volume", "get", p, "a34v", "user.k")); got != "v" {
		t.Errorf("config after move: %q", got)
	}

	prof := daemontest.Name(t, "a34prof")
	d.MustLXC(t, "profile", "create", prof)
	t.Cleanup(func() { d.LXC(t, "profile", "delete", prof) })
	d.MustLXC(t, "profile", "device", "add", prof, "v", "disk", "pool="+p, "source=a34v", "path=/mnt")
	if r := d.LXC(t, "storage", "volume", "move", p+"/a34v", p+"/a34v", "--target-project", proj); r.ExitCode == 0 {
		t.Errorf("a volume in use was moved")
	}
	d.MustLXC(t, "profile", "device", "remove", prof, "v")
	d.MustLXC(t, "storage", "volume", "delete", p, "a34v")
}

func TestStorageVolumeProjectMove(t *testing.T) {
	scenarioStorageVolumeProjectMove(t, daemontest.Start(t))
}

func TestReferenceStorageVolumeProjectMove(t *testing.T) {
	scenarioStorageVolumeProjectMove(t, daemontest.StartReference(t))
}

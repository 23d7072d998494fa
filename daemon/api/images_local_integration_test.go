//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioImageLocalQuirks: an image lists its aliases in creation order
// (not sorted); refreshing an image imported from a file fails, as it has
// no source to refresh from.
func scenarioImageLocalQuirks(t *testing.T, d *daemontest.Daemon) {
	img := busyboxImage(t)
	first, second := daemontest.Name(t, "zz-a34"), daemontest.Name(t, "aa-a34")
	d.MustLXC(t, "image", "import", img.Unified, "--alias", first)
	t.Cleanup(func() { d.LXC(t, "image", "delete", first) })
	fp := strings.TrimSpace(d.MustLXC(t, "image", "list", first, "-c", "F", "-f", "csv"))
	d.MustLXC(t, "image", "alias", "create", second, fp)
	info := d.MustLXC(t, "image", "info", first)
	if i, j := strings.Index(info, "- "+first), strings.Index(info, "- "+second); i < 0 || j < 0 || i > j {
		t.Errorf("aliases not in creation order:\n%s", info)
	}
	r := d.LXC(t, "image", "refresh", first)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Image source not found") {
		t.Errorf("refresh of an imported image: exit %d %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
}

func TestImageLocalQuirks(t *testing.T) { scenarioImageLocalQuirks(t, daemontest.Start(t)) }

func TestReferenceImageLocalQuirks(t *testing.T) {
	scenarioImageLocalQuirks(t, daemontest.StartReference(t))
}

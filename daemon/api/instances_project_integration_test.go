//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioProjects: an instance in a project with its own profiles and
// images; listing per project and across projects; URLs carry ?project=.
func scenarioProjects(t *testing.T, d *daemontest.Daemon) {
	pool, proj := daemontest.Name(t, "p"), daemontest.Name(t, "pj")
	d.MustLXC(t, "storage", "create", pool, "dir")
	d.MustLXC(t, "project", "create", proj)
	t.Cleanup(func() {
		d.LXC(t, "image", "delete", "bb", "--project", proj)
		d.LXC(t, "project", "delete", proj)
		d.LXC(t, "storage", "delete", pool)
	})
	d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool="+pool, "--project", proj)
	d.MustLXC(t, "image", "import", busyboxImage(t).Unified, "--alias", "bb", "--project", proj)
	name := daemontest.Name(t, "c")
	t.Cleanup(func() { d.LXC(t, "delete", "-f", name, "--project", proj) })
	d.MustLXC(t, "launch", "bb", name, "--project", proj)
	if out := d.MustLXC(t, "exec", name, "--project", proj, "--", "hostname"); strings.TrimSpace(out) != name {
		t.Fatalf("hostname %q", out)
	}
	if out := d.MustLXC(t, "list", "--format", "csv", "-c", "n"); strings.Contains(out, name) {
		t.Fatalf("default project lists %s: %s", name, out)
	}
	if out := d.MustLXC(t, "list", "--project", proj, "--format", "csv", "-c", "ns"); strings.TrimSpace(out) != name+",RUNNING" {
		t.Fatalf("project list %q", out)
	}
	all := d.MustLXC(t, "query", "/1.0/instances?all-projects=true")
	if !strings.Contains(all, `"/1.0/instances/`+name+`?project=`+proj+`"`) {
		t.Fatalf("all-projects URLs %s", all)
	}
	if out := d.MustLXC(t, "list", "--all-projects", "--format", "csv", "-c", "en"); !strings.Contains(out, proj+","+name) {
		t.Fatalf("lxc list --all-projects %q", out)
	}
	d.MustLXC(t, "snapshot", name, "s0", "--project", proj)
	// A copy into another project (container_copy_project).
	other := daemontest.Name(t, "c")
	t.Cleanup(func() { d.LXC(t, "delete", "-f", other) })
	d.MustLXC(t, "copy", name, other, "--project", proj, "--target-project", "default", "-s", pool)
	d.MustLXC(t, "start", other)
	if out := d.MustLXC(t, "exec", other, "--", "hostname"); strings.TrimSpace(out) != other {
		t.Fatalf("hostname of the cross-project copy %q", out)
	}
	d.MustLXC(t, "delete", "-f", other)
	d.MustLXC(t, "delete", "-f", name, "--project", proj)
}

func TestInstanceProjects(t *testing.T)          { scenarioProjects(t, daemontest.Start(t)) }
func TestReferenceInstanceProjects(t *testing.T) { scenarioProjects(t, daemontest.StartReference(t)) }

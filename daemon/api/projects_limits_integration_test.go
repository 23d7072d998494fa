//go:build integration

package api_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// instanceAdder creates an instance with config in project p. Our daemon
// has no instance service yet, so ours inserts the row; the reference
// creates a real empty container. Both make the limits see an instance.
type instanceAdder func(t *testing.T, p, name string, cfg map[string]string)

func oursAdder(d *daemontest.Daemon) instanceAdder {
	return func(t *testing.T, p, name string, cfg map[string]string) {
		data, _ := json.Marshal(cfg)
		insertInstance(t, d, p, p, name, string(data), "default")
	}
}

// referenceAdder gives the project's default profile a root disk on a new
// dir pool and runs `lxc init --empty`.
func referenceAdder(t *testing.T, d *daemontest.Daemon) instanceAdder {
	pool := daemontest.Name(t, "lxdngpp-pool")
	d.MustLXC(t, "storage", "create", pool, "dir")
	t.Cleanup(func() { d.LXC(t, "storage", "delete", pool) })
	rooted := map[string]bool{}
	return func(t *testing.T, p, name string, cfg map[string]string) {
		if !rooted[p] {
			d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool="+pool, "--project", p)
			rooted[p] = true
		}
		args := []string{"init", "--empty", name, "--project", p}
		keys := make([]string, 0, len(cfg))
		for k := range cfg {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			args = append(args, "-c", k+"="+cfg[k])
		}
		d.MustLXC(t, args...)
		t.Cleanup(func() { d.LXC(t, "delete", name, "--project", p, "--force") })
	}
}

func projectState(t *testing.T, d *daemontest.Daemon, p string) map[string]map[string]int64 {
	t.Helper()
	status, resp := rawQuery(t, d, "GET", "/1.0/projects/"+p+"/state", "", nil)
	if status != 200 {
		t.Fatalf("state: %d %s", status, resp.Error)
	}
	var raw struct {
		Resources map[string]map[string]int64 `json:"resources"`
	}
	if err := json.Unmarshal(resp.Metadata, &raw); err != nil {
		t.Fatal(err)
	}
	return raw.Resources
}

// scenarioProjectLimits: new limits must hold for what the project has,
// with LXD's texts; /state counts the instances' own limits.
func scenarioProjectLimits(t *testing.T, d *daemontest.Daemon, add instanceAdder) {
	p := daemontest.Name(t, "lxdngpp-l")
	d.MustLXC(t, "project", "create", p, "-c", "limits.instances=2", "-c", "limits.cpu=4")
	t.Cleanup(func() { d.LXC(t, "project", "delete", p) })
	add(t, p, "c1", map[string]string{"limits.cpu": "3", "limits.memory": "512MiB"})

	st := projectState(t, d, p)
	if st["instances"]["Usage"] != 1 || st["containers"]["Usage"] != 1 || st["cpu"]["Usage"] != 3 || st["memory"]["Usage"] != 512<<20 || st["cpu"]["Limit"] != 4 {
		t.Fatalf("state = %v", st)
	}
	status, resp := rawQuery(t, d, "GET", "/1.0/projects/"+p, "", nil)
	if status != 200 || !strings.Contains(string(resp.Metadata), `"/1.0/instances/c1?project=`+p+`"`) {
		t.Fatalf("project used_by: %s", resp.Metadata)
	}
	for _, c := range []struct{ key, value, err string }{
		{"limits.instances", "0", fmt.Sprintf(`Can't change limits.instances in project %q: "limits.instances" is too low: there currently are 1 total instances in project %q`, p, p)},
		{"limits.containers", "0", fmt.Sprintf(`Can't change "limits.containers" in project %q: "limits.containers" is too low: there currently are 1 instances of type container in project %q`, p, p)},
		{"limits.cpu", "2", `"limits.cpu" is too low: current total is "3"`},
		{"limits.memory", "100MiB", `"limits.memory" is too low: current total is "512.0MiB"`},
		{"limits.processes", "10", fmt.Sprintf(`Instance "c1" in project %q has no "limits.processes" config, either directly or via a profile`, p)},
	} {
		wantLXCError(t, d, c.err, "project", "set", p, c.key, c.value)
	}
	d.MustLXC(t, "project", "set", p, "limits.memory", "1GiB")
	d.MustLXC(t, "project", "set", p, "limits.virtual-machines", "0")
}

func TestProjectLimits(t *testing.T) {
	d := daemontest.Start(t)
	scenarioProjectLimits(t, d, oursAdder(d))
}

func TestReferenceProjectLimits(t *testing.T) {
	d := daemontest.StartReference(t)
	scenarioProjectLimits(t, d, referenceAdder(t, d))
}

// scenarioProjectLimitsDisk: limits.disk needs a root disk size on every
// instance.
func scenarioProjectLimitsDisk(t *testing.T, d *daemontest.Daemon, add instanceAdder) string {
	p := daemontest.Name(t, "lxdngpp-d")
	d.MustLXC(t, "project", "create", p)
	t.Cleanup(func() { d.LXC(t, "project", "delete", p) })
	add(t, p, "c1", nil)
	wantLXCError(t, d, fmt.Sprintf(`Instance "c1" in project %q has no "size" config set on the root device either directly or via a profile`, p),
		"project", "set", p, "limits.disk", "10GiB")
	return p
}

func TestProjectLimitsDisk(t *testing.T) {
	d := daemontest.Start(t)
	p := scenarioProjectLimitsDisk(t, d, oursAdder(d))
	// With a sized root disk (from the project's default profile) the limit
	// applies and /state sums the sizes.
	d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool=default", "size=3GiB", "--project", p)
	wantLXCError(t, d, `"limits.disk" is too low: current total is "3.0GiB"`, "project", "set", p, "limits.disk", "1GiB")
	d.MustLXC(t, "project", "set", p, "limits.disk", "10GiB")
	if st := projectState(t, d, p); st["disk"]["Usage"] != 3<<30 || st["disk"]["Limit"] != 10<<30 {
		t.Fatalf("disk state = %v", st["disk"])
	}
}

func TestReferenceProjectLimitsDisk(t *testing.T) {
	d := daemontest.StartReference(t)
	scenarioProjectLimitsDisk(t, d, referenceAdder(t, d))
}

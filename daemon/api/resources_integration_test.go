//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// resourcesJSON is GET /1.0/resources as generic JSON, without the values
// that change between two probes (memory in use, current CPU frequencies).
func resourcesJSON(t *testing.T, d *daemontest.Daemon) map[string]any {
	t.Helper()
	status, r := rawQuery(t, d, "GET", "/1.0/resources", "", nil)
	if status != 200 || r.Type != "sync" {
		t.Fatalf("%s: GET /1.0/resources: %d %q", d, status, r.Error)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Metadata, &m); err != nil {
		t.Fatal(err)
	}
	mem := m["memory"].(map[string]any)
	delete(mem, "used")
	for _, n := range asList(mem["nodes"]) {
		delete(n.(map[string]any), "used")
	}
	for _, s := range asList(m["cpu"].(map[string]any)["sockets"]) {
		delete(s.(map[string]any), "frequency")
		for _, c := range asList(s.(map[string]any)["cores"]) {
			delete(c.(map[string]any), "frequency")
		}
	}
	return m
}

func asList(v any) []any { l, _ := v.([]any); return l }

// resourcesDiff lists the JSON paths where a and b differ.
func resourcesDiff(path string, a, b any) []string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return []string{path + ": type differs"}
		}
		var out []string
		for k := range av {
			if _, ok := bv[k]; !ok {
				out = append(out, path+"/"+k+": only in ours")
			}
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				out = append(out, path+"/"+k+": missing in ours")
				continue
			}
			out = append(out, resourcesDiff(path+"/"+k, av[k], bv[k])...)
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return []string{path + ": list differs"}
		}
		var out []string
		for i := range av {
			out = append(out, resourcesDiff(path+"/"+strconv.Itoa(i), av[i], bv[i])...)
		}
		return out
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		return []string{path + ": " + string(ja) + " != " + string(jb)}
	}
	return nil
}

// TestResourcesParity compares GET /1.0/resources of our daemon with the
// real LXD 5.0.2's on the same machine: same keys, same types, same values
// (volatile ones removed), no ETag from either.
func TestResourcesParity(t *testing.T) {
	ours, ref := daemontest.Start(t), daemontest.StartReference(t)
	for _, d := range []*daemontest.Daemon{ours, ref} {
		resp, err := d.Client.Raw(context.Background(), "GET", "/1.0/resources", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if etag := resp.Header.Get("ETag"); etag != "" {
			t.Errorf("%s: GET /1.0/resources sent ETag %q", d, etag)
		}
	}
	for _, diff := range resourcesDiff("", resourcesJSON(t, ours), resourcesJSON(t, ref)) {
		t.Error(diff)
	}
	res, err := ours.Client.GetServerResources(context.Background())
	if err != nil || res.CPU.Total == 0 || res.Memory.Total == 0 || len(res.CPU.Sockets) == 0 {
		t.Fatalf("typed resources: %+v %v", res, err)
	}
}

// memoryUsage masks the memory figures of `lxc info --resources`, which
// change between two runs.
var memoryUsage = regexp.MustCompile(`(?m)^(\s+(?:Free|Used)): .*$`)

// TestResourcesInfoCLI runs `lxc info --resources` (the real 5.0.2 client,
// which needs resources_v2, and ours) against our daemon and compares the
// text with the real client against the real LXD.
func TestResourcesInfoCLI(t *testing.T) {
	ours, ref := daemontest.Start(t), daemontest.StartReference(t)
	want := memoryUsage.ReplaceAllString(ref.MustLXC(t, "info", "--resources"), "$1: X")
	if !strings.HasPrefix(want, "CPU (") || !strings.Contains(want, "\nMemory:\n") {
		t.Fatalf("reference output:\n%s", want)
	}
	got := memoryUsage.ReplaceAllString(ours.MustLXC(t, "info", "--resources"), "$1: X")
	if got != want {
		t.Errorf("real lxc against ours:\n%s\nagainst LXD:\n%s", got, want)
	}
	r := ours.OurLXC(t, "info", "--resources")
	if r.ExitCode != 0 || memoryUsage.ReplaceAllString(r.Stdout, "$1: X") != want {
		t.Errorf("our lxc (exit %d):\n%s%s\nreal lxc against LXD:\n%s", r.ExitCode, r.Stdout, r.Stderr, want)
	}
	for _, d := range []*daemontest.Daemon{ours, ref} {
		for _, res := range []daemontest.Result{d.LXC(t, "info", "--resources", "--target", "m1"),
			d.OurLXC(t, "info", "--resources", "--target", "m1")} {
			if res.ExitCode != 1 || res.Stderr != "Error: To use --target, the destination remote must be a cluster\n" {
				t.Errorf("%s: info --target on a standalone server: %d %q", d, res.ExitCode, res.Stderr)
			}
		}
	}
}

// scenarioResourcesStorageInfo: `lxc storage info` (it needs the resources
// extension) on a dir pool, with the real client and ours.
func scenarioResourcesStorageInfo(t *testing.T, d *daemontest.Daemon) {
	pool := daemontest.Name(t, "res")
	d.MustLXC(t, "storage", "create", pool, "dir")
	t.Cleanup(func() { d.LXC(t, "storage", "delete", pool) })
	spaceUsed := regexp.MustCompile(`(?m)^(  space used): .*$`)
	out := d.MustLXC(t, "storage", "info", pool)
	for _, want := range []string{"info:\n", "  driver: dir\n", "  name: " + pool + "\n", "  total space: ", "used by: {}\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("lxc storage info lacks %q:\n%s", want, out)
		}
	}
	bytes := d.MustLXC(t, "storage", "info", pool, "--bytes")
	if !regexp.MustCompile(`(?m)^  total space: "[0-9]+"$`).MatchString(bytes) {
		t.Errorf("lxc storage info --bytes:\n%s", bytes)
	}
	for _, args := range [][]string{{"storage", "info", pool}, {"storage", "info", pool, "--bytes"}} {
		real := spaceUsed.ReplaceAllString(d.MustLXC(t, args...), "$1: X")
		r := d.OurLXC(t, args...)
		if r.ExitCode != 0 || spaceUsed.ReplaceAllString(r.Stdout, "$1: X") != real {
			t.Errorf("our lxc %v (exit %d):\n%s%s\nreal lxc:\n%s", args, r.ExitCode, r.Stdout, r.Stderr, real)
		}
	}
}

func TestResourcesStorageInfo(t *testing.T) { scenarioResourcesStorageInfo(t, daemontest.Start(t)) }

func TestReferenceResourcesStorageInfo(t *testing.T) {
	scenarioResourcesStorageInfo(t, daemontest.StartReference(t))
}

// TestResourcesClusterTarget: in a cluster, `lxc info --resources --target`
// is forwarded to the member named (the forwarding layer handles
// ?target=), and an unknown member is refused.
func TestResourcesClusterTarget(t *testing.T) {
	c := daemontest.Cluster(t, 2)
	m1 := c.Members[0]
	local := memoryUsage.ReplaceAllString(m1.MustLXC(t, "info", "--resources"), "$1: X")
	remote := memoryUsage.ReplaceAllString(m1.MustLXC(t, "info", "--resources", "--target", "m2"), "$1: X")
	if remote != local {
		t.Errorf("m2 through m1 (same machine, so same hardware):\n%s\nm1:\n%s", remote, local)
	}
	r := m1.LXC(t, "query", "/1.0/resources?target=nosuch")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Cluster member not found") {
		t.Errorf("unknown target: exit %d, %s", r.ExitCode, r.Stderr)
	}
}

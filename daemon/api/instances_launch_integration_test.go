//go:build integration

package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// scenarioLaunch: `lxc image import` + `lxc launch` with the real client
// (root disk from the default profile), image properties copied as
// image.*, the create operation's unpack progress, `lxc publish` of a
// stopped instance and of a snapshot, and launches from the published
// images.
func scenarioLaunch(t *testing.T, d *daemontest.Daemon) {
	pool := daemontest.Name(t, "p")
	d.MustLXC(t, "storage", "create", pool, "dir")
	d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool="+pool)
	t.Cleanup(func() {
		d.LXC(t, "profile", "device", "remove", "default", "root")
		d.LXC(t, "storage", "delete", pool)
	})
	alias := daemontest.Name(t, "bb")
	d.MustLXC(t, "image", "import", busyboxImage(t).Unified, "--alias", alias)
	t.Cleanup(func() { d.LXC(t, "image", "delete", alias) })
	e := &instEnv{d: d, pool: pool}

	c1 := daemontest.Name(t, "c")
	e.cleanupInstance(t, c1)
	begin := time.Now()
	d.MustLXC(t, "launch", alias, c1)
	t.Logf("lxc launch took %s", time.Since(begin))
	e.waitStatus(t, c1, "Running")
	if out := d.MustLXC(t, "exec", c1, "--", "hostname"); strings.TrimSpace(out) != c1 {
		t.Fatalf("hostname %q", out)
	}
	var img api.Image
	if _, err := d.Client.Get(context.Background(), "/1.0/images/aliases/"+alias, &img); err != nil {
		t.Fatal(err)
	}
	cfg := e.get(t, c1).Config
	if cfg["image.os"] != "Busybox" || cfg["image.description"] == "" || cfg["volatile.base_image"] == "" {
		t.Fatalf("image keys: %v", cfg)
	}

	var prof api.Profile
	if _, err := d.Client.Get(context.Background(), "/1.0/profiles/default", &prof); err != nil || !contains(prof.UsedBy, "/1.0/instances/"+c1) {
		t.Fatalf("default profile used_by %v %v", prof.UsedBy, err)
	}
	var vol struct {
		UsedBy []string `json:"used_by"`
	}
	if _, err := d.Client.Get(context.Background(), "/1.0/storage-pools/"+pool+"/volumes/container/"+c1, &vol); err != nil || !contains(vol.UsedBy, "/1.0/instances/"+c1) {
		t.Fatalf("root volume used_by %v %v", vol.UsedBy, err)
	}

	c2 := daemontest.Name(t, "c")
	e.cleanupInstance(t, c2)
	op, err := d.Client.CreateInstance(context.Background(), api.InstancesPost{Name: c2,
		Source: api.InstanceSource{Type: "image", Alias: alias}})
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	prog, _ := op.Metadata["progress"].(map[string]any)
	text, _ := op.Metadata["create_instance_from_image_unpack_progress"].(string)
	if prog["stage"] != "create_instance_from_image_unpack" || prog["percent"] != "100" || !strings.HasPrefix(text, "Unpack: 100% (") {
		t.Fatalf("create operation metadata %v", op.Metadata)
	}

	d.MustLXC(t, "snapshot", c1, "s0")
	d.MustLXC(t, "exec", c1, "--", "touch", "/after-snapshot") // the two images differ
	d.MustLXC(t, "stop", "-f", c1)
	pub, pubSnap := daemontest.Name(t, "pub"), daemontest.Name(t, "pub")
	d.MustLXC(t, "publish", c1, "--alias", pub)
	t.Cleanup(func() { d.LXC(t, "image", "delete", pub) })
	d.MustLXC(t, "publish", c1+"/s0", "--alias", pubSnap)
	t.Cleanup(func() { d.LXC(t, "image", "delete", pubSnap) })
	for _, a := range []string{pub, pubSnap} {
		c := daemontest.Name(t, "c")
		e.cleanupInstance(t, c)
		d.MustLXC(t, "launch", a, c)
		if out := d.MustLXC(t, "exec", c, "--", "hostname"); strings.TrimSpace(out) != c {
			t.Fatalf("hostname of an instance from a published image: %q", out)
		}
	}
}

func TestInstanceLaunch(t *testing.T)          { scenarioLaunch(t, daemontest.Start(t)) }
func TestReferenceInstanceLaunch(t *testing.T) { scenarioLaunch(t, daemontest.StartReference(t)) }

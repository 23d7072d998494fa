//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// instEnv is a daemon with a dir pool for instance tests.
type instEnv struct {
	d    *daemontest.Daemon
	pool string
	img  *testimage.Image
}

// busyboxImage builds the busybox test image in the test's temp dir.
func busyboxImage(t *testing.T) testimage.Image {
	t.Helper()
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatalf("building the busybox image: %v", err)
	}
	return img
}

// newInstEnv creates a dir pool on d.
func newInstEnv(t *testing.T, d *daemontest.Daemon) *instEnv {
	t.Helper()
	e := &instEnv{d: d, pool: daemontest.Name(t, "p")}
	d.MustLXC(t, "storage", "create", e.pool, "dir")
	t.Cleanup(func() { d.LXC(t, "storage", "delete", e.pool) })
	return e
}

// volumePath is where a dir pool keeps an instance's volume: LXD names it
// after the instance alone in the default project, we prefix the project.
func (e *instEnv) volumePath(name string) string {
	vol := "default_" + name
	if e.d.Kind == daemontest.Reference {
		vol = name
	}
	return filepath.Join(e.d.Dir, "storage-pools", e.pool, "containers", vol)
}

// newBusybox creates a stopped busybox container: an empty instance whose
// volume gets the busybox image unpacked, as an image create would leave
// it (metadata.yaml, templates, rootfs, create templates pending). It is
// force-deleted at cleanup.
func (e *instEnv) newBusybox(t *testing.T, name string, extra ...string) {
	t.Helper()
	args := append([]string{"init", name, "--empty", "-s", e.pool}, extra...)
	e.d.MustLXC(t, args...)
	e.cleanupInstance(t, name)
	e.newBusyboxContent(t, name)
}

// newBusyboxContent unpacks the busybox image into an existing empty
// instance's volume and marks its create templates pending.
func (e *instEnv) newBusyboxContent(t *testing.T, name string) {
	t.Helper()
	if e.img == nil {
		img := busyboxImage(t)
		e.img = &img
	}
	img := *e.img
	if err := imagefile.UnpackFile(context.Background(), img.Unified, e.volumePath(name),
		imagefile.UnpackOpts{Layout: imagefile.LayoutImage, AllowDevices: true}); err != nil {
		t.Fatal(err)
	}
	e.d.MustLXC(t, "config", "set", name, "volatile.apply_template", "create")
}

// cleanupInstance force-deletes an instance at the end of the test.
func (e *instEnv) cleanupInstance(t *testing.T, name string) {
	t.Cleanup(func() {
		e.d.LXC(t, "config", "unset", name, "security.protection.delete")
		e.d.LXC(t, "delete", "-f", name)
	})
}

// state returns an instance's status via the real client's JSON listing.
func (e *instEnv) status(t *testing.T, name string) string {
	t.Helper()
	inst := e.get(t, name)
	return inst.Status
}

func (e *instEnv) get(t *testing.T, name string) api.Instance {
	t.Helper()
	out := e.d.MustLXC(t, "query", "/1.0/instances/"+name)
	var inst api.Instance
	if err := json.Unmarshal([]byte(out), &inst); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	return inst
}

func (e *instEnv) state(t *testing.T, name string) api.InstanceState {
	t.Helper()
	out := e.d.MustLXC(t, "query", "/1.0/instances/"+name+"/state")
	var st api.InstanceState
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	return st
}

// waitStatus waits until an instance has status want.
func (e *instEnv) waitStatus(t *testing.T, name, want string) {
	t.Helper()
	daemontest.Eventually(t, 30*time.Second, name+" "+want, func() bool { return e.status(t, name) == want })
}

// exists reports whether an instance is listed.
func (e *instEnv) exists(t *testing.T, name string) bool {
	out := e.d.MustLXC(t, "list", "--format", "csv", "-c", "n")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == name {
			return true
		}
	}
	return false
}

// lxcFails runs lxc, expects a failure and returns its stderr.
func (e *instEnv) lxcFails(t *testing.T, args ...string) string {
	t.Helper()
	r := e.d.LXC(t, args...)
	if r.ExitCode == 0 {
		t.Fatalf("lxc %v succeeded, want a failure: %s", args, r.Stdout)
	}
	return r.Stderr
}

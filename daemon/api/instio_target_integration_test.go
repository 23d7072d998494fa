//go:build integration

package api_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/testimage"
)

// ioTarget is a daemon plus a way to make busybox instances on it, so one
// scenario runs against our daemon (or the in-process adapter) and the
// reference LXD 5.0.2.
type ioTarget struct {
	d *daemontest.Daemon
	// launch makes a running instance; create a stopped one. cfg is
	// instance config (nil for none).
	launch func(t *testing.T, name string, cfg map[string]string)
	create func(t *testing.T, name string, cfg map[string]string)
	// volume returns the host path of an instance's volume (holding
	// rootfs/, metadata.yaml, templates/).
	volume func(name string) string
	// setConfig sets (empty value: unsets) a config key of a running
	// instance; setDevice adds (nil: removes) a device.
	setConfig func(t *testing.T, name, key, value string)
	setDevice func(t *testing.T, name, dev string, cfg map[string]string)
}

// adapterTarget is the in-process router with the lxc driver.
func adapterTarget(t *testing.T) *ioTarget {
	h := startIOHarness(t)
	return &ioTarget{
		d:         h.d,
		launch:    h.launch,
		create:    func(t *testing.T, name string, cfg map[string]string) { h.create(t, name, cfg) },
		volume:    func(name string) string { return filepath.Join(h.state, "volumes", name) },
		setConfig: func(t *testing.T, name, key, value string) { h.setConfig(name, key, value) },
		setDevice: func(t *testing.T, name, dev string, cfg map[string]string) { h.setDevice(name, dev, cfg) },
	}
}

// referenceTarget is LXD 5.0.2 with a dir pool and the busybox image.
func referenceTarget(t *testing.T) *ioTarget { return daemonTarget(t, daemontest.StartReference(t)) }

// oursTarget is our full daemon (instance service included) with a dir
// pool and the busybox image.
func oursTarget(t *testing.T) *ioTarget { return daemonTarget(t, daemontest.Start(t)) }

// daemonTarget prepares a daemon driven by the real lxc client.
func daemonTarget(t *testing.T, d *daemontest.Daemon) *ioTarget {
	d.MustLXC(t, "storage", "create", "default", "dir")
	d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool=default")
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d.MustLXC(t, "image", "import", img.Unified, "--alias", "busybox")
	mk := func(verb string) func(t *testing.T, name string, cfg map[string]string) {
		return func(t *testing.T, name string, cfg map[string]string) {
			args := []string{verb, "busybox", name}
			keys := make([]string, 0, len(cfg))
			for k := range cfg {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				args = append(args, "-c", k+"="+cfg[k])
			}
			d.MustLXC(t, args...)
			t.Cleanup(func() { d.LXC(t, "delete", "-f", name) })
		}
	}
	return &ioTarget{
		d: d, launch: mk("launch"), create: mk("init"),
		volume: func(name string) string {
			// LXD's dir layout, ours too: the pool holds containers/<volume>.
			m, _ := filepath.Glob(filepath.Join(d.Dir, "storage-pools", "default", "containers", "*"+name))
			if len(m) != 1 {
				t.Fatalf("volume of %s: %v", name, m)
			}
			return m[0]
		},
		setConfig: func(t *testing.T, name, key, value string) {
			if value == "" {
				d.MustLXC(t, "config", "unset", name, key)
				return
			}
			d.MustLXC(t, "config", "set", name, key, value)
		},
		setDevice: func(t *testing.T, name, dev string, cfg map[string]string) {
			if cfg == nil {
				d.MustLXC(t, "config", "device", "remove", name, dev)
				return
			}
			args := []string{"config", "device", "add", name, dev, cfg["type"]}
			for k, v := range cfg {
				if k != "type" {
					args = append(args, k+"="+v)
				}
			}
			d.MustLXC(t, args...)
		},
	}
}

// exec runs the real lxc exec and returns its result.
func (x *ioTarget) exec(t *testing.T, name string, stdin string, args ...string) daemontest.Result {
	t.Helper()
	full := append([]string{"exec", name}, args...)
	if stdin == "" {
		return x.d.LXC(t, full...)
	}
	return ioLXCStdin(t, x.d, stdin, full...)
}

// lines splits output into trimmed lines.
func ioLines(s string) []string {
	return strings.Split(strings.TrimSpace(s), "\n")
}

// sentinel writes a host file that must never change and returns a check
// that fails the test if it did.
func ioSentinel(t *testing.T, dir, name, body string) func() {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		got, err := os.ReadFile(p)
		if err != nil || string(got) != body {
			t.Fatalf("host sentinel %s changed: %q, %v", p, got, err)
		}
	}
}

// ioBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type ioBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *ioBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *ioBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

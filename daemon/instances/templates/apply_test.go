package templates

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/instances/rootfs"
	"github.com/lxdng/lxd/shared/api"
)

// fixture is an instance volume: rootfs/ and templates/, next to an
// outside sentinel that nothing may touch.
type fixture struct {
	root, templates, outside string
	r                        *rootfs.Root
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{
		root:      filepath.Join(base, "vol/rootfs"),
		templates: filepath.Join(base, "vol/templates"),
		outside:   filepath.Join(base, "outside"),
	}
	for _, d := range []string{filepath.Join(f.root, "etc"), f.templates, f.outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(f.outside, "secret"), "host secret")
	write(t, filepath.Join(f.templates, "hostname.tpl"), tplHostname)
	write(t, filepath.Join(f.templates, "hosts.tpl"), tplHosts)
	write(t, filepath.Join(f.templates, "trigger.tpl"), "{{ trigger }} {{ path }} {{ properties.foo }}\n")
	// Container root maps to whoever runs the test, so the root-owned
	// writes of Apply work unprivileged too (and the shift path is used).
	ids := rootfs.IDMap{UIDBase: int64(os.Geteuid()), GIDBase: int64(os.Getegid()), Count: 65536}
	r, err := rootfs.Open(f.root, ids)
	if err != nil {
		t.Fatal(err)
	}
	f.r = r
	t.Cleanup(func() {
		_ = r.Close()
		entries, _ := os.ReadDir(f.outside)
		b, _ := os.ReadFile(filepath.Join(f.outside, "secret"))
		if len(entries) != 1 || string(b) != "host secret" {
			t.Errorf("outside sentinel changed: %d entries, secret %q", len(entries), b)
		}
	})
	return f
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func meta(templates map[string]*imagefile.Template) imagefile.Metadata {
	return imagefile.Metadata{Architecture: "x86_64", Templates: templates}
}

func TestApplyHostname(t *testing.T) {
	f := newFixture(t)
	m := meta(map[string]*imagefile.Template{
		"/etc/hostname":        {When: []string{"create", "copy"}, Template: "hostname.tpl"},
		"/etc/hosts":           {When: []string{"start"}, Template: "hosts.tpl"},
		"/var/lib/new/trigger": {When: []string{"create"}, Template: "trigger.tpl", Properties: map[string]string{"foo": "bar"}},
	})
	c := baseContext()
	c.Properties = nil
	if err := Apply(context.Background(), f.r, m, f.templates, c); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(f.root, "etc/hostname")); got != "c1\n" {
		t.Fatalf("hostname = %q", got)
	}
	if _, err := os.Stat(filepath.Join(f.root, "etc/hosts")); !os.IsNotExist(err) {
		t.Fatal("start-only template applied on create")
	}
	if got := read(t, filepath.Join(f.root, "var/lib/new/trigger")); got != "create /var/lib/new/trigger bar\n" {
		t.Fatalf("trigger template = %q", got)
	}
	st, _ := os.Stat(filepath.Join(f.root, "etc/hostname"))
	dst, _ := os.Stat(filepath.Join(f.root, "var/lib/new"))
	if st.Mode().Perm() != 0o644 || dst.Mode().Perm() != 0o755 {
		t.Fatalf("modes %v %v", st.Mode(), dst.Mode())
	}
	// On start the hosts template runs and an existing file is rewritten.
	write(t, filepath.Join(f.root, "etc/hosts"), "old")
	c.Trigger = "start"
	if err := Apply(context.Background(), f.r, m, f.templates, c); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(f.root, "etc/hosts")); got != "127.0.1.1\tc1\n127.0.0.1\tlocalhost\n" {
		t.Fatalf("hosts = %q", got)
	}
}

func TestApplyCreateOnly(t *testing.T) {
	f := newFixture(t)
	m := meta(map[string]*imagefile.Template{
		"/etc/existing": {When: []string{"create"}, Template: "hostname.tpl", CreateOnly: true},
		"/etc/new":      {When: []string{"create"}, Template: "hostname.tpl", CreateOnly: true},
	})
	write(t, filepath.Join(f.root, "etc/existing"), "keep me")
	if err := Apply(context.Background(), f.r, m, f.templates, baseContext()); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(f.root, "etc/existing")); got != "keep me" {
		t.Fatalf("create_only overwrote: %q", got)
	}
	if got := read(t, filepath.Join(f.root, "etc/new")); got != "c1\n" {
		t.Fatalf("create_only did not create: %q", got)
	}
}

// TestApplyHostile: container-side symlinks and image-side template tricks
// either write inside the root or fail; the outside never changes.
func TestApplyHostile(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, f *fixture)
		target string
		tpl    string
		status int    // 0: success
		inside string // where the output must land, under root
	}{
		{"target is absolute link to host file", func(t *testing.T, f *fixture) {
			must(t, os.Symlink(filepath.Join(f.outside, "secret"), filepath.Join(f.root, "etc/hostname")))
		}, "/etc/hostname", "hostname.tpl", 404, ""},
		{"target is link to /etc/shadow", func(t *testing.T, f *fixture) {
			must(t, os.Symlink("/etc/shadow", filepath.Join(f.root, "etc/hostname")))
		}, "/etc/hostname", "hostname.tpl", 0, "etc/shadow"},
		{"target is relative climbing link", func(t *testing.T, f *fixture) {
			must(t, os.Mkdir(filepath.Join(f.root, "outside"), 0o755))
			must(t, os.Symlink("../../../../outside/secret", filepath.Join(f.root, "etc/hostname")))
		}, "/etc/hostname", "hostname.tpl", 0, "outside/secret"},
		{"relative climbing link, missing in-root dir", func(t *testing.T, f *fixture) {
			must(t, os.Symlink("../../../../outside/secret", filepath.Join(f.root, "etc/hostname")))
		}, "/etc/hostname", "hostname.tpl", 404, ""},
		{"target parent is link to host dir", func(t *testing.T, f *fixture) {
			must(t, os.Symlink(f.outside, filepath.Join(f.root, "cfg")))
		}, "/cfg/secret", "hostname.tpl", 409, ""},
		{"target climbs with dotdot", nil, "/../../../outside/secret", "hostname.tpl", 0, "outside/secret"}, // created in-root
		{"template file is a symlink", func(t *testing.T, f *fixture) {
			must(t, os.Symlink(filepath.Join(f.outside, "secret"), filepath.Join(f.templates, "evil.tpl")))
		}, "/etc/hostname", "evil.tpl", 400, ""},
		{"template dir component is a symlink", func(t *testing.T, f *fixture) {
			must(t, os.Symlink(f.outside, filepath.Join(f.templates, "sub")))
		}, "/etc/hostname", "sub/secret", 400, ""},
		{"template name climbs", nil, "/etc/hostname", "../../outside/secret", 400, ""},
		{"template name absolute", nil, "/etc/hostname", filepath.Join("/", "etc", "passwd"), 400, ""},
		{"template is a fifo", func(t *testing.T, f *fixture) {
			must(t, syscall.Mkfifo(filepath.Join(f.templates, "fifo.tpl"), 0o644))
		}, "/etc/hostname", "fifo.tpl", 400, ""},
		{"template missing", nil, "/etc/hostname", "nope.tpl", 400, ""},
		{"target is a fifo", func(t *testing.T, f *fixture) {
			must(t, syscall.Mkfifo(filepath.Join(f.root, "etc/hostname"), 0o644))
		}, "/etc/hostname", "hostname.tpl", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(t, f)
			}
			m := meta(map[string]*imagefile.Template{tt.target: {When: []string{"create"}, Template: tt.tpl}})
			err := Apply(context.Background(), f.r, m, f.templates, baseContext())
			if tt.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := read(t, filepath.Join(f.root, tt.inside)); got != "c1\n" {
					t.Fatalf("%s = %q", tt.inside, got)
				}
				return
			}
			if err == nil || api.StatusOf(err) != tt.status {
				t.Fatalf("want status %d, got %v (%d)", tt.status, err, api.StatusOf(err))
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestApplyNothingToDo(t *testing.T) {
	f := newFixture(t)
	// No template runs on this trigger: the templates dir is not even opened.
	m := meta(map[string]*imagefile.Template{"/etc/hostname": {When: []string{"copy"}, Template: "hostname.tpl"}})
	if err := Apply(context.Background(), f.r, m, filepath.Join(f.templates, "missing"), baseContext()); err != nil {
		t.Fatal(err)
	}
	c := baseContext()
	c.Trigger = "copy"
	if err := Apply(context.Background(), f.r, m, filepath.Join(f.templates, "missing"), c); err == nil {
		t.Fatal("missing templates dir accepted")
	}
}

package rootfs

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// hostile builds a temp "container root" next to an "outside" sentinel
// directory. The root holds links that would leave it if followed on the
// host: absolute links to outside, "../" climbs, links to /etc/shadow.
type hostile struct {
	root    string
	outside string
	snap    map[string]string
}

func newHostile(t *testing.T) *hostile {
	t.Helper()
	base := t.TempDir()
	h := &hostile{root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(h.outside, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(h.outside, "secret"), []byte("host secret"), 0o600))
	must(os.WriteFile(filepath.Join(h.outside, "sub", "file"), []byte("host file"), 0o644))
	for _, d := range []string{"etc", "bin", "sbin", "root", "outside", "tmp"} {
		must(os.MkdirAll(filepath.Join(h.root, d), 0o755))
	}
	must(os.WriteFile(filepath.Join(h.root, "etc", "hostname"), []byte("c1\n"), 0o644))
	must(os.WriteFile(filepath.Join(h.root, "bin", "busybox"), []byte("ELF"), 0o755))
	// A decoy at the in-root spelling of the outside path proves links
	// resolve inside the root.
	must(os.WriteFile(filepath.Join(h.root, "outside", "secret"), []byte("inside decoy"), 0o644))
	links := map[string]string{
		"sbin/init":        "../bin/busybox",
		"abs-outside":      h.outside,                          // absolute link to the host dir
		"abs-secret":       filepath.Join(h.outside, "secret"), // absolute link to a host file
		"shadow":           "/etc/shadow",
		"up":               "../../../../../..",
		"up-outside":       "../outside",
		"etc/deep-up":      "../../../outside/secret",
		"root/dangling":    "/tmp/created-through-link",
		"root/dangle-host": filepath.Join(h.outside, "new"),
		"loop":             "loop",
	}
	for name, target := range links {
		must(os.Symlink(target, filepath.Join(h.root, name)))
	}
	must(syscall.Mkfifo(filepath.Join(h.root, "tmp", "fifo"), 0o644))
	h.snap = snapshot(t, h.outside)
	t.Cleanup(func() { h.checkOutside(t) })
	return h
}

// snapshot records every entry of dir with its content and mtime.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		val := info.Mode().String() + " " + info.ModTime().String()
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			val += " " + string(b)
		}
		out[p] = val
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (h *hostile) checkOutside(t *testing.T) {
	t.Helper()
	got := snapshot(t, h.outside)
	for p, v := range h.snap {
		if got[p] != v {
			t.Errorf("outside sentinel changed: %s: %q -> %q", p, v, got[p])
		}
	}
	for p := range got {
		if _, ok := h.snap[p]; !ok {
			t.Errorf("outside sentinel gained %s", p)
		}
	}
}

func openRoot(t *testing.T, dir string) *Root {
	t.Helper()
	r, err := Open(dir, IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	if status == http.StatusOK {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want status %d, got success", status)
	}
	if got := api.StatusOf(err); got != status {
		t.Fatalf("want status %d, got %d (%v)", status, got, err)
	}
}

func TestStat(t *testing.T) {
	h := newHostile(t)
	r := openRoot(t, h.root)
	tests := []struct {
		path   string
		status int
		typ    FileType
		size   int64
	}{
		{"/etc/hostname", 200, TypeFile, 3},
		{"etc/hostname", 200, TypeFile, 3},
		{"/etc", 200, TypeDirectory, 0},
		{"/", 200, TypeDirectory, 0},
		{"/sbin/init", 200, TypeSymlink, 14},
		{"/abs-outside", 200, TypeSymlink, int64(len(h.outside))},
		{"/abs-outside/secret", 404, "", 0},
		{"/abs-secret/", 200, TypeSymlink, 0},
		{"/up/outside/secret", 200, TypeFile, 12},
		{"/up-outside/secret", 200, TypeFile, 12},
		{"/../../outside/secret", 200, TypeFile, 12},
		{"/tmp/fifo", 200, TypeOther, 0},
		{"/nonexistent", 404, "", 0},
		{"/etc/hostname/x", 404, "", 0},
		{"/loop/x", 400, "", 0},
		{"/etc/\x00", 400, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			info, err := r.Stat(context.Background(), tt.path)
			wantStatus(t, err, tt.status)
			if err != nil {
				return
			}
			if info.Type != tt.typ {
				t.Fatalf("type %q, want %q", info.Type, tt.typ)
			}
			if tt.typ != TypeDirectory && tt.size != 0 && info.Size != tt.size {
				t.Fatalf("size %d, want %d", info.Size, tt.size)
			}
		})
	}
	info, err := r.Stat(context.Background(), "/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode != 0o644 || info.UID != int64(os.Geteuid()) || time.Since(info.ModTime) > time.Hour {
		t.Fatalf("unexpected info %+v", info)
	}
}

func TestOpen(t *testing.T) {
	h := newHostile(t)
	r := openRoot(t, h.root)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/etc/hostname", 200, "c1\n"},
		{"/sbin/init", 200, "ELF"},
		{"/abs-secret", 404, ""},
		{"/abs-outside/secret", 404, ""},
		{"/shadow", 404, ""},
		{"/up/outside/secret", 200, "inside decoy"},
		{"/etc/deep-up", 200, "inside decoy"},
		{"/up-outside/secret", 200, "inside decoy"},
		{"/etc", 400, ""},
		{"/tmp/fifo", 400, ""},
		{"/loop", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f, err := r.Open(context.Background(), tt.path)
			wantStatus(t, err, tt.status)
			if err != nil {
				return
			}
			defer f.Close()
			b, err := io.ReadAll(f)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("read %q, want %q", b, tt.want)
			}
		})
	}
}

func TestReadDirAndReadLink(t *testing.T) {
	h := newHostile(t)
	r := openRoot(t, h.root)
	names, err := r.ReadDir(context.Background(), "/up")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if !contains(names, "etc") || contains(names, "root-of-host") {
		t.Fatalf("ReadDir(/up) = %v, want the container root", names)
	}
	_, err = r.ReadDir(context.Background(), "/abs-outside")
	wantStatus(t, err, 404)
	_, err = r.ReadDir(context.Background(), "/etc/hostname")
	wantStatus(t, err, 404)
	empty, err := r.ReadDir(context.Background(), "/root/")
	if err != nil || empty == nil {
		t.Fatalf("ReadDir(/root) = %v, %v", empty, err)
	}

	links := []struct {
		path   string
		status int
		want   string
	}{
		{"/sbin/init", 200, "/bin/busybox"},
		{"/up", 200, "/"},
		{"/etc/deep-up", 200, "/outside/secret"},
		{"/shadow", 200, "/etc/shadow"},
		{"/abs-outside", 200, h.outside},
		{"/etc/hostname", 400, ""},
		{"/missing", 404, ""},
	}
	for _, tt := range links {
		t.Run(tt.path, func(t *testing.T) {
			got, err := r.ReadLink(context.Background(), tt.path)
			wantStatus(t, err, tt.status)
			if err == nil && got != tt.want {
				t.Fatalf("ReadLink = %q, want %q", got, tt.want)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestWriteFile(t *testing.T) {
	h := newHostile(t)
	r := openRoot(t, h.root)
	uid, gid := int64(os.Geteuid()), int64(os.Getegid())
	tests := []struct {
		name    string
		path    string
		opts    WriteOpts
		status  int
		inside  string // host path under root that must hold the content
		content string
	}{
		{"new file", "/root/hello.txt", WriteOpts{Mode: 0o640}, 200, "root/hello.txt", "data"},
		{"relative path", "root/rel.txt", WriteOpts{}, 200, "root/rel.txt", "data"},
		{"abs link to host file", "/abs-secret", WriteOpts{}, 404, "", ""},
		{"into abs link to host dir", "/abs-outside/new", WriteOpts{}, 404, "", ""},
		{"dangling abs link", "/root/dangling", WriteOpts{}, 200, "tmp/created-through-link", "data"},
		{"dangling link to host path", "/root/dangle-host", WriteOpts{}, 404, "", ""},
		{"climbing link", "/up/outside/secret", WriteOpts{}, 200, "outside/secret", "data"},
		{"climbing dotdot", "/../../../outside/x", WriteOpts{}, 200, "outside/x", "data"},
		{"relative climb link", "/etc/deep-up", WriteOpts{}, 200, "outside/secret", "data"},
		{"missing parent", "/no/such/dir/f", WriteOpts{}, 404, "", ""},
		{"fifo", "/tmp/fifo", WriteOpts{}, 400, "", ""},
		{"directory", "/etc", WriteOpts{}, 400, "", ""},
		{"root", "/", WriteOpts{}, 400, "", ""},
		{"symlink loop", "/loop", WriteOpts{}, 400, "", ""},
		{"exclusive existing", "/etc/hostname", WriteOpts{Exclusive: true}, 409, "", ""},
		{"exclusive dangling", "/root/dangling", WriteOpts{Exclusive: true}, 409, "", ""},
		{"exclusive new", "/root/excl", WriteOpts{Exclusive: true}, 200, "root/excl", "data"},
		{"bad owner", "/root/o", WriteOpts{UID: -5}, 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			if o.UID == 0 {
				o.UID, o.GID = uid, gid
			}
			err := r.WriteFile(context.Background(), tt.path, strings.NewReader(tt.content), o)
			wantStatus(t, err, tt.status)
			if tt.inside == "" {
				return
			}
			b, err := os.ReadFile(filepath.Join(h.root, tt.inside))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte(tt.content)) {
				t.Fatalf("%s holds %q", tt.inside, b)
			}
		})
	}
	if st, err := os.Stat(filepath.Join(h.root, "root/hello.txt")); err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("mode of new file: %v %v", st, err)
	}
}

func TestWriteFileOverwriteAppendKeepOwner(t *testing.T) {
	h := newHostile(t)
	r := openRoot(t, h.root)
	ctx := context.Background()
	uid, gid := int64(os.Geteuid()), int64(os.Getegid())
	p := "/root/hello.txt"
	steps := []struct {
		content string
		opts    WriteOpts
		want    string
		mode    os.FileMode
	}{
		{"hello world", WriteOpts{UID: uid, GID: gid, Mode: 0o640}, "hello world", 0o640},
		{" + appended", WriteOpts{Append: true, KeepOwnerIfExists: true}, "hello world + appended", 0o640},
		{"replaced", WriteOpts{KeepOwnerIfExists: true}, "replaced", 0o640},
		{"mode change", WriteOpts{UID: uid, GID: gid, Mode: 0o600}, "mode change", 0o600},
		{"x", WriteOpts{UID: uid, GID: gid}, "x", 0o644},
	}
	for i, s := range steps {
		if err := r.WriteFile(ctx, p, strings.NewReader(s.content), s.opts); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		b, _ := os.ReadFile(filepath.Join(h.root, p))
		st, _ := os.Stat(filepath.Join(h.root, p))
		if string(b) != s.want || st.Mode().Perm() != s.mode {
			t.Fatalf("step %d: content %q mode %v, want %q %v", i, b, st.Mode().Perm(), s.want, s.mode)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := r.WriteFile(cctx, p, strings.NewReader("late"), WriteOpts{UID: uid, GID: gid}); err == nil {
		t.Fatal("write with a cancelled context succeeded")
	}
}

func TestMkdirSymlinkRemove(t *testing.T) {
	h := newHostile(t)
	r := openRoot(t, h.root)
	ctx := context.Background()
	uid, gid := int64(os.Geteuid()), int64(os.Getegid())
	mk := []struct {
		path   string
		status int
		inside string
	}{
		{"/root/newdir", 200, "root/newdir"},
		{"/root/newdir", 200, "root/newdir"}, // existing dir: owner/mode applied again
		{"/up/climbed", 200, "climbed"},
		{"/abs-outside/x", 404, ""},
		{"/etc/hostname", 409, ""},
		{"/sbin/init", 409, ""},
		{"/no/parent", 404, ""},
	}
	for _, tt := range mk {
		t.Run("mkdir"+tt.path, func(t *testing.T) {
			err := r.Mkdir(ctx, tt.path, uid, gid, 0o750)
			wantStatus(t, err, tt.status)
			if tt.inside != "" {
				st, err := os.Lstat(filepath.Join(h.root, tt.inside))
				if err != nil || !st.IsDir() || st.Mode().Perm() != 0o750 {
					t.Fatalf("dir %s: %v %v", tt.inside, st, err)
				}
			}
		})
	}
	if err := r.MkdirAll(ctx, "/up/a/b/c", uid, gid, 0); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(h.root, "a/b/c")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("MkdirAll: %v %v", st, err)
	}
	// A dangling link component fails as `mkdir -p` does inside the container.
	wantStatus(t, r.MkdirAll(ctx, "/abs-outside/a/b", uid, gid, 0), 409)
	// A link whose in-root target exists is followed inside the root.
	wantStatus(t, r.MkdirAll(ctx, "/up-outside/a/b", uid, gid, 0), 200)
	if _, err := os.Stat(filepath.Join(h.root, "outside/a/b")); err != nil {
		t.Fatalf("MkdirAll through a link did not stay inside: %v", err)
	}
	wantStatus(t, r.MkdirAll(ctx, "/etc/hostname/x", uid, gid, 0), 404)

	wantStatus(t, r.Symlink(ctx, "/etc/shadow", "/root/link", uid, gid), 200)
	wantStatus(t, r.Symlink(ctx, "../etc/hostname", "/root/link", uid, gid), 200) // replaces the link
	if got, _ := os.Readlink(filepath.Join(h.root, "root/link")); got != "../etc/hostname" {
		t.Fatalf("link = %q", got)
	}
	wantStatus(t, r.Symlink(ctx, "x", "/etc/hostname", uid, gid), 409)
	wantStatus(t, r.Symlink(ctx, "x", "/abs-outside/l", uid, gid), 404)
	wantStatus(t, r.Symlink(ctx, "", "/root/empty", uid, gid), 400)

	rm := []struct {
		path   string
		status int
		gone   string
	}{
		{"/abs-outside/secret", 404, ""},
		{"/abs-secret", 200, "abs-secret"}, // removes the link, not the host file
		{"/abs-outside", 200, "abs-outside"},
		{"/up/outside/secret", 200, "outside/secret"},
		{"/root/newdir", 200, "root/newdir"},
		{"/etc", 500, ""},
		{"/root/nonexistent", 404, ""},
		{"/", 400, ""},
		{"/tmp/fifo", 200, "tmp/fifo"},
	}
	for _, tt := range rm {
		t.Run("remove"+tt.path, func(t *testing.T) {
			err := r.Remove(ctx, tt.path)
			wantStatus(t, err, tt.status)
			if tt.gone != "" {
				if _, err := os.Lstat(filepath.Join(h.root, tt.gone)); !os.IsNotExist(err) {
					t.Fatalf("%s still there: %v", tt.gone, err)
				}
			}
		})
	}
}

// TestSwappedLinks swaps a directory for a symlink to the outside while
// writes, reads and removes run through it: nothing outside may change.
func TestSwappedLinks(t *testing.T) {
	h := newHostile(t)
	r := openRoot(t, h.root)
	ctx := context.Background()
	uid, gid := int64(os.Geteuid()), int64(os.Getegid())
	swap := filepath.Join(h.root, "swap")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_ = os.RemoveAll(swap)
			if i%2 == 0 {
				_ = os.Symlink(h.outside, swap)
			} else {
				_ = os.Mkdir(swap, 0o755)
			}
		}
	}()
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		_ = r.WriteFile(ctx, "/swap/secret", strings.NewReader("pwned"), WriteOpts{UID: uid, GID: gid})
		_ = r.WriteFile(ctx, "/swap/sub/file", strings.NewReader("pwned"), WriteOpts{UID: uid, GID: gid})
		_ = r.Mkdir(ctx, "/swap/sub/dir", uid, gid, 0o755)
		_ = r.Symlink(ctx, "/", "/swap/l", uid, gid)
		_ = r.Remove(ctx, "/swap/sub/file")
		if f, err := r.Open(ctx, "/swap/secret"); err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			if string(b) == "host secret" {
				t.Errorf("read the host secret through a swapped link")
			}
		}
	}
	close(stop)
	wg.Wait()
}

func TestIDMap(t *testing.T) {
	m := IDMap{UIDBase: 100000, GIDBase: 200000, Count: 65536}
	tests := []struct {
		uid, gid   int64
		huid, hgid int
		status     int
	}{
		{0, 0, 100000, 200000, 200},
		{1000, 5, 101000, 200005, 200},
		{65536, 0, 0, 0, 400},
		{-1, 0, 0, 0, 400},
	}
	for _, tt := range tests {
		u, g, err := m.toHost(tt.uid, tt.gid)
		wantStatus(t, err, tt.status)
		if err == nil && (u != tt.huid || g != tt.hgid) {
			t.Fatalf("toHost(%d,%d) = %d,%d", tt.uid, tt.gid, u, g)
		}
	}
	if u, g := m.fromHost(101000, 200005); u != 1000 || g != 5 {
		t.Fatalf("fromHost = %d,%d", u, g)
	}
	if u, g := m.fromHost(0, 0); u != overflowID || g != overflowID {
		t.Fatalf("unmapped fromHost = %d,%d", u, g)
	}
	if u, g := (IDMap{}).fromHost(7, 8); u != 7 || g != 8 {
		t.Fatalf("identity fromHost = %d,%d", u, g)
	}
}

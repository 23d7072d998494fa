package imagefile

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// ent describes one tar entry a test writes.
type ent struct {
	name  string
	typ   byte
	body  string
	link  string
	mode  int64
	size  int64 // overrides len(body) in the header when non-zero
	major int64
	minor int64
	pax   map[string]string
}

func reg(name, body string) ent { return ent{name: name, typ: tar.TypeReg, body: body, mode: 0o644} }
func dir(name string) ent       { return ent{name: name, typ: tar.TypeDir, mode: 0o755} }
func sym(name, target string) ent {
	return ent{name: name, typ: tar.TypeSymlink, link: target, mode: 0o777}
}
func hard(name, target string) ent {
	return ent{name: name, typ: tar.TypeLink, link: target, mode: 0o644}
}

var testTime = time.Date(2020, 5, 17, 10, 20, 30, 0, time.UTC)

const testMetadata = "architecture: x86_64\ncreation_date: 1424284563\nproperties:\n  os: Busybox\n"

// buildTar writes entries as an uncompressed tarball.
func buildTar(t testing.TB, entries []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		size := int64(len(e.body))
		if e.typ != tar.TypeReg {
			size = 0
		}
		if e.size != 0 {
			size = e.size
		}
		hdr := &tar.Header{
			Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Size: size,
			ModTime: testTime, Devmajor: e.major, Devminor: e.minor, PAXRecords: e.pax,
			Uid: os.Geteuid(), Gid: os.Getegid(),
		}
		if len(e.pax) > 0 {
			hdr.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg && e.size == 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func compress(t testing.TB, data []byte, c Compression) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewCompressor(context.Background(), &buf, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sandbox is a target directory next to an outside sentinel tree that no
// extraction may touch.
type sandbox struct {
	target  string
	outside string
	snap    map[string]string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	base := t.TempDir()
	s := &sandbox{target: filepath.Join(base, "target"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{s.target, filepath.Join(s.outside, "etc")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.outside, "etc", "passwd"), []byte("root:x:0:0"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.snap = treeSnapshot(t, s.outside)
	return s
}

// treeSnapshot maps every path under dir to its type, mode, mtime, link
// target and content.
func treeSnapshot(t testing.TB, dir string) map[string]string {
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
		rel, _ := filepath.Rel(dir, p)
		val := info.Mode().String()
		if !info.IsDir() {
			val += " " + info.ModTime().UTC().Truncate(time.Second).String()
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			val += " -> " + target
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			val += fmt.Sprintf(" %d:%x", len(b), sum[:8])
		}
		out[rel] = val
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (s *sandbox) checkOutside(t *testing.T) {
	t.Helper()
	got := treeSnapshot(t, s.outside)
	if len(got) != len(s.snap) {
		t.Fatalf("outside sentinel changed: %v -> %v", s.snap, got)
	}
	for p, v := range s.snap {
		if got[p] != v {
			t.Fatalf("outside sentinel %s changed: %q -> %q", p, v, got[p])
		}
	}
}

func wantErrStatus(t *testing.T, err error, status int) {
	t.Helper()
	if status == 200 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want a %d error, got success", status)
	}
	if got := api.StatusOf(err); got != status {
		t.Fatalf("want status %d, got %d: %v", status, got, err)
	}
}

func requireTool(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is missing: install it with `apt-get install %s` (scripts/install-deps does)", tool, pkg)
	}
}

package imagefile

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func unpackBytes(t *testing.T, s *sandbox, data []byte, o UnpackOpts) error {
	t.Helper()
	return Unpack(context.Background(), bytes.NewReader(data), s.target, o)
}

func TestUnpackUnified(t *testing.T) {
	s := newSandbox(t)
	entries := []ent{
		reg("./metadata.yaml", fullMetadata),
		dir("./templates/"),
		reg("./templates/hostname.tpl", "{{ container.name }}\n"),
		{name: "./rootfs/", typ: tar.TypeDir, mode: 0o755},
		{name: "./rootfs/bin/", typ: tar.TypeDir, mode: 0o755},
		{name: "./rootfs/bin/busybox", typ: tar.TypeReg, body: "ELF", mode: 0o4755},
		sym("./rootfs/sbin/init", "../bin/busybox"), // parent created implicitly
		sym("./rootfs/etc/shadow-link", "/etc/shadow"),
		hard("./rootfs/bin/sh", "rootfs/bin/busybox"),
		{name: "./rootfs/run/fifo", typ: tar.TypeFifo, mode: 0o600},
		{name: "./rootfs/ro/", typ: tar.TypeDir, mode: 0o555},
		reg("./rootfs/ro/file", "in a read-only dir"),
		{name: "./rootfs/cap", typ: tar.TypeReg, body: "x", mode: 0o755, pax: map[string]string{xattrPrefix + "user.test": "value"}},
		reg("./extra-top-level-file", "skipped"),
		reg("./rootfs/bin/busybox", "ELF2"), // a later entry replaces an earlier one, as in tar
	}
	err := unpackBytes(t, s, compress(t, buildTar(t, entries), CompressionXZ), UnpackOpts{})
	// Unprivileged runs cannot remove files of a read-only directory.
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(s.target, "rootfs/ro"), 0o755) })
	if err != nil {
		t.Fatal(err)
	}
	s.checkOutside(t)
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(s.target, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if read("metadata.yaml") != fullMetadata || read("templates/hostname.tpl") != "{{ container.name }}\n" {
		t.Fatal("metadata or template content wrong")
	}
	if read("rootfs/bin/busybox") != "ELF2" || read("rootfs/ro/file") != "in a read-only dir" {
		t.Fatal("rootfs content wrong")
	}
	if _, err := os.Lstat(filepath.Join(s.target, "extra-top-level-file")); !os.IsNotExist(err) {
		t.Fatal("unknown top-level entry was extracted")
	}
	if l, _ := os.Readlink(filepath.Join(s.target, "rootfs/etc/shadow-link")); l != "/etc/shadow" {
		t.Fatalf("symlink text %q", l)
	}
	st, err := os.Stat(filepath.Join(s.target, "rootfs/ro"))
	if err != nil || st.Mode().Perm() != 0o555 || !st.ModTime().Equal(testTime) {
		t.Fatalf("dir mode/mtime not restored: %v %v", st.Mode(), st.ModTime())
	}
	st, err = os.Lstat(filepath.Join(s.target, "rootfs/run/fifo"))
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("fifo: %v %v", st, err)
	}
	st, _ = os.Lstat(filepath.Join(s.target, "rootfs/sbin/init"))
	if !st.ModTime().Equal(testTime) {
		t.Fatalf("symlink mtime %v", st.ModTime())
	}
	// bin/sh was linked to the first busybox, which the later entry replaced.
	if read("rootfs/bin/sh") != "ELF" {
		t.Fatalf("hardlink content %q", read("rootfs/bin/sh"))
	}
	buf := make([]byte, 16)
	if n, err := syscall.Getxattr(filepath.Join(s.target, "rootfs/cap"), "user.test", buf); err == nil && string(buf[:n]) != "value" {
		t.Fatalf("xattr %q", buf[:n])
	}
}

func TestUnpackRootfsLayout(t *testing.T) {
	s := newSandbox(t)
	entries := []ent{
		{name: "./", typ: tar.TypeDir, mode: 0o711},
		dir("etc/"),
		reg("etc/hostname", "c1\n"),
		reg("metadata.yaml", "not special in a rootfs tarball"),
		hard("etc/hostname2", "./etc/hostname"),
	}
	if err := unpackBytes(t, s, compress(t, buildTar(t, entries), CompressionZstd), UnpackOpts{Layout: LayoutRootfs}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(s.target)
	if err != nil || st.Mode().Perm() != 0o711 {
		t.Fatalf("root entry mode not applied: %v", st.Mode())
	}
	if b, _ := os.ReadFile(filepath.Join(s.target, "etc/hostname2")); string(b) != "c1\n" {
		t.Fatalf("hardlink %q", b)
	}
	s.checkOutside(t)
}

// hostileArchive is one attack class: an archive that extraction must
// refuse with a 400.
type hostileArchive struct {
	name    string
	entries func(outside string) []ent
	opts    UnpackOpts
}

// hostileArchives lists one archive per attack class; Unpack and Check
// must both refuse each.
func hostileArchives() []hostileArchive {
	return []hostileArchive{
		{"dotdot", func(o string) []ent { return []ent{reg("rootfs/../../outside/pwned", "x")} }, UnpackOpts{}},
		{"dotdot rootfs layout", func(o string) []ent { return []ent{reg("../outside/pwned", "x")} }, UnpackOpts{Layout: LayoutRootfs}},
		{"dotdot dir", func(o string) []ent { return []ent{dir("rootfs/a/../../../outside/d/")} }, UnpackOpts{}},
		{"absolute", func(o string) []ent { return []ent{reg(filepath.Join(o, "pwned"), "x")} }, UnpackOpts{Layout: LayoutRootfs}},
		{"absolute etc", func(o string) []ent { return []ent{reg("/etc/pwned-by-test", "x")} }, UnpackOpts{Layout: LayoutRootfs}},
		{"symlink then write through it", func(o string) []ent {
			return []ent{dir("rootfs/"), sym("rootfs/x", filepath.Join(o, "etc")), reg("rootfs/x/passwd", "pwned")}
		}, UnpackOpts{}},
		{"relative symlink then write through it", func(o string) []ent {
			return []ent{sym("x", "../outside/etc"), reg("x/passwd", "pwned")}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"symlink then dir through it", func(o string) []ent {
			return []ent{sym("x", o), dir("x/newdir/")}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"symlink then symlink through it", func(o string) []ent {
			return []ent{sym("x", o), sym("x/l", "/")}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"dir replaced by symlink then write", func(o string) []ent {
			return []ent{dir("x/"), sym("x", filepath.Join(o, "etc")), reg("x/passwd", "pwned")}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"hardlink dotdot", func(o string) []ent { return []ent{hard("rootfs/h", "../outside/etc/passwd")} }, UnpackOpts{}},
		{"hardlink absolute", func(o string) []ent {
			return []ent{hard("h", filepath.Join(o, "etc/passwd"))}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"hardlink through symlink", func(o string) []ent {
			return []ent{sym("x", filepath.Join(o, "etc")), hard("h", "x/passwd")}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"hardlink to metadata", func(o string) []ent {
			return []ent{reg("metadata.yaml", testMetadata), hard("rootfs/h", "metadata.yaml")}
		}, UnpackOpts{}},
		{"hardlink in templates", func(o string) []ent {
			return []ent{dir("rootfs/"), reg("rootfs/f", "x"), hard("templates/t.tpl", "rootfs/f")}
		}, UnpackOpts{}},
		{"hardlink missing target", func(o string) []ent { return []ent{hard("h", "nothing")} }, UnpackOpts{Layout: LayoutRootfs}},
		{"hardlink to directory", func(o string) []ent { return []ent{dir("d/"), hard("h", "d")} }, UnpackOpts{Layout: LayoutRootfs}},
		{"char device", func(o string) []ent {
			return []ent{{name: "rootfs/dev/sda", typ: tar.TypeChar, mode: 0o666, major: 8, minor: 0}}
		}, UnpackOpts{}},
		{"block device", func(o string) []ent {
			return []ent{{name: "dev/sda", typ: tar.TypeBlock, mode: 0o666, major: 8, minor: 0}}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"device in templates", func(o string) []ent {
			return []ent{{name: "templates/null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3}}
		}, UnpackOpts{AllowDevices: true}},
		{"oversize metadata", func(o string) []ent {
			return []ent{reg("metadata.yaml", strings.Repeat("#", MaxMetadataSize+1))}
		}, UnpackOpts{}},
		{"oversize template", func(o string) []ent {
			return []ent{reg("templates/big.tpl", strings.Repeat("#", MaxTemplateSize+1))}
		}, UnpackOpts{}},
		{"symlinked metadata", func(o string) []ent {
			return []ent{sym("metadata.yaml", filepath.Join(o, "etc/passwd"))}
		}, UnpackOpts{}},
		{"metadata is a dir", func(o string) []ent { return []ent{dir("metadata.yaml/")} }, UnpackOpts{}},
		{"symlinked template", func(o string) []ent {
			return []ent{dir("templates/"), sym("templates/hostname.tpl", filepath.Join(o, "etc/passwd"))}
		}, UnpackOpts{}},
		{"symlinked templates dir", func(o string) []ent {
			return []ent{sym("templates", filepath.Join(o, "etc")), reg("templates/passwd", "pwned")}
		}, UnpackOpts{}},
		{"symlinked rootfs dir", func(o string) []ent {
			return []ent{sym("rootfs", o), reg("rootfs/pwned", "x")}
		}, UnpackOpts{}},
		{"too big", func(o string) []ent {
			return []ent{reg("a", strings.Repeat("x", 600)), reg("b", strings.Repeat("x", 600))}
		}, UnpackOpts{Layout: LayoutRootfs, MaxBytes: 1000}},
		{"too many entries", func(o string) []ent {
			return []ent{reg("a", ""), reg("b", ""), reg("c", "")}
		}, UnpackOpts{Layout: LayoutRootfs, MaxEntries: 2}},
		{"root entry not a dir", func(o string) []ent { return []ent{reg(".", "x")} }, UnpackOpts{Layout: LayoutRootfs}},
		{"file replaces non-empty dir", func(o string) []ent {
			return []ent{reg("d/f", "x"), reg("d", "y")}
		}, UnpackOpts{Layout: LayoutRootfs}},
		{"file under a file", func(o string) []ent {
			return []ent{reg("f", "x"), reg("f/g", "y")}
		}, UnpackOpts{Layout: LayoutRootfs}},
	}
}

// TestUnpackHostile runs one archive per attack class: each must fail with
// a 400 and leave the outside sentinel untouched.
func TestUnpackHostile(t *testing.T) {
	tests := hostileArchives()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			data := buildTar(t, tt.entries(s.outside))
			err := unpackBytes(t, s, compress(t, data, CompressionGzip), tt.opts)
			wantErrStatus(t, err, 400)
			s.checkOutside(t)
			if _, err := os.Lstat("/etc/pwned-by-test"); err == nil {
				t.Fatal("wrote /etc/pwned-by-test")
			}
		})
	}
}

// TestUnpackReplacesLinksSafely: entries that replace a symlink must
// replace the link itself, never write through it.
func TestUnpackReplacesLinksSafely(t *testing.T) {
	tests := []struct {
		name    string
		entries func(outside string) []ent
	}{
		{"file over symlink", func(o string) []ent {
			return []ent{sym("x", filepath.Join(o, "etc/passwd")), reg("x", "replaced")}
		}},
		{"dir over symlink", func(o string) []ent {
			return []ent{sym("x", filepath.Join(o, "etc")), dir("x/"), reg("x/passwd", "inside")}
		}},
		{"hardlink over symlink", func(o string) []ent {
			return []ent{reg("f", "inside"), sym("x", filepath.Join(o, "etc/passwd")), hard("x", "f")}
		}},
		{"fifo over symlink", func(o string) []ent {
			return []ent{sym("x", filepath.Join(o, "etc/passwd")), {name: "x", typ: tar.TypeFifo, mode: 0o644}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			err := unpackBytes(t, s, buildTar(t, tt.entries(s.outside)), UnpackOpts{Layout: LayoutRootfs})
			if err != nil {
				t.Fatal(err)
			}
			s.checkOutside(t)
			st, err := os.Lstat(filepath.Join(s.target, "x"))
			if err != nil || st.Mode()&os.ModeSymlink != 0 {
				t.Fatalf("x should no longer be a symlink: %v %v", st, err)
			}
		})
	}
}

func TestUnpackCorruptAndCancelled(t *testing.T) {
	s := newSandbox(t)
	good := buildTar(t, []ent{reg("a", strings.Repeat("x", 4096)), reg("b", "y")})
	err := unpackBytes(t, s, good[:700], UnpackOpts{Layout: LayoutRootfs})
	wantErrStatus(t, err, 400)
	err = unpackBytes(t, s, []byte("definitely not a tarball at all, just some text"+strings.Repeat(" ", 600)), UnpackOpts{Layout: LayoutRootfs})
	wantErrStatus(t, err, 400)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Unpack(ctx, bytes.NewReader(good), t.TempDir(), UnpackOpts{Layout: LayoutRootfs})
	if err == nil {
		t.Fatal("cancelled unpack succeeded")
	}
	if err := Unpack(context.Background(), bytes.NewReader(good), filepath.Join(t.TempDir(), "missing"), UnpackOpts{}); err == nil {
		t.Fatal("unpack into a missing target succeeded")
	}
}

func TestUnpackFileDispatch(t *testing.T) {
	s := newSandbox(t)
	file := filepath.Join(t.TempDir(), "img.tar.gz")
	data := compress(t, buildTar(t, []ent{reg("metadata.yaml", testMetadata), reg("rootfs/etc/hostname", "c1")}), CompressionGzip)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := UnpackFile(context.Background(), file, s.target, UnpackOpts{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(s.target, "rootfs/etc/hostname")); string(b) != "c1" {
		t.Fatalf("got %q", b)
	}
	sq := filepath.Join(t.TempDir(), "rootfs.squashfs")
	if err := os.WriteFile(sq, []byte("hsqs-not-really"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantErrStatus(t, UnpackFile(context.Background(), sq, t.TempDir(), UnpackOpts{}), 400)
}

package imagefile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// makeTree builds a small rootfs with every kind of entry Pack handles.
func makeTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc/deep/er"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "bin"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc/hostname"), []byte("c1\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "etc/deep/er/file"), bytes.Repeat([]byte("z"), 100000), 0o600))
	must(os.WriteFile(filepath.Join(root, "bin/busybox"), []byte("ELF"), 0o755))
	must(os.Chmod(filepath.Join(root, "bin/busybox"), os.ModeSetuid|0o755))
	must(os.Link(filepath.Join(root, "bin/busybox"), filepath.Join(root, "bin/sh")))
	must(os.Symlink("/etc/shadow", filepath.Join(root, "etc/shadow-link")))
	must(os.Symlink("../bin/busybox", filepath.Join(root, "etc/init")))
	must(syscall.Mkfifo(filepath.Join(root, "fifo"), 0o640))
	must(os.Chmod(filepath.Join(root, "etc/deep"), 0o700))
	return root
}

func TestPackRoundTrip(t *testing.T) {
	requireTool(t, "xz", "xz-utils")
	requireTool(t, "bzip2", "bzip2")
	src := makeTree(t)
	tpls := filepath.Join(t.TempDir(), "templates")
	if err := os.MkdirAll(tpls, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tpls, "hostname.tpl"), []byte("{{ container.name }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Compression{CompressionGzip, CompressionXZ, CompressionZstd, CompressionBzip2, CompressionLZMA, CompressionNone} {
		t.Run(string(c), func(t *testing.T) {
			var buf bytes.Buffer
			err := Pack(context.Background(), &buf, PackOpts{Rootfs: src, Metadata: []byte(fullMetadata), TemplatesDir: tpls, Compression: c})
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := ReadMetadata(context.Background(), bytes.NewReader(buf.Bytes()))
			if err != nil || m.Architecture != "x86_64" {
				t.Fatalf("ReadMetadata of packed image: %v", err)
			}
			s := newSandbox(t)
			if err := Unpack(context.Background(), bytes.NewReader(buf.Bytes()), s.target, UnpackOpts{}); err != nil {
				t.Fatal(err)
			}
			want, got := treeSnapshot(t, src), treeSnapshot(t, filepath.Join(s.target, "rootfs"))
			for p, v := range want {
				if p == "." {
					continue // the source dir's mode comes from TempDir
				}
				if got[p] != v {
					t.Errorf("%s: packed %q, unpacked %q", p, v, got[p])
				}
			}
			if len(got) != len(want) {
				t.Errorf("entry count %d, want %d", len(got), len(want))
			}
			var a, b syscall.Stat_t
			_ = syscall.Stat(filepath.Join(s.target, "rootfs/bin/sh"), &a)
			_ = syscall.Stat(filepath.Join(s.target, "rootfs/bin/busybox"), &b)
			if a.Ino != b.Ino {
				t.Error("hardlink not kept")
			}
			if tpl, _ := os.ReadFile(filepath.Join(s.target, "templates/hostname.tpl")); string(tpl) != "{{ container.name }}\n" {
				t.Errorf("template %q", tpl)
			}
		})
	}
}

func TestPackRefuses(t *testing.T) {
	src := makeTree(t)
	badTpls := filepath.Join(t.TempDir(), "templates")
	if err := os.MkdirAll(badTpls, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/shadow", filepath.Join(badTpls, "hostname.tpl")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   PackOpts
		status int
	}{
		{"bad compression", PackOpts{Rootfs: src, Metadata: []byte(testMetadata), Compression: "gzip; touch /tmp/x"}, 400},
		{"bad metadata", PackOpts{Rootfs: src, Metadata: []byte("os: x\n"), Compression: CompressionGzip}, 400},
		{"symlinked template", PackOpts{Rootfs: src, Metadata: []byte(testMetadata), TemplatesDir: badTpls, Compression: CompressionGzip}, 400},
		{"missing rootfs", PackOpts{Rootfs: filepath.Join(src, "nope"), Metadata: []byte(testMetadata), Compression: CompressionGzip}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			wantErrStatus(t, Pack(context.Background(), &buf, tt.opts), tt.status)
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if err := Pack(ctx, &buf, PackOpts{Rootfs: src, Metadata: []byte(testMetadata), Compression: CompressionGzip}); err == nil {
		t.Fatal("cancelled pack succeeded")
	}
}

package testimage

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildBusyboxRootfs(t *testing.T) {
	dir := t.TempDir()
	if err := BuildBusyboxRootfs(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"bin/busybox", "bin/sh", "sbin/init", "usr/bin/wc", "etc/passwd", "etc/group", "etc/hostname", "etc/init.d/rcS"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	if l, _ := os.Readlink(filepath.Join(dir, "sbin/init")); l != "../bin/busybox" {
		t.Errorf("sbin/init -> %q", l)
	}
}

func TestWriteBusyboxImage(t *testing.T) {
	out := t.TempDir()
	img, err := WriteBusyboxImage(out)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		want    []string
		notWant string
	}{
		{img.Unified, []string{"metadata.yaml", "templates/hostname.tpl", "rootfs/bin/busybox", "rootfs/sbin/init"}, ""},
		{img.Meta, []string{"metadata.yaml", "templates/hostname.tpl"}, "rootfs/"},
	}
	for _, tt := range tests {
		names := tarNames(t, tt.path)
		for _, w := range tt.want {
			if !names[w] {
				t.Errorf("%s lacks %s", tt.path, w)
			}
		}
		for n := range names {
			if tt.notWant != "" && strings.HasPrefix(n, tt.notWant) {
				t.Errorf("%s holds %s", tt.path, n)
			}
		}
	}
	if st, err := os.Stat(img.Rootfs); err != nil || st.Size() == 0 {
		t.Fatalf("squashfs: %v", err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 3 {
		t.Fatalf("outdir holds %d entries, want the 3 image files", len(entries))
	}
}

func tarNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Fatalf("%s owned by %d:%d", h.Name, h.Uid, h.Gid)
		}
		names[strings.TrimSuffix(h.Name, "/")] = true
	}
	return names
}

package imagefile

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mksquashfs builds a squashfs of src with optional pseudo definitions.
func mksquashfs(t *testing.T, src string, pseudo ...string) string {
	t.Helper()
	requireTool(t, "mksquashfs", "squashfs-tools")
	out := filepath.Join(t.TempDir(), "rootfs.squashfs")
	args := []string{src, out, "-noappend", "-quiet", "-no-progress"}
	for _, p := range pseudo {
		args = append(args, "-p", p)
	}
	if b, err := exec.Command("mksquashfs", args...).CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v: %s", err, b)
	}
	return out
}

func TestUnpackSquashfs(t *testing.T) {
	requireTool(t, "unsquashfs", "squashfs-tools")
	src := makeTree(t)
	file := mksquashfs(t, src)
	s := newSandbox(t)
	if err := UnpackFile(context.Background(), file, s.target, UnpackOpts{Layout: LayoutRootfs}); err != nil {
		t.Fatal(err)
	}
	want, got := treeSnapshot(t, src), treeSnapshot(t, s.target)
	for p, v := range want {
		if os.Geteuid() != 0 && strings.HasPrefix(v, "u") {
			v = "-" + v[1:] // unsquashfs drops setuid bits when it cannot chown
		}
		if p != "." && got[p] != v {
			t.Errorf("%s: source %q, unpacked %q", p, v, got[p])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d entries, want %d", len(got), len(want))
	}
	s.checkOutside(t)

	withDev := mksquashfs(t, src, "dev d 755 0 0", "dev/sda b 660 0 0 8 0")
	tests := []struct {
		name   string
		file   string
		target func() string
		opts   UnpackOpts
		status int
	}{
		{"device refused", withDev, func() string { return t.TempDir() }, UnpackOpts{Layout: LayoutRootfs}, 400},
		{"image layout", file, func() string { return t.TempDir() }, UnpackOpts{Layout: LayoutImage}, 400},
		{"too big", file, func() string { return t.TempDir() }, UnpackOpts{Layout: LayoutRootfs, MaxBytes: 1000}, 400},
		{"too many entries", file, func() string { return t.TempDir() }, UnpackOpts{Layout: LayoutRootfs, MaxEntries: 3}, 400},
		{"target not empty", file, func() string { return s.target }, UnpackOpts{Layout: LayoutRootfs}, 500},
		{"corrupt", writeTemp(t, "hsqs"+string(make([]byte, 200))), func() string { return t.TempDir() }, UnpackOpts{Layout: LayoutRootfs}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target()
			err := UnpackSquashfs(context.Background(), tt.file, target, tt.opts)
			wantErrStatus(t, err, tt.status)
			if tt.name == "device refused" {
				if _, err := os.Lstat(filepath.Join(target, "dev/sda")); !os.IsNotExist(err) {
					t.Fatal("device node was created before being refused")
				}
			}
		})
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestVerifySquashfsTree checks the post-extraction guard directly: a
// listed path reached through a symlink counts as an escape.
func TestVerifySquashfsTree(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "real/f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		paths  []string
		status int
	}{
		{"exact", []string{"", "real", "real/f", "link"}, 200},
		{"through symlink", []string{"", "real", "link/f", "link"}, 400},
		{"extra entry on disk", []string{"", "real", "real/f"}, 400},
		{"missing entry", []string{"", "real", "real/f", "link", "gone"}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErrStatus(t, verifySquashfsTree(dir, tt.paths), tt.status)
		})
	}
}

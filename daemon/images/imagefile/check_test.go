package imagefile

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckRefusesHostile: every archive Unpack refuses, Check refuses too
// without writing anything (for image layouts, after a valid
// metadata.yaml so that the refusal is about the attack).
func TestCheckRefusesHostile(t *testing.T) {
	for _, tt := range hostileArchives() {
		t.Run(tt.name, func(t *testing.T) {
			outside := t.TempDir()
			entries := tt.entries(outside)
			if tt.opts.Layout == LayoutImage {
				entries = append([]ent{reg("metadata.yaml", testMetadata)}, entries...)
			}
			data := compress(t, buildTar(t, entries), CompressionGzip)
			_, _, err := Check(context.Background(), bytes.NewReader(data), tt.opts)
			wantErrStatus(t, err, 400)
			if left, _ := os.ReadDir(outside); len(left) != 0 {
				t.Fatalf("Check wrote %v", left)
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	tests := []struct {
		name    string
		entries []ent
		opts    UnpackOpts
		wantOS  string
	}{
		{"unified", []ent{reg("metadata.yaml", testMetadata), dir("rootfs/"), dir("rootfs/bin/"), reg("rootfs/bin/busybox", "elf"),
			sym("rootfs/bin/sh", "busybox"), hard("rootfs/bin/ash", "rootfs/bin/busybox"), dir("templates/"), reg("templates/h.tpl", "x")},
			UnpackOpts{}, "Busybox"},
		{"symlink replaced by dir", []ent{reg("metadata.yaml", testMetadata), sym("rootfs/x", "/etc"), dir("rootfs/x/"), reg("rootfs/x/f", "ok")},
			UnpackOpts{}, "Busybox"},
		{"rootfs half", []ent{dir("./"), dir("etc/"), reg("etc/hostname", "h"), sym("etc/mtab", "/proc/mounts"), {name: "dev/fifo", typ: tar.TypeFifo, mode: 0o644}},
			UnpackOpts{Layout: LayoutRootfs}, ""},
		{"devices allowed", []ent{{name: "dev/null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3}},
			UnpackOpts{Layout: LayoutRootfs, AllowDevices: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := compress(t, buildTar(t, tt.entries), CompressionXZ)
			m, raw, err := Check(context.Background(), bytes.NewReader(data), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if m.Properties["os"] != tt.wantOS || (tt.wantOS != "" && string(raw) != testMetadata) {
				t.Fatalf("metadata %+v %q", m, raw)
			}
		})
	}
}

func TestCheckNeedsMetadata(t *testing.T) {
	data := buildTar(t, []ent{dir("rootfs/"), reg("rootfs/f", "x")})
	_, _, err := Check(context.Background(), bytes.NewReader(data), UnpackOpts{})
	wantErrStatus(t, err, 400)
	f := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = CheckFile(context.Background(), f, UnpackOpts{Layout: LayoutRootfs})
	wantErrStatus(t, err, 200)
}

package btrfs

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
)

func TestParseVersion(t *testing.T) {
	tests := map[string]string{
		"btrfs-progs v6.2\n":                        "6.2",
		"btrfs-progs v5.16.2 \n-EXPERIMENTAL\n":     "5.16.2",
		"btrfs-progs v6.6.3\n+EXPERIMENTAL -INJECT": "6.6.3",
		"garbage": "",
	}
	for in, want := range tests {
		if got := parseVersion(in); got != want {
			t.Errorf("parseVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClampLoopSize(t *testing.T) {
	const gib = int64(1) << 30
	tests := []struct{ fs, want int64 }{
		{10 * gib, 5 * gib},
		{50 * gib, 10 * gib},
		{79 * gib, 15 * gib}, // 15.8 rounds down to whole GiB
		{264 * gib, 30 * gib},
		{0, 5 * gib},
	}
	for _, tc := range tests {
		if got := clampLoopSize(tc.fs); got != tc.want {
			t.Errorf("clampLoopSize(%d GiB) = %d GiB, want %d GiB", tc.fs/gib, got/gib, tc.want/gib)
		}
	}
}

func TestParseQgroupShow(t *testing.T) {
	out := `Qgroupid    Referenced    Exclusive  Max referenced   Path 
--------    ----------    ---------  --------------   ---- 
0/256          1064960      1064960        10000000   custom/default_a
0/257            16384        16384            none   custom/default_b
`
	tests := []struct {
		qgroup    string
		used, lim int64
		wantErr   bool
	}{
		{"0/256", 1064960, 10000000, false},
		{"0/257", 16384, -1, false},
		{"0/999", 0, 0, true},
	}
	for _, tc := range tests {
		used, lim, err := parseQgroupShow(out, tc.qgroup)
		if (err != nil) != tc.wantErr || used != tc.used || lim != tc.lim {
			t.Errorf("%s: got %d, %d, %v", tc.qgroup, used, lim, err)
		}
	}
}

func TestPoolSource(t *testing.T) {
	p := storage.Pool{Name: "p1", DisksDir: "/var/lib/lxd/disks", Config: map[string]string{}}
	if src, kind := poolSource(p); kind != sourceLoop || src != "/var/lib/lxd/disks/p1.img" {
		t.Fatalf("no source: %q %v", src, kind)
	}
	p.Config["source"] = "/var/lib/lxd/disks/p1.img"
	if _, kind := poolSource(p); kind != sourceLoop {
		t.Fatalf("default loop path: %v", kind)
	}
	p.Config["source"] = filepath.Join(t.TempDir(), "sub")
	if _, kind := poolSource(p); kind != sourceDir {
		t.Fatalf("directory: %v", kind)
	}
}

func TestFillPoolConfig(t *testing.T) {
	d := &Driver{}
	tmp := t.TempDir()
	p := storage.Pool{Name: "p1", Path: filepath.Join(tmp, "storage-pools", "p1"), DisksDir: filepath.Join(tmp, "disks")}
	tests := []struct {
		name       string
		cfg        map[string]string
		wantSource string
		wantSize   string
		wantStatus int
	}{
		{"explicit size", map[string]string{"size": "7GiB"}, filepath.Join(tmp, "disks", "p1.img"), "7GiB", http.StatusOK},
		{"mount options", map[string]string{"size": "1GiB", "btrfs.mount_options": "compress=zstd"}, filepath.Join(tmp, "disks", "p1.img"), "1GiB", http.StatusOK},
		{"bad size", map[string]string{"size": "big"}, "", "", http.StatusBadRequest},
		{"unknown key", map[string]string{"zfs.pool_name": "x"}, "", "", http.StatusBadRequest},
		{"relative source", map[string]string{"source": "pools/x"}, "", "", http.StatusBadRequest},
		{"source not on btrfs", map[string]string{"source": tmp}, "", "", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.Config = tc.cfg
			got, err := d.FillPoolConfig(context.Background(), p)
			if api.StatusOf(err) != tc.wantStatus {
				t.Fatalf("got %v, want status %d", err, tc.wantStatus)
			}
			if err == nil && (got["source"] != tc.wantSource || got["size"] != tc.wantSize) {
				t.Fatalf("got %v", got)
			}
		})
	}
}

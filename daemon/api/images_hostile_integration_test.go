//go:build integration

package api_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

const goodMetadata = "architecture: x86_64\ncreation_date: 1424284563\nproperties:\n  os: Busybox\n"

type tarEntry struct {
	name, body, link string
	typ              byte
	major, minor     int64
}

func treg(name, body string) tarEntry { return tarEntry{name: name, body: body, typ: tar.TypeReg} }
func tdir(name string) tarEntry       { return tarEntry{name: name, typ: tar.TypeDir} }
func tsym(name, target string) tarEntry {
	return tarEntry{name: name, link: target, typ: tar.TypeSymlink}
}
func thard(name, target string) tarEntry {
	return tarEntry{name: name, link: target, typ: tar.TypeLink}
}

func tarGz(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, ModTime: time.Unix(1424284563, 0),
			Devmajor: e.major, Devminor: e.minor}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if e.typ == tar.TypeDir {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hostileSquashfs builds a squashfs rootfs holding a block device node.
func hostileSquashfs(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tree", "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rootfs.squashfs")
	cmd := exec.Command("mksquashfs", filepath.Join(dir, "tree"), out, "-noappend", "-quiet", "-no-progress",
		"-p", "dev/sda b 660 0 0 8 0")
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs (install squashfs-tools): %v: %s", err, o)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// imageRows counts the images rows in our database.
func imageRows(t *testing.T, d *daemontest.Daemon) string {
	t.Helper()
	cmd := exec.Command(daemontest.Binary(t, "lxd"), "sql", "global", "SELECT 'rows=' || COUNT(*) FROM images")
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lxd sql: %v: %s", err, out)
	}
	return string(out)
}

// TestImageHostileUploads: every class of hostile image fails (a 400
// operation failure) and leaves no file under $LXD_DIR/images (staging
// included), no row, and nothing written outside.
func TestImageHostileUploads(t *testing.T) {
	d := daemontest.Start(t)
	outside := t.TempDir()
	pwned := filepath.Join(outside, "pwned")
	meta := treg("metadata.yaml", goodMetadata)
	badTemplate := "architecture: x86_64\ntemplates:\n  /etc/hostname:\n    when: [create]\n    template: ../../../etc/shadow\n"
	tests := []struct {
		name   string
		meta   []byte
		rootfs []byte // split upload when set
	}{
		{"dotdot", tarGz(t, []tarEntry{meta, tdir("rootfs/"), treg("rootfs/../../../.."+pwned, "x")}), nil},
		{"absolute path", tarGz(t, []tarEntry{meta, treg(pwned, "x")}), nil},
		{"absolute rootfs path", tarGz(t, []tarEntry{meta, tdir("rootfs/"), treg("/rootfs/etc/x", "x")}), nil},
		{"symlink escape", tarGz(t, []tarEntry{meta, tdir("rootfs/"), tsym("rootfs/x", outside), treg("rootfs/x/pwned", "x")}), nil},
		{"hardlink escape", tarGz(t, []tarEntry{meta, tdir("rootfs/"), thard("rootfs/h", "../../etc/passwd")}), nil},
		{"device node", tarGz(t, []tarEntry{meta, tdir("rootfs/"), {name: "rootfs/dev/sda", typ: tar.TypeBlock, major: 8}}), nil},
		{"oversize metadata.yaml", tarGz(t, []tarEntry{treg("metadata.yaml", goodMetadata+strings.Repeat("#", 1<<20))}), nil},
		{"symlinked metadata.yaml", tarGz(t, []tarEntry{tsym("metadata.yaml", "/etc/passwd")}), nil},
		{"symlinked templates dir", tarGz(t, []tarEntry{meta, tsym("templates", outside), treg("templates/pwned", "x")}), nil},
		{"symlinked template", tarGz(t, []tarEntry{meta, tdir("templates/"), tsym("templates/hostname.tpl", "/etc/shadow")}), nil},
		{"template name escape", tarGz(t, []tarEntry{treg("metadata.yaml", badTemplate)}), nil},
		{"no metadata", tarGz(t, []tarEntry{tdir("rootfs/"), treg("rootfs/f", "x")}), nil},
		{"not an archive", []byte(strings.Repeat("garbage ", 200)), nil},
		{"split rootfs dotdot", tarGz(t, []tarEntry{meta}), tarGz(t, []tarEntry{treg("../.."+pwned, "x")})},
		{"split rootfs symlink escape", tarGz(t, []tarEntry{meta}), tarGz(t, []tarEntry{tsym("x", outside), treg("x/pwned", "x")})},
		{"split squashfs device node", tarGz(t, []tarEntry{meta}), hostileSquashfs(t)},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := client.ImageUpload{Meta: bytes.NewReader(tt.meta), MetaName: "hostile.tar.gz"}
			if tt.rootfs != nil {
				u.Rootfs, u.RootfsName = bytes.NewReader(tt.rootfs), "rootfs"
			}
			op, err := d.Client.UploadImage(ctx, u)
			if err == nil {
				err = op.Wait(ctx)
			}
			if err == nil {
				t.Fatal("hostile image accepted")
			}
			if op != nil && op.StatusCode != api.Failure {
				t.Fatalf("operation status %v: %v", op.Status, err)
			}
			if left := imageFilesIn(t, d); len(left) != 0 {
				t.Fatalf("left in images/: %v", left)
			}
			if n := imageRows(t, d); !strings.Contains(n, "rows=0") {
				t.Fatalf("images rows: %s", n)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 0 {
				t.Fatalf("wrote outside: %v", entries)
			}
		})
	}
	// compression_algorithm is an allow-list.
	status, r := rawQuery(t, d, "POST", "/1.0/images", `{"compression_algorithm":"xz; rm -rf /","source":{"type":"instance","name":"c1"}}`, nil)
	if status != 400 || !strings.Contains(r.Error, "compression algorithm") {
		t.Fatalf("bad compression_algorithm: %d %q", status, r.Error)
	}
	// Untrusted uploads need a push secret.
	url := enableHTTPS(t, d)
	resp, _ := anonymous(t, "POST", url+"/1.0/images")
	if resp.StatusCode != 403 {
		t.Fatalf("untrusted upload: %d", resp.StatusCode)
	}
}

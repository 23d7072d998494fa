package testimage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCustomiseDebian(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"dev/pts", "etc", "var/lib/dbus"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"etc/machine-id", "var/lib/dbus/machine-id", "dev/null-ish"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("x\n"), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/proc/self/fd", filepath.Join(root, "dev/fd")); err != nil {
		t.Fatal(err)
	}
	if err := customiseDebian(root); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(root, "dev")); len(left) != 0 {
		t.Errorf("/dev not emptied: %v", left)
	}
	tests := []struct{ path, want string }{
		{"etc/hostname", "debian\n"},
		{"etc/machine-id", ""},
		{"etc/systemd/network/eth0.network", "[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n"},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join(root, tt.path))
		if err != nil || string(data) != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.path, data, err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "var/lib/dbus/machine-id")); !os.IsNotExist(err) {
		t.Errorf("dbus machine-id kept: %v", err)
	}
	for _, u := range debianUnits {
		link := filepath.Join(root, "etc/systemd/system", u.wants, u.unit)
		if target, err := os.Readlink(link); err != nil || target != "/lib/systemd/system/"+u.unit {
			t.Errorf("%s -> %q, %v", link, target, err)
		}
	}
	if hosts, err := os.ReadFile(filepath.Join(root, "etc/hosts")); err != nil || !strings.Contains(string(hosts), "127.0.1.1\tdebian\n") {
		t.Errorf("etc/hosts = %q, %v", hosts, err)
	}
}

func TestDebianMetadata(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	tests := []struct {
		arch, release string
		want          []string
	}{
		{"amd64", "bookworm", []string{"architecture: x86_64\n", "creation_date: 1772368200\n", "  os: Debian\n",
			"  release: bookworm\n", "  description: Debian bookworm amd64 (20260301_1230)\n",
			"  /etc/hostname:\n", "template: hostname.tpl", "  /etc/hosts:\n", "template: hosts.tpl"}},
		{"arm64", "trixie", []string{"architecture: aarch64\n", "  release: trixie\n"}},
	}
	for _, tt := range tests {
		md := debianMetadataYAML(tt.arch, tt.release, created)
		for _, w := range tt.want {
			if !strings.Contains(md, w) {
				t.Errorf("%s/%s metadata lacks %q:\n%s", tt.arch, tt.release, w, md)
			}
		}
	}
	dir := t.TempDir()
	if err := writeDebianMetadata(dir, "amd64", "bookworm", created); err != nil {
		t.Fatal(err)
	}
	hosts, err := os.ReadFile(filepath.Join(dir, "templates/hosts.tpl"))
	if err != nil || !strings.Contains(string(hosts), "127.0.1.1\t{{ container.name }}\n") {
		t.Errorf("hosts.tpl = %q, %v", hosts, err)
	}
	hostname, err := os.ReadFile(filepath.Join(dir, "templates/hostname.tpl"))
	if err != nil || string(hostname) != "{{ container.name }}\n" {
		t.Errorf("hostname.tpl = %q, %v", hostname, err)
	}
}

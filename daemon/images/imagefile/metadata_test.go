package imagefile

import (
	"archive/tar"
	"bytes"
	"context"
	"strings"
	"testing"
)

const fullMetadata = `architecture: x86_64
creation_date: 1424284563
expiry_date: 1700000000
properties:
  description: Debian bookworm amd64
  os: Debian
  release: bookworm
  serial: 20231010
templates:
  /etc/hostname:
    when:
      - create
      - copy
    template: hostname.tpl
  /etc/hosts:
    when: [create, rename]
    template: hosts.tpl
    properties:
      foo: bar
  /etc/network/interfaces:
    when: [create]
    template: interfaces.tpl
    create_only: true
`

func TestParseMetadata(t *testing.T) {
	m, err := ParseMetadata([]byte(fullMetadata))
	if err != nil {
		t.Fatal(err)
	}
	if m.Architecture != "x86_64" || m.CreationDate != 1424284563 || m.ExpiryDate != 1700000000 {
		t.Fatalf("header fields: %+v", m)
	}
	if m.Properties["os"] != "Debian" || m.Properties["serial"] != "20231010" {
		t.Fatalf("properties: %v", m.Properties)
	}
	hosts := m.Templates["/etc/hosts"]
	if hosts == nil || hosts.Template != "hosts.tpl" || hosts.Properties["foo"] != "bar" || !hosts.Runs("rename") || hosts.Runs("start") {
		t.Fatalf("hosts template: %+v", hosts)
	}
	if !m.Templates["/etc/network/interfaces"].CreateOnly {
		t.Fatal("create_only lost")
	}

	tests := []struct {
		name   string
		yaml   string
		status int
	}{
		{"minimal", "architecture: aarch64\n", 200},
		{"no architecture", "creation_date: 1\n", 400},
		{"not yaml", "architecture: [\n", 400},
		{"wrong type", "architecture: x86_64\nproperties: [a, b]\n", 400},
		{"template escapes", "architecture: x86_64\ntemplates:\n  /etc/x:\n    template: ../../../etc/shadow\n", 400},
		{"absolute template", "architecture: x86_64\ntemplates:\n  /etc/x:\n    template: /etc/shadow\n", 400},
		{"empty template name", "architecture: x86_64\ntemplates:\n  /etc/x:\n    when: [create]\n", 400},
		{"relative target", "architecture: x86_64\ntemplates:\n  etc/x:\n    template: x.tpl\n", 400},
		{"null template", "architecture: x86_64\ntemplates:\n  /etc/x:\n", 400},
		{"subdir template", "architecture: x86_64\ntemplates:\n  /etc/x:\n    template: sub/x.tpl\n", 200},
		{"oversize", "architecture: x86_64\n#" + strings.Repeat("x", MaxMetadataSize), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetadata([]byte(tt.yaml))
			wantErrStatus(t, err, tt.status)
		})
	}
}

func TestCleanTemplateName(t *testing.T) {
	tests := []struct {
		in, want string
		status   int
	}{
		{"hostname.tpl", "hostname.tpl", 200},
		{"./sub/../a.tpl", "a.tpl", 200},
		{"sub/a.tpl", "sub/a.tpl", 200},
		{"..", "", 400},
		{"../a", "", 400},
		{"sub/../../a", "", 400},
		{"/a", "", 400},
		{"", "", 400},
		{".", "", 400},
		{"a\x00b", "", 400},
	}
	for _, tt := range tests {
		got, err := CleanTemplateName(tt.in)
		wantErrStatus(t, err, tt.status)
		if got != tt.want {
			t.Fatalf("CleanTemplateName(%q) = %q", tt.in, got)
		}
	}
}

func TestReadMetadata(t *testing.T) {
	tests := []struct {
		name    string
		entries []ent
		status  int
	}{
		{"unified, metadata last", []ent{dir("rootfs/"), reg("rootfs/bin", "x"), reg("metadata.yaml", fullMetadata)}, 200},
		{"dot prefix", []ent{reg("./metadata.yaml", fullMetadata)}, 200},
		{"missing", []ent{dir("rootfs/")}, 400},
		{"symlink", []ent{sym("metadata.yaml", "/etc/passwd")}, 400},
		{"oversize", []ent{{name: "metadata.yaml", typ: tar.TypeReg, size: MaxMetadataSize + 1, mode: 0o644}}, 400},
		{"nested one ignored", []ent{reg("rootfs/metadata.yaml", "junk: ["), reg("metadata.yaml", fullMetadata)}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.name == "oversize" {
				data = oversizeTar(t)
			} else {
				data = compress(t, buildTar(t, tt.entries), CompressionGzip)
			}
			m, raw, err := ReadMetadata(context.Background(), bytes.NewReader(data))
			wantErrStatus(t, err, tt.status)
			if err == nil && (m.Architecture != "x86_64" || string(raw) != fullMetadata) {
				t.Fatalf("got %+v", m)
			}
		})
	}
}

// oversizeTar holds a metadata.yaml just over the limit.
func oversizeTar(t *testing.T) []byte {
	return buildTar(t, []ent{reg("metadata.yaml", "architecture: x86_64\n#"+strings.Repeat("x", MaxMetadataSize))})
}

package testimage

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAptMirror(t *testing.T) {
	deb822 := `Types: deb
# a comment
URIs: http://deb.example.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.example.org/debian-security
Suites: bookworm-security
Components: main
`
	tests := []struct {
		name    string
		files   map[string]string
		release string
		want    string
		wantErr bool
	}{
		{"deb822", map[string]string{"sources.list.d/debian.sources": deb822}, "bookworm", "http://deb.example.org/debian", false},
		{"deb822 other release falls back to the plain suite", map[string]string{"sources.list.d/debian.sources": deb822}, "trixie", "http://deb.example.org/debian", false},
		{"one-line with options", map[string]string{"sources.list": "# x\ndeb-src http://src/ bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n"}, "bookworm", "http://mirror.example/debian", false},
		{"disabled files ignored", map[string]string{"sources.list.d/x.list.disabled": "deb http://other/ bookworm main\n", "sources.list": "deb http://m/debian bookworm main\n"}, "bookworm", "http://m/debian", false},
		{"disabled stanza", map[string]string{"sources.list.d/a.sources": "Types: deb\nEnabled: no\nURIs: http://no/\nSuites: bookworm\n"}, "bookworm", "", true},
		{"security only", map[string]string{"sources.list": "deb http://sec/debian-security bookworm-security main\n"}, "bookworm", "", true},
		{"nothing", nil, "bookworm", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, body := range tt.files {
				full := filepath.Join(dir, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := AptMirror(dir, tt.release)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("AptMirror = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

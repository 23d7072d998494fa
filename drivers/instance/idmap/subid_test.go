package idmap

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseSubID(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Range
		wantErr string
	}{
		{"lxd default", "root:1000000:1000000000\n", []Range{{1000000, 1000000000}}, ""},
		{"debian plus ours", "_lxd:100000:10000001\nroot:100000:10000001\nroot:1000000:1000000000\n",
			[]Range{{100000, 10000001}, {1000000, 1000000000}}, ""},
		{"other users and comments", "# x\nalice:1:2\n\n", nil, ""},
		{"malformed for user", "root:abc:10\n", nil, "Invalid subordinate id line 1"},
		{"zero size", "root:10:0\n", nil, "Invalid subordinate id"},
		{"missing field", "root:10\n", nil, "Invalid subordinate id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSubID(strings.NewReader(tt.in), "root")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestHostSet(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		subuid  string
		subgid  string
		want    Set
		wantErr string
	}{
		{"largest wins", write("u1", "root:100000:10000001\nroot:1000000:1000000000\n"), write("g1", "root:1000000:1000000000\n"), lxdDefault, ""},
		{"missing files use default", filepath.Join(dir, "nope"), filepath.Join(dir, "nope2"), lxdDefault, ""},
		{"no line for user uses default", write("u2", "bob:1:100000\n"), write("g2", ""), lxdDefault, ""},
		{"too small", write("u3", "root:100:1000\n"), write("g3", ""), nil, "at least 65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HostSet(tt.subuid, tt.subgid, "root")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

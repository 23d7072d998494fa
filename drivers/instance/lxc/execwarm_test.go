package lxc

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUnifiedCgroupOf(t *testing.T) {
	tests := []struct {
		name, content, want string
		ok                  bool
	}{
		{"hybrid", "9:name=systemd:/\n4:memory:/x\n0::/lxd.service\n", "/lxd.service", true},
		{"pure v2", "0::/\n", "/", true},
		{"v1 only", "4:memory:/\n1:cpu:/\n", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "cgroup")
			if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, ok := unifiedCgroupOf(file)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("unifiedCgroupOf = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if _, ok := unifiedCgroupOf(filepath.Join(t.TempDir(), "missing")); ok {
		t.Fatal("a missing file gave a cgroup")
	}
}

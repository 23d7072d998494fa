package main

import "testing"

func TestViolation(t *testing.T) {
	tests := []struct {
		pkg, dep string
		bad      bool
	}{
		{"shared/client", "shared/api", false},
		{"shared/client", "daemon/api", true},
		{"cluster/db", "drivers/storage", true},
		{"drivers/storage/dir", "cluster/db", true},
		{"drivers/storage/dir", "drivers/storage", false},
		{"drivers/storage/dir", "drivers/storage/btrfs", true},
		{"daemon", "daemon/api", false},
		{"daemon/instances", "daemon/api", true},
		{"cmd/lxd", "daemon", false},
		{"daemon/api", "daemon", true},
		{"daemon/config", "migrations", true},
		{"cluster/db", "migrations", false},
		{"cmd/lxc", "daemon/config", true},
		{"daemon/api", "daemon/operations", false},
	}
	for _, tt := range tests {
		if got := violation(tt.pkg, tt.dep) != ""; got != tt.bad {
			t.Errorf("%s -> %s: violation=%v, want %v", tt.pkg, tt.dep, got, tt.bad)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReferencePagesUpToDate fails when a key table changed without
// `make docs`.
func TestReferencePagesUpToDate(t *testing.T) {
	for name, want := range pages() {
		got, err := os.ReadFile(filepath.Join("..", "..", "docs", "reference", name))
		if err != nil {
			t.Fatalf("%s: %v (run make docs)", name, err)
		}
		if string(got) != want {
			t.Errorf("docs/reference/%s is stale: run make docs", name)
		}
	}
}

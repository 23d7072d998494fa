//go:build integration

package dir

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/storagetest"
)

var poolCounter atomic.Int64

// newPool lays a pool out in a fresh temp dir, like $LXD_DIR would be.
func newPool(t *testing.T) storage.Pool {
	varDir := t.TempDir()
	name := fmt.Sprintf("lxdngst-dir%d", poolCounter.Add(1))
	return storage.Pool{
		Name:     name,
		Driver:   "dir",
		Config:   map[string]string{},
		Path:     filepath.Join(varDir, "storage-pools", name),
		DisksDir: filepath.Join(varDir, "disks"),
	}
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func() storage.Driver { return New() }, newPool)
}

// TestConformanceExternalSource runs the suite on pools whose data lives in
// a directory outside $LXD_DIR, bind-mounted on the pool path.
func TestConformanceExternalSource(t *testing.T) {
	storagetest.Run(t, func() storage.Driver { return New() }, func(t *testing.T) storage.Pool {
		p := newPool(t)
		p.Config["source"] = filepath.Join(t.TempDir(), "data")
		return p
	})
}

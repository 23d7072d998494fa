package storagetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/drivers/storage"
)

// testPoolLifecycle: create lays the pool out; mount is idempotent;
// content survives unmount + mount; delete removes the pool path.
func (s *suite) testPoolLifecycle(t *testing.T) {
	ctx := context.Background()
	d := s.newDriver()
	p := s.newPool(t)
	cfg, err := d.FillPoolConfig(ctx, p)
	if err != nil {
		t.Fatalf("FillPoolConfig: %v", err)
	}
	if cfg["source"] == "" {
		t.Fatalf("FillPoolConfig left source empty: %v", cfg)
	}
	p.Config = cfg
	if err := d.CreatePool(ctx, p); err != nil {
		t.Fatalf("CreatePool: %v", err)
	}
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			_ = d.DeletePool(ctx, p)
		}
	})
	for _, dir := range storage.PoolLayout {
		st, err := os.Stat(filepath.Join(p.Path, dir.Name))
		if err != nil {
			t.Fatalf("pool layout: %v", err)
		}
		if got := uint32(st.Mode().Perm()); got != dir.Mode {
			t.Errorf("%s mode = %o, want %o", dir.Name, got, dir.Mode)
		}
	}
	for i := 0; i < 2; i++ {
		if err := d.MountPool(ctx, p); err != nil {
			t.Fatalf("MountPool #%d on a mounted pool: %v", i+1, err)
		}
	}
	v := createFS(t, ctx, d, p, map[string]string{"persist": "yes"})
	for i := 0; i < 2; i++ {
		if err := d.UnmountPool(ctx, p); err != nil {
			t.Fatalf("UnmountPool #%d: %v", i+1, err)
		}
	}
	if err := d.MountPool(ctx, p); err != nil {
		t.Fatalf("MountPool after unmount: %v", err)
	}
	wantFile(t, ctx, d, v, "persist", "yes")
	if err := d.UnmountVolume(ctx, v); err != nil {
		t.Fatalf("UnmountVolume: %v", err)
	}
	if err := d.DeleteVolume(ctx, v); err != nil {
		t.Fatalf("DeleteVolume: %v", err)
	}
	if err := d.DeletePool(ctx, p); err != nil {
		t.Fatalf("DeletePool: %v", err)
	}
	deleted = true
	mustNotExist(t, p.Path)
}

// testPoolUsage: the numbers are consistent with each other.
func (s *suite) testPoolUsage(t *testing.T) {
	ctx, d, p := s.setup(t)
	u, err := d.PoolUsage(ctx, p)
	if err != nil {
		t.Fatalf("PoolUsage: %v", err)
	}
	if u.SpaceTotal == 0 || u.SpaceUsed > u.SpaceTotal || u.InodesUsed > u.InodesTotal {
		t.Fatalf("PoolUsage not sane: %+v", u)
	}
	if u.InodesTotal != 0 && u.InodesUsed == 0 {
		t.Fatalf("PoolUsage counts inodes but none used: %+v", u)
	}
}

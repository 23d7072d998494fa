package storagetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
)

// Run runs the suite. newDriver returns the driver under test; newPool
// returns a pool description that has not been created yet (unique name,
// Path and DisksDir under t.TempDir(), Driver and any Config the driver
// needs). Each subtest creates its own pool and deletes it at the end.
func Run(t *testing.T, newDriver func() storage.Driver, newPool func(t *testing.T) storage.Pool) {
	s := &suite{newDriver: newDriver, newPool: newPool}
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"PoolLifecycle", s.testPoolLifecycle},
		{"PoolUsage", s.testPoolUsage},
		{"CreateVolumeFill", s.testCreateVolumeFill},
		{"CreateVolumeFillFails", s.testCreateVolumeFillFails},
		{"VolumeTypesLayout", s.testVolumeTypesLayout},
		{"BlockVolume", s.testBlockVolume},
		{"CopyVolume", s.testCopyVolume},
		{"CopyVolumeWithSnapshots", s.testCopyVolumeWithSnapshots},
		{"CopyFromSnapshot", s.testCopyFromSnapshot},
		{"SnapshotRestore", s.testSnapshotRestore},
		{"RenameVolume", s.testRenameVolume},
		{"RenameSnapshot", s.testRenameSnapshot},
		{"DeleteVolume", s.testDeleteVolume},
		{"ResizeAndUsage", s.testResizeAndUsage},
		{"MissingVolumeErrors", s.testMissingVolumeErrors},
		{"InvalidNames", s.testInvalidNames},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

type suite struct {
	newDriver func() storage.Driver
	newPool   func(t *testing.T) storage.Pool
}

// setup creates a fresh pool and deletes it when the test ends.
func (s *suite) setup(t *testing.T) (context.Context, storage.Driver, storage.Pool) {
	t.Helper()
	ctx := context.Background()
	d := s.newDriver()
	if info := d.Info(); !info.Operational {
		t.Fatalf("Driver %q is not operational on this host: %s", info.Name, info.Reason)
	}
	p := s.newPool(t)
	cfg, err := d.FillPoolConfig(ctx, p)
	if err != nil {
		t.Fatalf("FillPoolConfig: %v", err)
	}
	p.Config = cfg
	if err := d.CreatePool(ctx, p); err != nil {
		t.Fatalf("CreatePool: %v", err)
	}
	t.Cleanup(func() {
		if err := d.DeletePool(ctx, p); err != nil {
			t.Errorf("DeletePool: %v", err)
		}
	})
	return ctx, d, p
}

var volCounter atomic.Int64

// volume returns a custom filesystem volume of p with a unique name.
func volume(p storage.Pool, typ storage.VolumeType, ct storage.ContentType) storage.Volume {
	return storage.Volume{
		Pool:        p,
		Type:        typ,
		ContentType: ct,
		Name:        fmt.Sprintf("default_v%d", volCounter.Add(1)),
		Config:      map[string]string{},
	}
}

// fillWith returns a Filler writing files (relative path -> content).
func fillWith(files map[string]string) storage.Filler {
	return func(ctx context.Context, root string) error {
		for name, content := range files {
			path := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

// createFS creates a custom filesystem volume holding files.
func createFS(t *testing.T, ctx context.Context, d storage.Driver, p storage.Pool, files map[string]string) storage.Volume {
	t.Helper()
	v := volume(p, storage.VolumeTypeCustom, storage.ContentTypeFS)
	if err := d.CreateVolume(ctx, v, fillWith(files)); err != nil {
		t.Fatalf("CreateVolume %s: %v", v.Name, err)
	}
	return v
}

// mount mounts v and returns its path, failing the test on error.
func mount(t *testing.T, ctx context.Context, d storage.Driver, v storage.Volume) string {
	t.Helper()
	path, err := d.MountVolume(ctx, v)
	if err != nil {
		t.Fatalf("MountVolume %s: %v", v, err)
	}
	t.Cleanup(func() { _ = d.UnmountVolume(ctx, v) })
	return path
}

// wantFile checks the content of name in the mounted volume v.
func wantFile(t *testing.T, ctx context.Context, d storage.Driver, v storage.Volume, name, want string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(mount(t, ctx, d, v), name))
	if err != nil {
		t.Fatalf("%s: read %s: %v", v, name, err)
	}
	if string(got) != want {
		t.Fatalf("%s: %s = %q, want %q", v, name, got, want)
	}
}

// wantNoFile checks name does not exist in the mounted volume v.
func wantNoFile(t *testing.T, ctx context.Context, d storage.Driver, v storage.Volume, name string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(mount(t, ctx, d, v), name)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s: %s should not exist (err=%v)", v, name, err)
	}
}

// writeFile writes name in the mounted volume v.
func writeFile(t *testing.T, ctx context.Context, d storage.Driver, v storage.Volume, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(mount(t, ctx, d, v), name), []byte(content), 0o644); err != nil {
		t.Fatalf("%s: write %s: %v", v, name, err)
	}
}

// wantNotFound checks err is a 404 wrapping sentinel.
func wantNotFound(t *testing.T, what string, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) || api.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("%s: got %v (status %d), want 404 %v", what, err, api.StatusOf(err), sentinel)
	}
}

// wantExists checks err is a 409 wrapping ErrVolumeExists.
func wantExists(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrVolumeExists) || api.StatusOf(err) != http.StatusConflict {
		t.Fatalf("%s: got %v (status %d), want 409 ErrVolumeExists", what, err, api.StatusOf(err))
	}
}

func mustExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("%s should exist: %v", path, err)
	}
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s should not exist (err=%v)", path, err)
	}
}

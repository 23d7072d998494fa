package dir

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
)

func TestFillPoolConfig(t *testing.T) {
	varDir := "/var/lib/lxd"
	p := storage.Pool{Name: "d1", Path: filepath.Join(varDir, "storage-pools", "d1"), DisksDir: filepath.Join(varDir, "disks")}
	tests := []struct {
		name       string
		cfg        map[string]string
		wantSource string
		wantStatus int
	}{
		{"default source", map[string]string{}, "/var/lib/lxd/storage-pools/d1", http.StatusOK},
		{"external source", map[string]string{"source": "/srv/pool/"}, "/srv/pool", http.StatusOK},
		{"own path as source", map[string]string{"source": "/var/lib/lxd/storage-pools/d1"}, "/var/lib/lxd/storage-pools/d1", http.StatusOK},
		{"source inside LXD_DIR", map[string]string{"source": "/var/lib/lxd/containers"}, "", http.StatusBadRequest},
		{"relative source", map[string]string{"source": "srv"}, "", http.StatusBadRequest},
		{"rsync keys", map[string]string{"rsync.bwlimit": "1MiB", "rsync.compression": "false"}, "/var/lib/lxd/storage-pools/d1", http.StatusOK},
		{"rsync bwlimit as LXD validates it (a size)", map[string]string{"rsync.bwlimit": "1M"}, "", http.StatusBadRequest},
		{"size is not a dir pool key", map[string]string{"size": "1GiB"}, "", http.StatusBadRequest},
		{"volume default", map[string]string{"volume.size": "1GiB"}, "/var/lib/lxd/storage-pools/d1", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.Config = tc.cfg
			got, err := New().FillPoolConfig(context.Background(), p)
			if api.StatusOf(err) != tc.wantStatus {
				t.Fatalf("got %v, want status %d", err, tc.wantStatus)
			}
			if err == nil && got["source"] != tc.wantSource {
				t.Fatalf("source = %q, want %q", got["source"], tc.wantSource)
			}
		})
	}
}

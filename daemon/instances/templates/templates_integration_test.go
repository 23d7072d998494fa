//go:build integration

package templates

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/instances/rootfs"
)

// TestApplyOwnership: rendered files belong to root inside the container,
// which is host uid 0 unshifted and the map base when shifted.
func TestApplyOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test chowns to other users: run it as root (sudo go test -tags integration ./daemon/instances/templates/)")
	}
	tests := []struct {
		name string
		ids  rootfs.IDMap
		host uint32
	}{
		{"unshifted", rootfs.IDMap{}, 0},
		{"shifted", rootfs.IDMap{UIDBase: 1000000, GIDBase: 1000000, Count: 65536}, 1000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r, err := rootfs.Open(f.root, tt.ids)
			must(t, err)
			defer r.Close()
			m := meta(map[string]*imagefile.Template{"/etc/new/hostname": {When: []string{"create"}, Template: "hostname.tpl"}})
			must(t, Apply(context.Background(), r, m, f.templates, baseContext()))
			for _, p := range []string{"etc/new", "etc/new/hostname"} {
				st, err := os.Stat(filepath.Join(f.root, p))
				must(t, err)
				s := st.Sys().(*syscall.Stat_t)
				if s.Uid != tt.host || s.Gid != tt.host {
					t.Fatalf("%s owned by %d:%d, want %d", p, s.Uid, s.Gid, tt.host)
				}
			}
		})
	}
}

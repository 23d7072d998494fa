//go:build integration

package rootfs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("integration tests of rootfs ownership need root: run `sudo go test -tags integration ./daemon/instances/rootfs/`")
	}
}

func hostOwner(t *testing.T, p string) (uint32, uint32, os.FileMode) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	s := st.Sys().(*syscall.Stat_t)
	return s.Uid, s.Gid, st.Mode()
}

// TestOwnershipShifted writes as container ids through a shifted map and
// checks the on-disk ids and what Stat reports back.
func TestOwnershipShifted(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		ids        IDMap
		uid, gid   int64
		huid, hgid uint32
	}{
		{"unshifted", IDMap{}, 1000, 1001, 1000, 1001},
		{"shifted", IDMap{UIDBase: 1000000, GIDBase: 2000000, Count: 65536}, 1000, 1001, 1001000, 2001001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t)
			r, err := Open(h.root, tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := r.WriteFile(ctx, "/root/f", strings.NewReader("x"), WriteOpts{UID: tt.uid, GID: tt.gid, Mode: 0o4755}); err != nil {
				t.Fatal(err)
			}
			if err := r.Mkdir(ctx, "/root/d", tt.uid, tt.gid, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := r.Symlink(ctx, "/etc/shadow", "/root/l", tt.uid, tt.gid); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"f", "d", "l"} {
				u, g, _ := hostOwner(t, filepath.Join(h.root, "root", name))
				if u != tt.huid || g != tt.hgid {
					t.Fatalf("%s on disk %d:%d, want %d:%d", name, u, g, tt.huid, tt.hgid)
				}
				info, err := r.Stat(ctx, "/root/"+name)
				if err != nil || info.UID != tt.uid || info.GID != tt.gid {
					t.Fatalf("Stat(%s) = %+v, %v", name, info, err)
				}
			}
			if _, _, mode := hostOwner(t, filepath.Join(h.root, "root", "f")); mode&os.ModeSetuid == 0 {
				t.Fatalf("setuid bit lost after chown: %v", mode)
			}
			// Overwrite keeping the owner: still the container ids.
			if err := r.WriteFile(ctx, "/root/f", strings.NewReader("y"), WriteOpts{KeepOwnerIfExists: true}); err != nil {
				t.Fatal(err)
			}
			if u, _, _ := hostOwner(t, filepath.Join(h.root, "root", "f")); u != tt.huid {
				t.Fatalf("owner changed on keep-owner overwrite: %d", u)
			}
		})
	}
}

// TestDeviceNodeNeverOpened puts a char device (the host's /dev/null
// numbers, harmless) in the container root: Open and WriteFile refuse it.
func TestDeviceNodeNeverOpened(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	h := newHostile(t)
	dev := filepath.Join(h.root, "tmp", "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, int(1<<8|3)); err != nil {
		t.Fatal(err)
	}
	r, err := Open(h.root, IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Open(ctx, "/tmp/null"); err == nil {
		t.Fatal("opened a device node")
	}
	if err := r.WriteFile(ctx, "/tmp/null", strings.NewReader("x"), WriteOpts{}); err == nil {
		t.Fatal("wrote to a device node")
	}
	if info, err := r.Stat(ctx, "/tmp/null"); err != nil || info.Type != TypeOther {
		t.Fatalf("Stat(device) = %+v, %v", info, err)
	}
}

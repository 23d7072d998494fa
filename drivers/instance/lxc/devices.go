package lxc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/idmap"
)

// nodePath is where the host copy of a device node of device dev lives.
func nodePath(devicesDir, dev, target string) string {
	return filepath.Join(devicesDir, "unix."+dev+"."+strings.ReplaceAll(strings.Trim(target, "/"), "/", "-"))
}

// makeNode creates (or recreates) the host copy of a device node, owned by
// the host ids its container owner maps to, and returns its path. It is
// bind-mounted into the container: an unprivileged container may not mknod.
func makeNode(devicesDir, dev string, n instance.UnixNode, set idmap.Set) (string, error) {
	if !filepath.IsAbs(n.Path) {
		return "", fmt.Errorf("Invalid device path %q", n.Path)
	}
	var kind uint32
	switch n.Type {
	case 'c':
		kind = unix.S_IFCHR
	case 'b':
		kind = unix.S_IFBLK
	default:
		return "", fmt.Errorf("Invalid device type %q for %s", n.Type, n.Path)
	}
	if err := os.MkdirAll(devicesDir, 0o711); err != nil {
		return "", err
	}
	p := nodePath(devicesDir, dev, n.Path)
	_ = os.Remove(p)
	mode := uint32(n.Mode.Perm())
	if mode == 0 {
		mode = 0o660
	}
	if err := unix.Mknod(p, kind|mode, int(unix.Mkdev(n.Major, n.Minor))); err != nil {
		return "", fmt.Errorf("Failed to create device node %s: %w", p, err)
	}
	uid, gid := int64(n.UID), int64(n.GID)
	if len(set) > 0 {
		uid, gid = set.ToHost(uid, gid)
		if uid < 0 || gid < 0 {
			return "", fmt.Errorf("Device owner %d:%d is not mapped in the instance", n.UID, n.GID)
		}
	}
	if err := os.Chown(p, int(uid), int(gid)); err != nil {
		return "", err
	}
	// Mknod applies the umask; set the exact mode.
	if err := unix.Chmod(p, mode); err != nil {
		return "", err
	}
	return p, nil
}

// removeNodes deletes the host copies of the nodes of device dev.
func removeNodes(devicesDir, dev string) error {
	matches, err := filepath.Glob(filepath.Join(devicesDir, "unix."+dev+".*"))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

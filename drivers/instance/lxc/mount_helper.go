package lxc

/*
#cgo pkg-config: lxc
#include <stdlib.h>
#include <lxc/lxccontainer.h>

// lxcdrv_inject runs liblxc's mount injection (mount or umount inside the
// running container) on a fresh handle loaded with config.
static int lxcdrv_inject(const char *name, const char *lxcpath, const char *config,
			 int do_mount, const char *src, const char *tgt,
			 const char *fstype, unsigned long flags, const char *data)
{
	struct lxc_mount mnt = {.version = LXC_MOUNT_API_V1};
	struct lxc_container *c;
	int ret;

	c = lxc_container_new(name, lxcpath);
	if (!c)
		return -1000;
	if (!c->load_config(c, config)) {
		lxc_container_put(c);
		return -1001;
	}
	if (do_mount)
		ret = c->mount(c, src, tgt, fstype, flags, data, &mnt);
	else
		ret = c->umount(c, tgt, flags, &mnt);
	lxc_container_put(c);
	return ret;
}
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mountSpec is what the daemon passes to forkmount.
type mountSpec struct {
	Name, LxcPath, Config string
	// InitPid is the container's init, whose user namespace idmaps Shift
	// mounts.
	InitPid int
	Source  string
	Target  string
	FSType  string // "" for a bind mount
	Options string // data for a filesystem mount
	// Staging is a host path (absent) where a bind source is prepared.
	Staging     string
	ReadOnly    bool
	Recursive   bool
	Shift       bool
	Propagation string
}

func cInject(s mountSpec, doMount bool, src, fstype string, flags uintptr, data string) error {
	cs := func(v string) *C.char { return C.CString(v) }
	args := []*C.char{cs(s.Name), cs(s.LxcPath), cs(s.Config), cs(src), cs(s.Target), cs(fstype), cs(data)}
	defer func() {
		for _, a := range args {
			C.free(unsafe.Pointer(a))
		}
	}()
	do := C.int(0)
	if doMount {
		do = 1
	}
	var dataArg *C.char
	if data != "" {
		dataArg = args[6]
	}
	ret := C.lxcdrv_inject(args[0], args[1], args[2], do, args[3], args[4], args[5], C.ulong(flags), dataArg)
	switch {
	case ret == -1000:
		return fmt.Errorf("Failed to load container %q", s.Name)
	case ret == -1001:
		return fmt.Errorf("Failed to load %s", s.Config)
	case ret < 0:
		return fmt.Errorf("liblxc mount injection failed: %w", unix.Errno(-ret))
	}
	return nil
}

func runForkMount(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: %s <json>", helperMount)
	}
	var s mountSpec
	if err := json.Unmarshal([]byte(args[0]), &s); err != nil {
		return err
	}
	if s.FSType != "" {
		return cInject(s, true, s.Source, s.FSType, 0, s.Options)
	}
	if err := stageBind(s); err != nil {
		return err
	}
	defer func() {
		_ = unix.Unmount(s.Staging, unix.MNT_DETACH)
		_ = os.Remove(s.Staging)
	}()
	flags := uintptr(unix.MS_BIND)
	if s.Recursive {
		flags |= unix.MS_REC
	}
	return cInject(s, true, s.Staging, "none", flags, "")
}

// stageBind clones the source tree as a detached mount, applies read-only,
// idmap and propagation to it with the new mount API (a plain bind cannot
// be made read-only or idmapped in one step), and attaches it at Staging.
// The injected bind of Staging keeps those attributes.
func stageBind(s mountSpec) error {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	if s.Recursive {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, s.Source, uint(flags))
	if err != nil {
		return fmt.Errorf("Failed to clone %s: %w", s.Source, err)
	}
	defer unix.Close(fd)
	attr := unix.MountAttr{Propagation: propagationFlag(s.Propagation)}
	if s.ReadOnly {
		attr.Attr_set |= unix.MOUNT_ATTR_RDONLY
	}
	if s.Shift {
		userns, err := os.Open("/proc/" + strconv.Itoa(s.InitPid) + "/ns/user")
		if err != nil {
			return fmt.Errorf("Failed to open the instance's user namespace: %w", err)
		}
		defer userns.Close()
		attr.Attr_set |= unix.MOUNT_ATTR_IDMAP
		attr.Userns_fd = uint64(userns.Fd())
	}
	setFlags := 0
	if s.Recursive {
		setFlags = unix.AT_RECURSIVE
	}
	if attr.Attr_set != 0 || attr.Propagation != 0 {
		if err := unix.MountSetattr(fd, "", uint(unix.AT_EMPTY_PATH|setFlags), &attr); err != nil {
			return fmt.Errorf("Failed to set mount attributes on %s: %w", s.Source, err)
		}
	}
	if err := makeTarget(s.Staging, s.Source); err != nil {
		return err
	}
	if err := unix.MoveMount(fd, "", unix.AT_FDCWD, s.Staging, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		_ = os.Remove(s.Staging)
		return fmt.Errorf("Failed to attach %s at %s: %w", s.Source, s.Staging, err)
	}
	return nil
}

// makeTarget creates an empty file or directory at path, like source.
func makeTarget(path, source string) error {
	st, err := os.Stat(source)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o711); err != nil {
		return err
	}
	if st.IsDir() {
		return os.Mkdir(path, 0o700)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

func propagationFlag(p string) uint64 {
	switch p {
	case "private", "rprivate":
		return unix.MS_PRIVATE
	case "shared", "rshared":
		return unix.MS_SHARED
	case "slave", "rslave":
		return unix.MS_SLAVE
	case "unbindable", "runbindable":
		return unix.MS_UNBINDABLE
	}
	return 0
}

func runForkUmount(args []string) error {
	if len(args) != 4 {
		return fmt.Errorf("usage: %s <name> <lxcpath> <config> <target>", helperUmount)
	}
	s := mountSpec{Name: args[0], LxcPath: args[1], Config: args[2], Target: args[3]}
	return cInject(s, false, "", "", unix.MNT_DETACH, "")
}

package lxc

/*
#cgo pkg-config: lxc
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <lxc/lxccontainer.h>
#include <lxc/attach_options.h>

#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

// What the attached function does inside the container.
struct lxcdrv_inject {
	int fd;              // detached mount to attach (mount only)
	const char *target;  // absolute path inside the container
	int is_dir;          // create the target as a directory (else a file)
	int umount;          // unmount target instead (2: and remove it when
	                     // it is an empty directory or file, as LXD does)
};

// lxcdrv_mkdir_parents creates the parent directories of path.
static int lxcdrv_mkdir_parents(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	return 0;
}

// lxcdrv_attached runs in the attached child, in every namespace of the
// container and as its root: it creates the mount point and attaches the
// detached mount there (or unmounts). Its return value is the child's exit
// status: 0 or an errno.
static int lxcdrv_attached(void *payload)
{
	struct lxcdrv_inject *a = payload;
	int ret;

	if (a->umount) {
		struct stat st;

		if (umount2(a->target, MNT_DETACH) < 0)
			return errno;
		if (a->umount == 2 && lstat(a->target, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rmdir(a->target); // fails, harmlessly, unless empty
			else if (S_ISREG(st.st_mode) && st.st_size == 0)
				unlink(a->target);
		}
		return 0;
	}
	ret = lxcdrv_mkdir_parents(a->target);
	if (ret)
		return ret;
	if (a->is_dir) {
		if (mkdir(a->target, 0755) < 0 && errno != EEXIST)
			return errno;
	} else {
		int fd = open(a->target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return errno;
		close(fd);
	}
	if (syscall(SYS_move_mount, a->fd, "", AT_FDCWD, a->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return errno;
	return 0;
}

// lxcdrv_inject attaches to the container (liblxc forks a child that joins
// its namespaces) and runs lxcdrv_attached there. Returns 0, an errno, or
// -1000/-1001/-1002 for load, attach and wait failures.
static int lxcdrv_inject(const char *name, const char *lxcpath, const char *config,
			 int fd, const char *target, int is_dir, int umount)
{
	struct lxcdrv_inject args = {.fd = fd, .target = target, .is_dir = is_dir, .umount = umount};
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct lxc_container *c;
	pid_t pid;
	int status;

	c = lxc_container_new(name, lxcpath);
	if (!c)
		return -1000;
	if (!c->load_config(c, config)) {
		lxc_container_put(c);
		return -1000;
	}
	if (c->attach(c, lxcdrv_attached, &args, &opts, &pid) < 0) {
		lxc_container_put(c);
		return -1001;
	}
	lxc_container_put(c);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1002;
	if (!WIFEXITED(status))
		return -1002;
	return WEXITSTATUS(status);
}
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mountSpec is what the daemon passes to forkmount.
type mountSpec struct {
	Name, LxcPath, Config string
	// InitPid is the container's init, whose user namespace idmaps Shift
	// mounts.
	InitPid     int
	Source      string
	Target      string
	ReadOnly    bool
	Recursive   bool
	Shift       bool
	Propagation string
}

// inject runs lxcdrv_inject; fd is -1 for an unmount (umount 1, or 2 to
// also remove the emptied mount point).
func cInject(s mountSpec, fd int, isDir bool, umount int) error {
	name, lxcpath, config, target := C.CString(s.Name), C.CString(s.LxcPath), C.CString(s.Config), C.CString(s.Target)
	defer func() {
		for _, p := range []*C.char{name, lxcpath, config, target} {
			C.free(unsafe.Pointer(p))
		}
	}()
	b := func(v bool) C.int {
		if v {
			return 1
		}
		return 0
	}
	ret := C.lxcdrv_inject(name, lxcpath, config, C.int(fd), target, b(isDir), C.int(umount))
	switch {
	case ret == 0:
		return nil
	case ret == -1000:
		return fmt.Errorf("Failed to load container %q with %s", s.Name, s.Config)
	case ret == -1001:
		return fmt.Errorf("Failed to attach to container %q", s.Name)
	case ret < 0:
		return fmt.Errorf("Failed to wait for the attached process")
	}
	return unix.Errno(ret)
}

// runForkMount binds Source at Target inside the running container: the
// source tree is cloned as a detached mount here, in the host's mount
// namespace, where read-only, idmap (Shift) and propagation are applied
// with the new mount API; a process attached to the container then creates
// the mount point and attaches the tree with move_mount(2).
func runForkMount(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: %s <json>", helperMount)
	}
	var s mountSpec
	if err := json.Unmarshal([]byte(args[0]), &s); err != nil {
		return err
	}
	st, err := os.Stat(s.Source)
	if err != nil {
		return err
	}
	fd, err := detachedMount(s)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return cInject(s, fd, st.IsDir(), 0)
}

// detachedMount clones the source as a detached mount with the requested
// attributes.
func detachedMount(s mountSpec) (int, error) {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	setFlags := unix.AT_EMPTY_PATH
	if s.Recursive {
		flags |= unix.AT_RECURSIVE
		setFlags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, s.Source, uint(flags))
	if err != nil {
		return -1, fmt.Errorf("Failed to clone %s: %w", s.Source, err)
	}
	attr := unix.MountAttr{Propagation: propagationFlag(s.Propagation)}
	if s.ReadOnly {
		attr.Attr_set |= unix.MOUNT_ATTR_RDONLY
	}
	if s.Shift {
		userns, err := os.Open("/proc/" + strconv.Itoa(s.InitPid) + "/ns/user")
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("Failed to open the instance's user namespace: %w", err)
		}
		defer userns.Close()
		attr.Attr_set |= unix.MOUNT_ATTR_IDMAP
		attr.Userns_fd = uint64(userns.Fd())
	}
	if attr.Attr_set != 0 || attr.Propagation != 0 {
		if err := unix.MountSetattr(fd, "", uint(setFlags), &attr); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("Failed to set mount attributes on %s: %w", s.Source, err)
		}
	}
	return fd, nil
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
	if len(args) != 4 && (len(args) != 5 || args[4] != "remove") {
		return fmt.Errorf("usage: %s <name> <lxcpath> <config> <target> [remove]", helperUmount)
	}
	s := mountSpec{Name: args[0], LxcPath: args[1], Config: args[2], Target: args[3]}
	mode := 1
	if len(args) == 5 {
		mode = 2
	}
	return cInject(s, -1, false, mode)
}

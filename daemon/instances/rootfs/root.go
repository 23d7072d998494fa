package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// inRoot is the resolution mode of every lookup: symlinks (absolute or with
// "..") are resolved as if the root were "/", and /proc magic links, which
// could jump anywhere, are refused.
const inRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// overflowID is reported for an on-disk owner outside the container's map,
// as the kernel does for unmapped ids.
const overflowID = 65534

// IDMap says how container ids map to ids on disk. The zero value is the
// identity (unshifted rootfs used through idmapped mounts).
type IDMap struct {
	UIDBase int64 // on-disk uid of container uid 0
	GIDBase int64 // on-disk gid of container gid 0
	Count   int64 // number of ids mapped; 0 means identity
}

func (m IDMap) toHost(uid, gid int64) (int, int, error) {
	if uid < 0 || gid < 0 {
		return 0, 0, api.BadRequest("Invalid owner %d:%d", uid, gid)
	}
	if m.Count == 0 {
		return int(uid), int(gid), nil
	}
	if uid >= m.Count || gid >= m.Count {
		return 0, 0, api.BadRequest("Owner %d:%d is outside the instance's id map", uid, gid)
	}
	return int(m.UIDBase + uid), int(m.GIDBase + gid), nil
}

func (m IDMap) fromHost(uid, gid uint32) (int64, int64) {
	if m.Count == 0 {
		return int64(uid), int64(gid)
	}
	back := func(id uint32, base int64) int64 {
		if int64(id) < base || int64(id) >= base+m.Count {
			return overflowID
		}
		return int64(id) - base
	}
	return back(uid, m.UIDBase), back(gid, m.GIDBase)
}

// FileType is the X-LXD-type of a path.
type FileType string

// File types. Other covers device nodes, FIFOs and sockets, which the file
// API never reads or writes.
const (
	TypeFile      FileType = "file"
	TypeDirectory FileType = "directory"
	TypeSymlink   FileType = "symlink"
	TypeOther     FileType = "other"
)

// Info describes one path, with owners as seen inside the container.
type Info struct {
	UID     int64
	GID     int64
	Mode    uint32 // permission bits including setuid, setgid and sticky (07777)
	Type    FileType
	ModTime time.Time
	Size    int64
}

// Root is an open instance root filesystem. Its methods are safe for
// concurrent use. Close releases the directory descriptor.
type Root struct {
	dir string
	fd  int
	ids IDMap
}

// Open opens dir (a host path the daemon controls, e.g. the mounted
// volume's rootfs directory) as a Root.
func Open(dir string, ids IDMap) (*Root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("Failed to open instance root %q: %w", dir, err)
	}
	return &Root{dir: dir, fd: fd, ids: ids}, nil
}

// Dir is the host path the Root was opened from.
func (r *Root) Dir() string { return r.dir }

// Close releases the root descriptor.
func (r *Root) Close() error {
	if r.fd < 0 {
		return nil
	}
	err := unix.Close(r.fd)
	r.fd = -1
	return err
}

// cleanPath turns an API path (absolute or relative, both from "/") into a
// clean absolute path inside the container.
func cleanPath(p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", api.BadRequest("Invalid path %q", p)
	}
	return path.Clean("/" + p), nil
}

// rel is the form openat2 takes relative to the root descriptor.
func rel(clean string) string {
	if clean == "/" {
		return "."
	}
	return clean[1:]
}

// open resolves p inside the root with openat2. EAGAIN, which the kernel
// returns when a concurrent rename could have raced a ".." step, is retried.
func (r *Root) open(p string, flags int, mode uint32) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: inRoot}
	if flags&unix.O_CREAT != 0 {
		how.Mode = uint64(mode)
	}
	for i := 0; ; i++ {
		fd, err := unix.Openat2(r.fd, p, &how)
		if err == unix.EAGAIN && i < 16 {
			continue
		}
		if err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

// parent opens the directory holding clean's last component and returns it
// with that component. The root itself has no parent.
func (r *Root) parent(clean string) (int, string, error) {
	if clean == "/" {
		return -1, "", api.BadRequest("Invalid path %q", clean)
	}
	dir, base := path.Split(clean)
	fd, err := r.open(rel(path.Clean(dir)), unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return -1, "", pathError(clean, err)
	}
	return fd, base, nil
}

// pathError maps a syscall error to the API's wording and status.
func pathError(p string, err error) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch errno {
	case unix.ENOENT, unix.ENOTDIR:
		return api.NotFound("Not Found")
	case unix.ELOOP:
		return api.BadRequest("Too many levels of symbolic links in %q", p)
	case unix.EACCES, unix.EPERM:
		return api.Forbidden("Permission denied on %q", p)
	case unix.EEXIST:
		return api.Conflict("Path %q already exists", p)
	case unix.ENOTEMPTY:
		return fmt.Errorf("remove %s: directory not empty", p)
	case unix.EISDIR:
		return api.BadRequest("Path %q is a directory", p)
	}
	return fmt.Errorf("%s: %w", p, err)
}

func (r *Root) info(st *unix.Stat_t) Info {
	uid, gid := r.ids.fromHost(st.Uid, st.Gid)
	return Info{
		UID:     uid,
		GID:     gid,
		Mode:    st.Mode & 0o7777,
		Type:    fileType(st.Mode),
		ModTime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec).UTC(),
		Size:    st.Size,
	}
}

func fileType(mode uint32) FileType {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return TypeFile
	case unix.S_IFDIR:
		return TypeDirectory
	case unix.S_IFLNK:
		return TypeSymlink
	}
	return TypeOther
}

// reopen turns an O_PATH descriptor into a real one through its /proc
// magic link: this opens exactly the inode already checked, never a path
// that could have been swapped since.
func reopen(pathFD int, flags int) (int, error) {
	for {
		fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(pathFD), flags|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		if err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

func closeFD(fd int) {
	if fd >= 0 {
		_ = unix.Close(fd)
	}
}

// ensureRegular refuses anything but a regular file: opening a container's
// device node or FIFO from the host would act on the host device or block.
func ensureRegular(p string, fd int) (*unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("Failed to stat %q: %w", p, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, api.BadRequest("Path %q is not a regular file", p)
	}
	return &st, nil
}

// newFile wraps fd, naming it with the in-container path.
func newFile(fd int, clean string) *os.File {
	return os.NewFile(uintptr(fd), clean)
}

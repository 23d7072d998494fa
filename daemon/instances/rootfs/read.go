package rootfs

import (
	"context"
	"os"
	"path"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// Stat describes p without following a symlink in its last component (like
// lstat), so a GET of a symlink reports type symlink. Earlier components
// follow links inside the root.
func (r *Root) Stat(ctx context.Context, p string) (Info, error) {
	clean, err := cleanPath(p)
	if err != nil {
		return Info{}, err
	}
	fd, err := r.open(rel(clean), unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return Info{}, pathError(clean, err)
	}
	defer closeFD(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return Info{}, pathError(clean, err)
	}
	return r.info(&st), nil
}

// Open opens the regular file at p for reading, following symlinks inside
// the root. Anything else (directory, device node, FIFO) is a 400, and such
// a node is never opened for I/O.
func (r *Root) Open(ctx context.Context, p string) (*os.File, error) {
	clean, err := cleanPath(p)
	if err != nil {
		return nil, err
	}
	pathFD, err := r.open(rel(clean), unix.O_PATH, 0)
	if err != nil {
		return nil, pathError(clean, err)
	}
	defer closeFD(pathFD)
	if _, err := ensureRegular(clean, pathFD); err != nil {
		return nil, err
	}
	fd, err := reopen(pathFD, unix.O_RDONLY)
	if err != nil {
		return nil, pathError(clean, err)
	}
	return newFile(fd, clean), nil
}

// ReadDir lists the names in directory p (without "." and ".."), in
// directory order as LXD returns them.
func (r *Root) ReadDir(ctx context.Context, p string) ([]string, error) {
	clean, err := cleanPath(p)
	if err != nil {
		return nil, err
	}
	// O_DIRECTORY makes the open fail on anything that is not a directory
	// before any device could be opened.
	fd, err := r.open(rel(clean), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, pathError(clean, err)
	}
	f := newFile(fd, clean)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, pathError(clean, err)
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// ReadLink returns the target of the symlink p as an absolute path inside
// the container: a relative target is joined to the link's directory, so
// "/sbin/init -> ../bin/busybox" gives "/bin/busybox", as LXD answers.
func (r *Root) ReadLink(ctx context.Context, p string) (string, error) {
	clean, err := cleanPath(p)
	if err != nil {
		return "", err
	}
	target, err := r.readLinkRaw(clean)
	if err != nil {
		return "", err
	}
	if path.IsAbs(target) {
		return path.Clean(target), nil
	}
	return path.Join(path.Dir(clean), target), nil
}

// readLinkRaw returns the link text of clean's last component unchanged.
func (r *Root) readLinkRaw(clean string) (string, error) {
	dirFD, base, err := r.parent(clean)
	if err != nil {
		return "", err
	}
	defer closeFD(dirFD)
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dirFD, base, buf)
	if err == unix.EINVAL {
		return "", api.BadRequest("Path %q is not a symlink", clean)
	}
	if err != nil {
		return "", pathError(clean, err)
	}
	return string(buf[:n]), nil
}

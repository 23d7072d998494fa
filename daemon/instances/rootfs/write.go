package rootfs

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// maxLinkHops bounds how many dangling symlinks WriteFile follows to create
// a file, like the kernel's own limit of 40.
const maxLinkHops = 40

// Default modes for new entries when the caller gives none.
const (
	DefaultFileMode = 0o644
	DefaultDirMode  = 0o755
)

// WriteOpts says how WriteFile creates or updates a file.
type WriteOpts struct {
	UID, GID int64  // owner inside the container
	Mode     uint32 // permission bits (07777); 0 means DefaultFileMode
	Append   bool   // append instead of truncating an existing file
	// KeepOwnerIfExists leaves an existing file's owner and mode alone
	// (an API write without X-LXD-uid/gid/mode headers).
	KeepOwnerIfExists bool
	// Exclusive fails with a 409 when p already exists (even as a dangling
	// symlink): templates with create_only use it.
	Exclusive bool
}

// WriteFile writes content to the regular file p, creating it if needed.
// Symlinks are followed inside the root (a dangling one creates its target
// there); an existing non-regular node is a 400 and is never opened. A
// missing parent directory is a 404 "Not Found".
func (r *Root) WriteFile(ctx context.Context, p string, content io.Reader, o WriteOpts) error {
	clean, err := cleanPath(p)
	if err != nil {
		return err
	}
	if clean == "/" {
		return api.BadRequest("Path %q is a directory", clean)
	}
	uid, gid, err := r.ids.toHost(o.UID, o.GID)
	if err != nil {
		return err
	}
	fd, created, err := r.openForWrite(clean, o, 0)
	if err != nil {
		return err
	}
	f := newFile(fd, clean)
	defer f.Close()
	if created || !o.KeepOwnerIfExists {
		if err := setOwnerMode(fd, uid, gid, o.Mode, DefaultFileMode); err != nil {
			return fmt.Errorf("Failed to set owner and mode of %q: %w", clean, err)
		}
	}
	if _, err := io.Copy(f, ctxReader{ctx: ctx, r: content}); err != nil {
		return fmt.Errorf("Failed to write %q: %w", clean, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("Failed to write %q: %w", clean, err)
	}
	return nil
}

// openForWrite opens clean for writing and says whether it created it.
func (r *Root) openForWrite(clean string, o WriteOpts, hops int) (int, bool, error) {
	if hops > maxLinkHops {
		return -1, false, api.BadRequest("Too many levels of symbolic links in %q", clean)
	}
	if !o.Exclusive {
		fd, err := r.openExisting(clean, o.Append)
		if err == nil || err != unix.ENOENT {
			if err != nil {
				return -1, false, wrapOpenErr(clean, err)
			}
			return fd, false, nil
		}
	}
	// O_EXCL never follows a trailing symlink and never opens an existing
	// node, so a device or FIFO placed here meanwhile is never opened.
	fd, err := r.open(rel(clean), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, 0o600)
	if err == nil {
		return fd, true, nil
	}
	if err != unix.EEXIST {
		return -1, false, pathError(clean, err)
	}
	if o.Exclusive {
		return -1, false, api.Conflict("Path %q already exists", clean)
	}
	// Either a dangling symlink or a file that appeared since the probe.
	next := clean
	if target, lerr := r.readLinkRaw(clean); lerr == nil {
		if path.IsAbs(target) {
			next = path.Clean(target)
		} else {
			next = path.Join(path.Dir(clean), target)
		}
	}
	return r.openForWrite(next, o, hops+1)
}

// openExisting opens an existing regular file for writing (truncating it
// unless appending). It returns unix.ENOENT untouched when nothing is there.
func (r *Root) openExisting(clean string, appendTo bool) (int, error) {
	pathFD, err := r.open(rel(clean), unix.O_PATH, 0)
	if err != nil {
		return -1, err
	}
	defer closeFD(pathFD)
	if _, err := ensureRegular(clean, pathFD); err != nil {
		return -1, err
	}
	flags := unix.O_WRONLY | unix.O_TRUNC
	if appendTo {
		flags = unix.O_WRONLY | unix.O_APPEND
	}
	return reopen(pathFD, flags)
}

func wrapOpenErr(clean string, err error) error {
	if _, ok := err.(unix.Errno); ok {
		return pathError(clean, err)
	}
	return err
}

// setOwnerMode applies owner then mode: chown clears setuid/setgid bits,
// so the mode must come last.
func setOwnerMode(fd, uid, gid int, mode, def uint32) error {
	if mode == 0 {
		mode = def
	}
	if err := unix.Fchown(fd, uid, gid); err != nil {
		return err
	}
	return unix.Fchmod(fd, mode&0o7777)
}

// Mkdir creates directory p with the given owner and mode (0 means
// DefaultDirMode). An existing directory gets that owner and mode; any
// other existing node is a 409.
func (r *Root) Mkdir(ctx context.Context, p string, uid, gid int64, mode uint32) error {
	clean, err := cleanPath(p)
	if err != nil {
		return err
	}
	huid, hgid, err := r.ids.toHost(uid, gid)
	if err != nil {
		return err
	}
	dirFD, base, err := r.parent(clean)
	if err != nil {
		return err
	}
	defer closeFD(dirFD)
	if err := unix.Mkdirat(dirFD, base, 0o700); err != nil && err != unix.EEXIST {
		return pathError(clean, err)
	}
	// O_NOFOLLOW: if a symlink sits here, fail instead of chmod-ing its target.
	fd, err := unix.Openat(dirFD, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == unix.ENOTDIR || err == unix.ELOOP {
		return api.Conflict("Path %q already exists and is not a directory", clean)
	}
	if err != nil {
		return pathError(clean, err)
	}
	defer closeFD(fd)
	if err := setOwnerMode(fd, huid, hgid, mode, DefaultDirMode); err != nil {
		return fmt.Errorf("Failed to set owner and mode of %q: %w", clean, err)
	}
	return nil
}

// MkdirAll creates p and any missing parents; only the directories it
// creates get the owner and mode. Existing components (followed inside the
// root if they are symlinks) must be directories.
func (r *Root) MkdirAll(ctx context.Context, p string, uid, gid int64, mode uint32) error {
	clean, err := cleanPath(p)
	if err != nil {
		return err
	}
	cur := "/"
	for _, part := range strings.Split(strings.TrimPrefix(clean, "/"), "/") {
		if part == "" {
			continue
		}
		cur = path.Join(cur, part)
		fd, err := r.open(rel(cur), unix.O_PATH|unix.O_DIRECTORY, 0)
		if err == nil {
			closeFD(fd)
			continue
		}
		if err != unix.ENOENT {
			return pathError(cur, err)
		}
		if err := r.Mkdir(ctx, cur, uid, gid, mode); err != nil {
			return err
		}
	}
	return nil
}

// Symlink creates symlink p pointing to target (stored as given; it is
// only ever resolved inside the root). An existing symlink at p is
// replaced; any other existing node is a 409.
func (r *Root) Symlink(ctx context.Context, target, p string, uid, gid int64) error {
	if target == "" || strings.IndexByte(target, 0) >= 0 {
		return api.BadRequest("Invalid symlink target %q", target)
	}
	clean, err := cleanPath(p)
	if err != nil {
		return err
	}
	huid, hgid, err := r.ids.toHost(uid, gid)
	if err != nil {
		return err
	}
	dirFD, base, err := r.parent(clean)
	if err != nil {
		return err
	}
	defer closeFD(dirFD)
	err = unix.Symlinkat(target, dirFD, base)
	if err == unix.EEXIST {
		var st unix.Stat_t
		if serr := unix.Fstatat(dirFD, base, &st, unix.AT_SYMLINK_NOFOLLOW); serr == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			if uerr := unix.Unlinkat(dirFD, base, 0); uerr != nil {
				return pathError(clean, uerr)
			}
			err = unix.Symlinkat(target, dirFD, base)
		}
	}
	if err != nil {
		return pathError(clean, err)
	}
	if err := unix.Fchownat(dirFD, base, huid, hgid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("Failed to set owner of %q: %w", clean, err)
	}
	return nil
}

// Remove deletes the file, symlink (not its target) or empty directory p.
// A non-empty directory is an error (500, as LXD answers).
func (r *Root) Remove(ctx context.Context, p string) error {
	clean, err := cleanPath(p)
	if err != nil {
		return err
	}
	dirFD, base, err := r.parent(clean)
	if err != nil {
		return err
	}
	defer closeFD(dirFD)
	err = unix.Unlinkat(dirFD, base, 0)
	if err == unix.EISDIR {
		err = unix.Unlinkat(dirFD, base, unix.AT_REMOVEDIR)
	}
	if err != nil {
		return pathError(clean, err)
	}
	return nil
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

package imagefile

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// beneath is the resolution mode used during extraction: stay under
// target, and treat any symlink on the way as an attack (tar never
// produces entries below a symlink).
const beneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

const xattrPrefix = "SCHILY.xattr."

// extractor writes tar entries under one target directory descriptor.
type extractor struct {
	ctx        context.Context
	o          UnpackOpts
	rootFD     int
	privileged bool
	written    int64
	entries    int64
	dirs       []dirMeta
}

func newExtractor(ctx context.Context, target string, o UnpackOpts) (*extractor, error) {
	fd, err := unix.Open(target, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("Failed to open unpack target %q: %w", target, err)
	}
	return &extractor{ctx: ctx, o: o, rootFD: fd, privileged: os.Geteuid() == 0}, nil
}

func (ex *extractor) close() { _ = unix.Close(ex.rootFD) }

func procFD(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// openBeneath opens rel under target without following any symlink.
func (ex *extractor) openBeneath(rel string, flags int) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: beneath}
	for i := 0; ; i++ {
		fd, err := unix.Openat2(ex.rootFD, rel, &how)
		if (err == unix.EAGAIN && i < 16) || err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

// fsError maps what a hostile entry can provoke to a 400.
func (ex *extractor) fsError(name string, err error) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		switch errno {
		case unix.ELOOP:
			return api.BadRequest("Tar entry %q goes through a symlink", name)
		case unix.ENOTDIR:
			return api.BadRequest("Tar entry %q is below something that is not a directory", name)
		case unix.EXDEV:
			return api.BadRequest("Tar entry %q escapes the target directory", name)
		case unix.ENAMETOOLONG:
			return api.BadRequest("Tar entry %q has a name that is too long", name)
		case unix.ENOTEMPTY:
			return api.BadRequest("Tar entry %q replaces a non-empty directory", name)
		}
	}
	return fmt.Errorf("Failed to extract %q: %w", name, err)
}

// parent opens the directory that holds name, creating missing
// directories, and returns it with name's last component. The caller
// closes the descriptor.
func (ex *extractor) parent(name string) (int, string, error) {
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	fd, err := ex.openBeneath(dir, unix.O_PATH|unix.O_DIRECTORY)
	if err == unix.ENOENT {
		fd, err = ex.mkdirAll(dir)
	}
	if err != nil {
		return -1, "", ex.fsError(name, err)
	}
	return fd, base, nil
}

// mkdirAll creates the missing directories of dir one component at a
// time, never following a symlink (O_NOFOLLOW on every step).
func (ex *extractor) mkdirAll(dir string) (int, error) {
	cur, err := unix.Dup(ex.rootFD)
	if err != nil {
		return -1, err
	}
	for _, comp := range strings.Split(dir, "/") {
		flags := unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		next, err := unix.Openat(cur, comp, flags, 0)
		if err == unix.ENOENT {
			if err = unix.Mkdirat(cur, comp, 0o755); err == nil || err == unix.EEXIST {
				next, err = unix.Openat(cur, comp, flags, 0)
			}
		}
		_ = unix.Close(cur)
		if err != nil {
			return -1, err
		}
		cur = next
	}
	return cur, nil
}

// removeExisting clears the way for an entry that replaces an earlier one
// of the same name, as tar does. Only empty directories can be replaced.
func removeExisting(dirFD int, base string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirFD, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.Unlinkat(dirFD, base, unix.AT_REMOVEDIR)
	}
	return unix.Unlinkat(dirFD, base, 0)
}

// create runs mk for base in dirFD, replacing an existing entry once.
func create(dirFD int, base string, mk func() error) error {
	err := mk()
	if err == unix.EEXIST {
		if err := removeExisting(dirFD, base); err != nil {
			return err
		}
		err = mk()
	}
	return err
}

func (ex *extractor) mkdir(name string, hdr *tar.Header, kind entryKind) error {
	dirFD, base, err := ex.parent(name)
	if err != nil {
		return err
	}
	defer unix.Close(dirFD)
	err = unix.Mkdirat(dirFD, base, 0o700)
	if err == unix.EEXIST {
		var st unix.Stat_t
		if err = unix.Fstatat(dirFD, base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			err = create(dirFD, base, func() error { return unix.Mkdirat(dirFD, base, 0o700) })
		}
	}
	if err != nil {
		return ex.fsError(name, err)
	}
	ex.dirs = append(ex.dirs, dirMeta{rel: name, hdr: hdr, kind: kind})
	return nil
}

func (ex *extractor) writeFile(name string, hdr *tar.Header, kind entryKind, content io.Reader) error {
	dirFD, base, err := ex.parent(name)
	if err != nil {
		return err
	}
	defer unix.Close(dirFD)
	fd := -1
	err = create(dirFD, base, func() error {
		var err error
		fd, err = unix.Openat(dirFD, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		return err
	})
	if err != nil {
		return ex.fsError(name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	src := &errReader{r: content}
	n, err := io.Copy(f, src)
	ex.written += n
	if src.err != nil {
		return tarError(ex.ctx, src.err)
	}
	if err != nil {
		return fmt.Errorf("Failed to write %q: %w", name, err)
	}
	if err := ex.applyMeta(fd, hdr, kind); err != nil {
		return fmt.Errorf("Failed to set metadata of %q: %w", name, err)
	}
	if err := futimes(fd, hdr); err != nil {
		return fmt.Errorf("Failed to set times of %q: %w", name, err)
	}
	return f.Close()
}

func (ex *extractor) symlink(name string, hdr *tar.Header) error {
	if hdr.Linkname == "" || strings.IndexByte(hdr.Linkname, 0) >= 0 {
		return api.BadRequest("Tar symlink %s has an invalid target", describe(hdr))
	}
	dirFD, base, err := ex.parent(name)
	if err != nil {
		return err
	}
	defer unix.Close(dirFD)
	// The link text is stored as is: it is never followed during
	// extraction, and inside the container it resolves in its own root.
	err = create(dirFD, base, func() error { return unix.Symlinkat(hdr.Linkname, dirFD, base) })
	if err != nil {
		return ex.fsError(name, err)
	}
	return ex.nodeMeta(dirFD, base, name, hdr, false)
}

// nodeMeta sets owner, mode and times of a non-file entry by name.
func (ex *extractor) nodeMeta(dirFD int, base, name string, hdr *tar.Header, chmod bool) error {
	if ex.privileged {
		uid, gid, err := owner(hdr)
		if err != nil {
			return err
		}
		if err := unix.Fchownat(dirFD, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("Failed to set owner of %q: %w", name, err)
		}
	}
	if chmod {
		// base was created by mknodat just now, never a symlink.
		if err := unix.Fchmodat(dirFD, base, uint32(hdr.Mode)&0o7777, 0); err != nil {
			return fmt.Errorf("Failed to set mode of %q: %w", name, err)
		}
	}
	if err := unix.UtimesNanoAt(dirFD, base, times(hdr), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("Failed to set times of %q: %w", name, err)
	}
	return nil
}

func (ex *extractor) hardlink(name string, hdr *tar.Header, kind entryKind) error {
	src, err := cleanEntryName(hdr.Linkname)
	if err != nil {
		return err
	}
	if kind != kindRootfs || src == "" || ex.route(src) != kindRootfs || (ex.o.Layout == LayoutImage && src == "rootfs") {
		return api.BadRequest("Tar hardlink %s points outside the image rootfs", describe(hdr))
	}
	srcFD, err := ex.openBeneath(src, unix.O_PATH|unix.O_NOFOLLOW)
	if err == unix.ENOENT {
		return api.BadRequest("Tar hardlink %s points to a missing entry", describe(hdr))
	}
	if err != nil {
		return ex.fsError(name, err)
	}
	defer unix.Close(srcFD)
	var srcSt unix.Stat_t
	if err := unix.Fstat(srcFD, &srcSt); err != nil {
		return ex.fsError(name, err)
	}
	if srcSt.Mode&unix.S_IFMT == unix.S_IFDIR {
		return api.BadRequest("Tar hardlink %s points to a directory", describe(hdr))
	}
	dirFD, base, err := ex.parent(name)
	if err != nil {
		return err
	}
	defer unix.Close(dirFD)
	var st unix.Stat_t
	if unix.Fstatat(dirFD, base, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Dev == srcSt.Dev && st.Ino == srcSt.Ino {
		return nil // a link to itself
	}
	// Linking the O_PATH descriptor's /proc entry links exactly the inode
	// checked above.
	err = create(dirFD, base, func() error {
		return unix.Linkat(unix.AT_FDCWD, procFD(srcFD), dirFD, base, unix.AT_SYMLINK_FOLLOW)
	})
	if err != nil {
		return ex.fsError(name, err)
	}
	return nil
}

func (ex *extractor) mknod(name string, hdr *tar.Header) error {
	var typ uint32
	switch hdr.Typeflag {
	case tar.TypeChar:
		typ = unix.S_IFCHR
	case tar.TypeBlock:
		typ = unix.S_IFBLK
	default:
		typ = unix.S_IFIFO
	}
	if hdr.Devmajor < 0 || hdr.Devminor < 0 || hdr.Devmajor > math.MaxUint32 || hdr.Devminor > math.MaxUint32 {
		return api.BadRequest("Tar device %s has invalid numbers", describe(hdr))
	}
	dev := int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
	dirFD, base, err := ex.parent(name)
	if err != nil {
		return err
	}
	defer unix.Close(dirFD)
	err = create(dirFD, base, func() error { return unix.Mknodat(dirFD, base, typ|0o600, dev) })
	if err != nil {
		return ex.fsError(name, err)
	}
	return ex.nodeMeta(dirFD, base, name, hdr, true)
}

func owner(hdr *tar.Header) (int, int, error) {
	if hdr.Uid < 0 || hdr.Gid < 0 || hdr.Uid >= math.MaxUint32 || hdr.Gid >= math.MaxUint32 {
		return 0, 0, api.BadRequest("Tar entry %s has an invalid owner", describe(hdr))
	}
	return hdr.Uid, hdr.Gid, nil
}

// applyMeta sets owner, then mode (chown clears setuid/setgid), then
// xattrs (chown also clears security.capability) on an open entry.
// Metadata and templates are the daemon's files: they keep the daemon as
// owner, lose special mode bits and get no xattrs.
func (ex *extractor) applyMeta(fd int, hdr *tar.Header, kind entryKind) error {
	mode := uint32(hdr.Mode) & 0o7777
	if kind != kindRootfs {
		return unix.Fchmod(fd, mode&0o755|0o600)
	}
	if ex.privileged {
		uid, gid, err := owner(hdr)
		if err != nil {
			return err
		}
		if err := unix.Fchown(fd, uid, gid); err != nil {
			return err
		}
	}
	if err := unix.Fchmod(fd, mode); err != nil {
		return err
	}
	return ex.setXattrs(fd, hdr)
}

func (ex *extractor) setXattrs(fd int, hdr *tar.Header) error {
	for key, value := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(key, xattrPrefix)
		if !ok {
			continue
		}
		if !ex.privileged && !strings.HasPrefix(name, "user.") {
			continue
		}
		err := unix.Fsetxattr(fd, name, []byte(value), 0)
		switch err {
		case nil, unix.EOPNOTSUPP:
			// A filesystem without xattrs just loses them, as with tar.
		case unix.EINVAL, unix.E2BIG, unix.ERANGE:
			return api.BadRequest("Tar entry %s has an invalid xattr %q", describe(hdr), name)
		default:
			return fmt.Errorf("xattr %q: %w", name, err)
		}
	}
	return nil
}

// errReader remembers a read error so a truncated archive (a 400) can be
// told apart from a failing disk (a 500).
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

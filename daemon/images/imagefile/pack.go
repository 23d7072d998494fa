package imagefile

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// PackOpts says what goes into a unified image tarball.
type PackOpts struct {
	Rootfs       string      // host directory holding the root filesystem
	Metadata     []byte      // metadata.yaml content (validated)
	TemplatesDir string      // optional host directory of template files
	Compression  Compression // from the ParseCompression allow-list
}

// Pack streams a unified image tarball (metadata.yaml, rootfs/, templates/)
// compressed as asked into w. Nothing is buffered beyond one copy buffer.
//
// The rootfs is an instance's and so untrusted: it is walked through
// directory descriptors with O_NOFOLLOW, symlinks are stored as links and
// never followed, and file content is read only after fstat of the opened
// inode says it is a regular file (a device node swapped in is never
// opened). Owners are stored as on disk (numeric only) with mode, mtime
// and xattrs; hardlinks within the rootfs are kept. Templates must be
// regular files or directories.
func Pack(ctx context.Context, w io.Writer, o PackOpts) error {
	if _, err := ParseCompression(string(o.Compression)); err != nil {
		return err
	}
	if _, err := ParseMetadata(o.Metadata); err != nil {
		return err
	}
	cw, err := NewCompressor(ctx, w, o.Compression)
	if err != nil {
		return err
	}
	err = packTo(ctx, cw, o)
	if cerr := cw.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

func packTo(ctx context.Context, w io.Writer, o PackOpts) error {
	tw := tar.NewWriter(w)
	p := &packer{ctx: ctx, tw: tw, links: map[fileID]string{}}
	now := time.Now().UTC().Truncate(time.Second)
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: "metadata.yaml", Mode: 0o644, Size: int64(len(o.Metadata)), ModTime: now}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(o.Metadata); err != nil {
		return err
	}
	if err := p.tree(o.Rootfs, "rootfs", true); err != nil {
		return err
	}
	if o.TemplatesDir != "" {
		if err := p.tree(o.TemplatesDir, "templates", false); err != nil {
			return err
		}
	}
	return tw.Close()
}

type fileID struct{ dev, ino uint64 }

type packer struct {
	ctx   context.Context
	tw    *tar.Writer
	links map[fileID]string
}

// tree packs the directory dir under the archive name prefix. rootfs
// allows every file type; otherwise only files and directories.
func (p *packer) tree(dir, prefix string, rootfs bool) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("Failed to open %q: %w", dir, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	return p.dir(fd, &st, prefix, rootfs)
}

func (p *packer) dir(fd int, st *unix.Stat_t, name string, rootfs bool) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	hdr := header(st, name+"/", tar.TypeDir)
	if rootfs {
		if err := addXattrs(fd, hdr); err != nil {
			return fmt.Errorf("Failed to read xattrs of %q: %w", name, err)
		}
	}
	if err := p.tw.WriteHeader(hdr); err != nil {
		return err
	}
	names, err := readDirNames(fd)
	if err != nil {
		return fmt.Errorf("Failed to list %q: %w", name, err)
	}
	for _, child := range names {
		if err := p.child(fd, child, path.Join(name, child), rootfs); err != nil {
			return err
		}
	}
	return nil
}

func readDirNames(fd int) ([]string, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "dir")
	defer f.Close()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

// child packs one directory entry, found by name in dirFD.
func (p *packer) child(dirFD int, base, name string, rootfs bool) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirFD, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("Failed to stat %q: %w", name, err)
	}
	typ := st.Mode & unix.S_IFMT
	if !rootfs && typ != unix.S_IFDIR && typ != unix.S_IFREG {
		return api.BadRequest("Template %q is not a regular file", name)
	}
	switch typ {
	case unix.S_IFDIR:
		fd, err := unix.Openat(dirFD, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("Failed to open %q: %w", name, err)
		}
		defer unix.Close(fd)
		if err := unix.Fstat(fd, &st); err != nil {
			return err
		}
		return p.dir(fd, &st, name, rootfs)
	case unix.S_IFREG:
		return p.file(dirFD, base, name, &st, rootfs)
	case unix.S_IFLNK:
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(dirFD, base, buf)
		if err != nil {
			return fmt.Errorf("Failed to read link %q: %w", name, err)
		}
		hdr := header(&st, name, tar.TypeSymlink)
		hdr.Linkname = string(buf[:n])
		return p.tw.WriteHeader(hdr)
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
		flag := map[uint32]byte{unix.S_IFCHR: tar.TypeChar, unix.S_IFBLK: tar.TypeBlock, unix.S_IFIFO: tar.TypeFifo}[typ]
		hdr := header(&st, name, flag)
		if flag != tar.TypeFifo {
			hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
		}
		return p.tw.WriteHeader(hdr)
	}
	return nil // sockets are not archived
}

// file packs a regular file, or a hardlink to one already packed.
func (p *packer) file(dirFD int, base, name string, st *unix.Stat_t, rootfs bool) error {
	id := fileID{dev: st.Dev, ino: st.Ino}
	if first, ok := p.links[id]; ok && rootfs {
		hdr := header(st, name, tar.TypeLink)
		hdr.Linkname = first
		return p.tw.WriteHeader(hdr)
	}
	pathFD, err := unix.Openat(dirFD, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("Failed to open %q: %w", name, err)
	}
	defer unix.Close(pathFD)
	if err := unix.Fstat(pathFD, st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Dev != id.dev || st.Ino != id.ino {
		return fmt.Errorf("File %q changed while packing", name)
	}
	fd, err := unix.Open(procFD(pathFD), unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("Failed to open %q: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	hdr := header(st, name, tar.TypeReg)
	if rootfs {
		if err := addXattrs(fd, hdr); err != nil {
			return fmt.Errorf("Failed to read xattrs of %q: %w", name, err)
		}
	}
	if err := p.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.CopyN(p.tw, ctxReader{ctx: p.ctx, r: f}, hdr.Size); err != nil {
		return fmt.Errorf("Failed to read %q (changed while packing?): %w", name, err)
	}
	if st.Nlink > 1 {
		p.links[id] = name
	}
	return nil
}

func header(st *unix.Stat_t, name string, typ byte) *tar.Header {
	hdr := &tar.Header{
		Typeflag: typ,
		Name:     name,
		Mode:     int64(st.Mode & 0o7777),
		Uid:      int(st.Uid),
		Gid:      int(st.Gid),
		// Whole seconds, as ustar stores them (rather than rounding up).
		ModTime: time.Unix(st.Mtim.Sec, 0),
	}
	if typ == tar.TypeReg {
		hdr.Size = st.Size
	}
	return hdr
}

// addXattrs stores fd's extended attributes as PAX records.
func addXattrs(fd int, hdr *tar.Header) error {
	size, err := unix.Flistxattr(fd, nil)
	if err == unix.EOPNOTSUPP || (err == nil && size == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	buf := make([]byte, size)
	size, err = unix.Flistxattr(fd, buf)
	if err != nil {
		return err
	}
	for _, name := range strings.Split(string(bytes.TrimRight(buf[:size], "\x00")), "\x00") {
		vsize, err := unix.Fgetxattr(fd, name, nil)
		if err != nil {
			return err
		}
		val := make([]byte, vsize)
		vsize, err = unix.Fgetxattr(fd, name, val)
		if err != nil {
			return err
		}
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords[xattrPrefix+name] = string(val[:vsize])
	}
	return nil
}

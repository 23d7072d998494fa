package imagefile

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// Layout says where the entries of a tarball belong.
type Layout int

const (
	// LayoutImage is a unified image or the metadata half of a split
	// image: metadata.yaml, templates/ and (unified only) rootfs/ at the top.
	// They are extracted under target with the same names; other top-level
	// entries are skipped.
	LayoutImage Layout = iota
	// LayoutRootfs is the rootfs half of a split image: every entry belongs
	// to the root filesystem and is extracted directly under target (the
	// caller passes <volume>/rootfs).
	LayoutRootfs
)

// UnpackOpts controls extraction.
type UnpackOpts struct {
	Layout Layout
	// AllowDevices permits char and block device nodes in the rootfs
	// (normal in images, e.g. /dev/null, and safe for a daemon running as
	// root that starts containers with a device cgroup). When false such
	// entries make the image a 400.
	AllowDevices bool
	// MaxBytes caps the total size of regular file content; 0 means no cap.
	MaxBytes int64
	// MaxEntries caps the number of entries (a small compressed archive can
	// hold millions of empty files); 0 means no cap.
	MaxEntries int64
}

// entryKind is the part of an image an entry belongs to; each has its own
// rules.
type entryKind int

const (
	kindSkip entryKind = iota
	kindMetadata
	kindTemplates
	kindRootfs
)

// Unpack extracts an image tarball, in any supported compression, from r
// into the existing directory target. See the package doc for the safety
// rules and the error contract (the caller removes target on error).
//
// Ownership, permissions (setuid included), mtimes and xattrs
// (security.capability included) of rootfs entries are preserved when the
// daemon runs as root; run unprivileged (tests), owners are left alone and
// only user.* xattrs are set.
func Unpack(ctx context.Context, r io.Reader, target string, o UnpackOpts) error {
	dr, _, err := Decompress(r)
	if err != nil {
		return err
	}
	defer dr.Close()
	ex, err := newExtractor(ctx, target, o)
	if err != nil {
		return err
	}
	defer ex.close()
	tr := tar.NewReader(ctxReader{ctx: ctx, r: dr})
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tarError(ctx, err)
		}
		if err := ex.entry(hdr, tr); err != nil {
			return err
		}
	}
	return ex.finish()
}

// UnpackFile extracts an image file on disk: a tarball (any compression)
// or, for LayoutRootfs, a squashfs filesystem.
func UnpackFile(ctx context.Context, file string, target string, o UnpackOpts) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("Failed to open image file %q: %w", file, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	header, _ := br.Peek(sniffLen)
	if IsSquashfs(header) {
		if o.Layout != LayoutRootfs {
			return api.BadRequest("A squashfs file can only hold an image's rootfs")
		}
		return UnpackSquashfs(ctx, file, target, o)
	}
	return Unpack(ctx, br, target, o)
}

// route says which part of the image an entry belongs to.
func (ex *extractor) route(name string) entryKind {
	if ex.o.Layout == LayoutRootfs {
		return kindRootfs
	}
	top, _, _ := strings.Cut(name, "/")
	switch top {
	case "metadata.yaml":
		if name == top {
			return kindMetadata
		}
	case "templates":
		return kindTemplates
	case "rootfs":
		return kindRootfs
	}
	return kindSkip
}

// check applies the per-part rules before anything is written.
func (ex *extractor) check(hdr *tar.Header, name string, kind entryKind) error {
	switch kind {
	case kindMetadata:
		if hdr.Typeflag != tar.TypeReg {
			return api.BadRequest("Image metadata.yaml must be a regular file")
		}
		if hdr.Size > MaxMetadataSize {
			return api.BadRequest("Image metadata.yaml is larger than %d bytes", MaxMetadataSize)
		}
	case kindTemplates:
		if name == "templates" && hdr.Typeflag != tar.TypeDir {
			return api.BadRequest("Image templates must be a directory")
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir {
			return api.BadRequest("Image template %s must be a regular file", describe(hdr))
		}
		if hdr.Size > MaxTemplateSize {
			return api.BadRequest("Image template %s is larger than %d bytes", describe(hdr), MaxTemplateSize)
		}
	case kindRootfs:
		if ex.o.Layout == LayoutImage && name == "rootfs" && hdr.Typeflag != tar.TypeDir {
			return api.BadRequest("Image rootfs must be a directory")
		}
		if (hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock) && !ex.o.AllowDevices {
			return api.BadRequest("Image entry %s is a device node, which is not allowed here", describe(hdr))
		}
	}
	if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeGNUSparse || hdr.Typeflag == tar.TypeCont {
		if hdr.Size < 0 {
			return api.BadRequest("Tar entry %s has a negative size", describe(hdr))
		}
		if ex.o.MaxBytes > 0 && ex.written+hdr.Size > ex.o.MaxBytes {
			return api.BadRequest("Image content is larger than %d bytes", ex.o.MaxBytes)
		}
	}
	return nil
}

// entry extracts one tar entry.
func (ex *extractor) entry(hdr *tar.Header, content io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	ex.entries++
	if ex.o.MaxEntries > 0 && ex.entries > ex.o.MaxEntries {
		return api.BadRequest("Image has more than %d entries", ex.o.MaxEntries)
	}
	name, err := cleanEntryName(hdr.Name)
	if err != nil {
		return err
	}
	kind := ex.route(name)
	if kind == kindSkip || (name == "" && ex.o.Layout == LayoutImage) {
		return nil
	}
	if err := ex.check(hdr, name, kind); err != nil {
		return err
	}
	if name == "" {
		// The rootfs tarball's own "./" entry describes target itself.
		if hdr.Typeflag != tar.TypeDir {
			return api.BadRequest("Tar root entry %s is not a directory", describe(hdr))
		}
		ex.dirs = append(ex.dirs, dirMeta{rel: ".", hdr: hdr, kind: kind})
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return ex.mkdir(name, hdr, kind)
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		return ex.writeFile(name, hdr, kind, content)
	case tar.TypeSymlink:
		return ex.symlink(name, hdr)
	case tar.TypeLink:
		return ex.hardlink(name, hdr, kind)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return ex.mknod(name, hdr)
	}
	return api.BadRequest("Tar entry %s has unsupported type %q", describe(hdr), hdr.Typeflag)
}

// dirMeta is applied to directories after their content is written:
// mtimes would otherwise change, and a read-only mode would block writes.
type dirMeta struct {
	rel  string
	hdr  *tar.Header
	kind entryKind
}

func (ex *extractor) finish() error {
	for i := len(ex.dirs) - 1; i >= 0; i-- {
		d := ex.dirs[i]
		if err := ex.ctx.Err(); err != nil {
			return err
		}
		if err := ex.applyDirMeta(d); err != nil {
			return err
		}
	}
	ex.dirs = nil
	return nil
}

func (ex *extractor) applyDirMeta(d dirMeta) error {
	fd, err := ex.openBeneath(d.rel, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW)
	if err != nil {
		return ex.fsError(d.rel, err)
	}
	defer unix.Close(fd)
	if err := ex.applyMeta(fd, d.hdr, d.kind); err != nil {
		return fmt.Errorf("Failed to set metadata of %q: %w", d.rel, err)
	}
	return futimes(fd, d.hdr)
}

// futimes sets the access and modification times of an open fd through
// its /proc link (utimensat has no fd-only form for O_PATH-less use).
func futimes(fd int, hdr *tar.Header) error {
	ts := times(hdr)
	return unix.UtimesNanoAt(unix.AT_FDCWD, procFD(fd), ts, 0)
}

func times(hdr *tar.Header) []unix.Timespec {
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	return []unix.Timespec{toTimespec(atime), toTimespec(hdr.ModTime)}
}

func toTimespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

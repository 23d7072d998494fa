package imagefile

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"

	"github.com/lxdng/lxd/shared/api"
)

// Check applies the extraction rules of Unpack to an image tarball read
// from r without writing anything: entry names, per-part entry types and
// sizes, device nodes (AllowDevices), MaxBytes and MaxEntries, entries
// below a symlink of the same archive, and hardlinks leaving the rootfs or
// pointing at an entry the archive has not yet given. An image that passes
// Check unpacks without hitting a safety rule (the filesystem can still
// fail, e.g. when full).
//
// For LayoutImage it also returns the parsed metadata.yaml and its raw
// bytes, and fails when there is none; for LayoutRootfs both are empty.
// Failures are 400s; a cancelled ctx returns its error.
func Check(ctx context.Context, r io.Reader, o UnpackOpts) (Metadata, []byte, error) {
	dr, _, err := Decompress(r)
	if err != nil {
		return Metadata{}, nil, err
	}
	defer dr.Close()
	c := &checker{ex: &extractor{ctx: ctx, o: o}, types: map[string]byte{}, hasChildren: map[string]bool{}}
	tr := tar.NewReader(ctxReader{ctx: ctx, r: dr})
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Metadata{}, nil, tarError(ctx, err)
		}
		if err := c.entry(hdr, tr); err != nil {
			return Metadata{}, nil, err
		}
	}
	if o.Layout == LayoutRootfs {
		return Metadata{}, nil, nil
	}
	if c.metadata == nil {
		return Metadata{}, nil, api.BadRequest("Image has no metadata.yaml")
	}
	m, err := ParseMetadata(c.metadata)
	return m, c.metadata, err
}

// CheckFile is Check on a file, or, for LayoutRootfs, the listing checks
// of UnpackSquashfs when the file is a squashfs filesystem.
func CheckFile(ctx context.Context, file string, o UnpackOpts) (Metadata, []byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return Metadata{}, nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	header, _ := br.Peek(sniffLen)
	if IsSquashfs(header) {
		if o.Layout != LayoutRootfs {
			return Metadata{}, nil, api.BadRequest("A squashfs file can only hold an image's rootfs")
		}
		tool, err := exec.LookPath("unsquashfs")
		if err != nil {
			return Metadata{}, nil, errors.New("Failed to find unsquashfs (install squashfs-tools)")
		}
		_, err = checkSquashfsListing(ctx, tool, file, o)
		return Metadata{}, nil, err
	}
	return Check(ctx, br, o)
}

// checker follows what each name of the archive is, which stands in for
// the filesystem state extraction would have built.
type checker struct {
	ex          *extractor
	types       map[string]byte // type of what each name is at this point
	hasChildren map[string]bool // directories something was put in
	metadata    []byte
}

func (c *checker) entry(hdr *tar.Header, content io.Reader) error {
	ex := c.ex
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
		if hdr.Typeflag != tar.TypeDir {
			return api.BadRequest("Tar root entry %s is not a directory", describe(hdr))
		}
		return nil
	}
	if err := c.parents(name); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeDir && c.hasChildren[name] {
		return api.BadRequest("Tar entry %q replaces a non-empty directory", name)
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		ex.written += hdr.Size
		if kind == kindMetadata {
			data, err := io.ReadAll(io.LimitReader(content, MaxMetadataSize+1))
			if err != nil {
				return tarError(ex.ctx, err)
			}
			c.metadata = data
		}
	case tar.TypeDir, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
	case tar.TypeLink:
		if err := c.hardlink(name, hdr, kind); err != nil {
			return err
		}
	default:
		return api.BadRequest("Tar entry %s has unsupported type %q", describe(hdr), hdr.Typeflag)
	}
	c.types[name] = hdr.Typeflag
	return nil
}

// parents refuses an entry below a symlink or a non-directory given
// earlier in the archive (extraction would hit ELOOP or ENOTDIR) and
// records that its parent directories are not empty.
func (c *checker) parents(name string) error {
	for i := 0; i < len(name); i++ {
		if name[i] != '/' {
			continue
		}
		dir := name[:i]
		switch typ, ok := c.types[dir]; {
		case !ok || typ == tar.TypeDir:
		case typ == tar.TypeSymlink:
			return api.BadRequest("Tar entry %q goes through a symlink", name)
		default:
			return api.BadRequest("Tar entry %q is below something that is not a directory", name)
		}
		c.hasChildren[dir] = true
	}
	return nil
}

func (c *checker) hardlink(name string, hdr *tar.Header, kind entryKind) error {
	src, err := cleanEntryName(hdr.Linkname)
	if err != nil {
		return err
	}
	ex := c.ex
	if kind != kindRootfs || src == "" || ex.route(src) != kindRootfs || (ex.o.Layout == LayoutImage && src == "rootfs") {
		return api.BadRequest("Tar hardlink %s points outside the image rootfs", describe(hdr))
	}
	for i := 0; i < len(src); i++ {
		if src[i] == '/' && c.types[src[:i]] == tar.TypeSymlink {
			return api.BadRequest("Tar entry %q goes through a symlink", name)
		}
	}
	switch typ, ok := c.types[src]; {
	case !ok:
		return api.BadRequest("Tar hardlink %s points to a missing entry", describe(hdr))
	case typ == tar.TypeDir:
		return api.BadRequest("Tar hardlink %s points to a directory", describe(hdr))
	}
	return nil
}

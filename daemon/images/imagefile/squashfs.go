package imagefile

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// UnpackSquashfs extracts a squashfs rootfs file into the empty directory
// target with unsquashfs (argument list, no shell).
//
// Before extraction the listing is checked: every path must be clean and
// relative, device nodes need AllowDevices, and MaxBytes caps the sum of
// file sizes. unsquashfs (>= 4.5.1) itself refuses names with "/" or ".."
// and writes through no symlink it created. After extraction every listed
// path must resolve under target without crossing a symlink, and target
// must hold exactly the listed entries.
func UnpackSquashfs(ctx context.Context, file, target string, o UnpackOpts) error {
	if o.Layout != LayoutRootfs {
		return api.BadRequest("A squashfs file can only hold an image's rootfs")
	}
	tool, err := exec.LookPath("unsquashfs")
	if err != nil {
		return fmt.Errorf("Failed to find unsquashfs (install squashfs-tools): %w", err)
	}
	if err := ensureEmptyDir(target); err != nil {
		return err
	}
	paths, err := checkSquashfsListing(ctx, tool, file, o)
	if err != nil {
		return err
	}
	args := []string{"-n", "-f", "-d", target}
	if os.Geteuid() != 0 {
		args = append(args, "-user-xattrs")
	}
	args = append(args, file)
	if _, err := runTool(ctx, tool, args...); err != nil {
		return api.BadRequest("Failed to unpack squashfs image: %w", err)
	}
	return verifySquashfsTree(target, paths)
}

func ensureEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("Failed to read unpack target %q: %w", dir, err)
	}
	if len(entries) != 0 {
		return fmt.Errorf("Unpack target %q is not empty", dir)
	}
	return nil
}

func runTool(ctx context.Context, tool string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: %w: %s", filepath.Base(tool), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// checkSquashfsListing lists the filesystem twice (names only, and with
// attributes) and returns the relative paths ("" is the root).
func checkSquashfsListing(ctx context.Context, tool, file string, o UnpackOpts) ([]string, error) {
	short, err := runTool(ctx, tool, "-ls", "-d", "", file)
	if err != nil {
		return nil, api.BadRequest("Invalid squashfs image: %w", err)
	}
	long, err := runTool(ctx, tool, "-lln", "-d", "", file)
	if err != nil {
		return nil, api.BadRequest("Invalid squashfs image: %w", err)
	}
	names := splitLines(short)
	attrs := splitLines(long)
	if len(names) == 0 || len(names) != len(attrs) {
		return nil, api.BadRequest("Invalid squashfs image: inconsistent listing")
	}
	var total int64
	for i, line := range attrs {
		if line == "" {
			return nil, api.BadRequest("Invalid squashfs image: inconsistent listing")
		}
		switch line[0] {
		case 'c', 'b':
			if !o.AllowDevices {
				return nil, api.BadRequest("Image entry %q is a device node, which is not allowed here", names[i])
			}
		case '-':
			if f := strings.Fields(line); len(f) > 2 {
				size, _ := strconv.ParseInt(f[2], 10, 64)
				total += size
			}
		}
	}
	if o.MaxEntries > 0 && int64(len(attrs)) > o.MaxEntries {
		return nil, api.BadRequest("Image has more than %d entries", o.MaxEntries)
	}
	if o.MaxBytes > 0 && total > o.MaxBytes {
		return nil, api.BadRequest("Image content is larger than %d bytes", o.MaxBytes)
	}
	paths := make([]string, len(names))
	for i, n := range names {
		rel := strings.TrimPrefix(n, "/")
		if clean, err := cleanEntryName(rel); err != nil || clean != rel || (rel == "" && i != 0) {
			return nil, api.BadRequest("Invalid squashfs entry name %q", n)
		}
		paths[i] = rel
	}
	return paths, nil
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// verifySquashfsTree checks that each listed path exists under target
// without crossing a symlink, and that nothing else was created there.
func verifySquashfsTree(target string, paths []string) error {
	rootFD, err := unix.Open(target, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("Failed to open unpack target %q: %w", target, err)
	}
	defer unix.Close(rootFD)
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC, Resolve: beneath}
	for _, p := range paths {
		rel := p
		if rel == "" {
			rel = "."
		}
		fd, err := unix.Openat2(rootFD, rel, &how)
		if err != nil {
			return api.BadRequest("Squashfs entry %q did not unpack inside the target: %v", p, err)
		}
		_ = unix.Close(fd)
	}
	count := 0
	err = filepath.WalkDir(target, func(_ string, _ fs.DirEntry, err error) error {
		count++
		return err
	})
	if err != nil {
		return fmt.Errorf("Failed to check unpacked squashfs: %w", err)
	}
	if count != len(paths) {
		return api.BadRequest("Squashfs image unpacked to %d entries, listed %d", count, len(paths))
	}
	return nil
}

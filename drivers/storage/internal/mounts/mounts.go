package mounts

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/storage/internal/command"
)

// IsMountPoint reports whether path is the target of a mount in this mount
// namespace.
func IsMountPoint(path string) (bool, error) {
	target, err := canonical(path)
	if err != nil {
		return false, nil // a path that does not exist is not mounted
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, fmt.Errorf("Failed to read mount table: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 4 && unescape(fields[4]) == target {
			return true, nil
		}
	}
	return false, s.Err()
}

func canonical(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// unescape decodes the \ooo octal escapes mountinfo uses for spaces & co.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Bind bind-mounts src onto dst.
func Bind(src, dst string) error {
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("Failed to bind-mount %q on %q: %w", src, dst, err)
	}
	return nil
}

// Mount mounts source (a device or file) of type fstype on target with the
// comma-separated options, through mount(8) so that every option spelling
// (flags and filesystem data alike) is understood.
func Mount(ctx context.Context, source, target, fstype, options string) error {
	args := []string{"-t", fstype}
	if options != "" {
		args = append(args, "-o", options)
	}
	args = append(args, source, target)
	if _, err := command.Run(ctx, "mount", args...); err != nil {
		return fmt.Errorf("Failed to mount %q on %q: %w", source, target, err)
	}
	return nil
}

// Unmount unmounts every mount stacked on path. A path that is not mounted
// is fine.
func Unmount(path string) error {
	for {
		mounted, err := IsMountPoint(path)
		if err != nil || !mounted {
			return err
		}
		err = unix.Unmount(path, 0)
		if errors.Is(err, unix.EINVAL) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("Failed to unmount %q: %w", path, err)
		}
	}
}

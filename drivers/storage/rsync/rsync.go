package rsync

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/lxdng/lxd/drivers/storage/internal/command"
	"github.com/lxdng/lxd/shared/config"
)

// Options tune a copy.
type Options struct {
	// BwLimit is rsync's --bwlimit (KiB/s, suffixes allowed); "" or "0" is
	// no limit. It comes from the pool key rsync.bwlimit.
	BwLimit string
	// Compression compresses the data stream (pool key rsync.compression).
	// It matters for transfers between hosts; a local copy accepts it.
	Compression bool
	// Delete removes files of dst that src does not have, so dst ends up
	// identical to src (snapshot restores, refreshes).
	Delete bool
	// IgnoreTimes copies every file, even one whose size and mtime match:
	// a restore must not trust mtimes written within the same second.
	IgnoreTimes bool
	// Excludes are rsync --exclude patterns.
	Excludes []string
}

// OptionsFromConfig reads rsync.bwlimit and rsync.compression (default
// true, as in LXD) from a pool's config.
func OptionsFromConfig(poolConfig map[string]string) Options {
	o := Options{BwLimit: poolConfig["rsync.bwlimit"], Compression: true}
	if v, ok := poolConfig["rsync.compression"]; ok && v != "" {
		o.Compression = config.ParseBool(v)
	}
	return o
}

// Args returns the rsync arguments that copy the content of src into dst.
func Args(src, dst string, o Options) []string {
	args := []string{
		"-a", "-H", "--numeric-ids", "--xattrs", "--acls", "--sparse",
		"--devices", "--specials",
	}
	if o.BwLimit != "" && o.BwLimit != "0" {
		args = append(args, "--bwlimit="+o.BwLimit)
	}
	if o.Compression {
		args = append(args, "--compress")
	}
	if o.Delete {
		args = append(args, "--delete")
	}
	if o.IgnoreTimes {
		args = append(args, "--ignore-times")
	}
	for _, e := range o.Excludes {
		args = append(args, "--exclude="+e)
	}
	// Trailing slashes: copy the content of src, not src itself.
	return append(args, "--", strings.TrimSuffix(src, "/")+"/", strings.TrimSuffix(dst, "/")+"/")
}

// Copy makes the tree at dst a copy of the tree at src. Both are local
// mounted paths; dst must exist.
func Copy(ctx context.Context, src, dst string, o Options) error {
	if _, err := exec.LookPath("rsync"); err != nil {
		return fmt.Errorf("Required tool %q is missing", "rsync")
	}
	if _, err := command.Run(ctx, "rsync", Args(src, dst, o)...); err != nil {
		return fmt.Errorf("Failed to rsync %q to %q: %w", src, dst, err)
	}
	return nil
}

// tarArgs are the archive options both ends agree on: numeric owners,
// extended attributes (all namespaces) and ACLs.
var tarArgs = []string{"--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls"}

// Send writes the tree at path to w as a tar stream (sparse files kept
// sparse). It returns when the archive is complete or ctx ends.
func Send(ctx context.Context, path string, w io.Writer) error {
	args := append([]string{"-C", path, "--sparse", "-cf", "-"}, tarArgs...)
	args = append(args, ".")
	return runTar(ctx, args, nil, w)
}

// Receive unpacks a tar stream made by Send from r into the existing
// directory path.
func Receive(ctx context.Context, path string, r io.Reader) error {
	args := append([]string{"-C", path, "-xpf", "-"}, tarArgs...)
	return runTar(ctx, args, r, nil)
}

func runTar(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	c := exec.CommandContext(ctx, "tar", args...)
	c.Stdin = in
	c.Stdout = out
	var stderr strings.Builder
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		return &command.Error{Cmd: "tar " + strings.Join(args, " "), Stderr: stderr.String(), Err: err}
	}
	return nil
}

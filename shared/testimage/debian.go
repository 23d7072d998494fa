package testimage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DebianCacheEnv names the directory that keeps debootstrap trees between
// runs (unset: no cache, every build bootstraps afresh).
const DebianCacheEnv = "LXDNG_IMAGE_CACHE"

// DebianInstallAdvice is appended to errors caused by a missing host tool.
const DebianInstallAdvice = "install it with: apt-get install debootstrap squashfs-tools xz-utils"

// debianPackages are added to the minbase variant: an init, udev (where
// /sys is writable, as in LXD's containers, systemd-networkd leaves a link
// "pending" until udev has seen it) and the tools the network setup needs.
var debianPackages = []string{"systemd-sysv", "udev", "iproute2", "netbase"}

// debianCacheVersion changes whenever the bootstrap command changes, so an
// older cached tree is not reused.
const debianCacheVersion = "v2"

// DebianOptions tune WriteDebianImage.
type DebianOptions struct {
	Release  string    // default "bookworm"
	Mirror   string    // default: AptMirror(AptSourcesDir, Release)
	CacheDir string    // where debootstrap trees are kept ("" = no cache)
	Log      io.Writer // progress and tool output (nil: discarded)
}

// WriteDebianImage builds a Debian system image into outdir: debian.tar.xz
// (unified) and meta.tar.xz + rootfs.squashfs (split). The root filesystem
// is `debootstrap --variant=minbase` from the machine's own apt mirror plus
// systemd, with systemd-networkd doing DHCP on eth0, an empty machine-id,
// and LXD's hostname/hosts templates. It needs root.
func WriteDebianImage(ctx context.Context, outdir string, o DebianOptions) (Image, error) {
	if o.Release == "" {
		o.Release = "bookworm"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	for _, tool := range []string{"debootstrap", "mksquashfs", "xz", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			return Image{}, fmt.Errorf("%s is missing (%s): %w", tool, DebianInstallAdvice, err)
		}
	}
	if o.Mirror == "" {
		m, err := AptMirror(AptSourcesDir, o.Release)
		if err != nil {
			return Image{}, err
		}
		o.Mirror = m
	}
	arch, err := dpkgArch()
	if err != nil {
		return Image{}, err
	}
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return Image{}, err
	}
	work, err := os.MkdirTemp(outdir, ".build-")
	if err != nil {
		return Image{}, err
	}
	defer os.RemoveAll(work)

	rootfs := filepath.Join(work, "rootfs")
	if err := debianTree(ctx, rootfs, arch, o); err != nil {
		return Image{}, err
	}
	if err := customiseDebian(rootfs); err != nil {
		return Image{}, err
	}
	if err := writeDebianMetadata(work, arch, o.Release, time.Now()); err != nil {
		return Image{}, err
	}
	return packDebian(ctx, work, outdir, o.Log)
}

// dpkgArch returns Debian's name of the host architecture ("amd64").
func dpkgArch() (string, error) {
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		return "", fmt.Errorf("Failed to find the architecture with dpkg: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// kernelArch maps Debian's architecture names to the kernel's, which LXD
// image metadata uses.
func kernelArch(debArch string) string {
	switch debArch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "i386":
		return "i686"
	case "armhf":
		return "armv7l"
	}
	return debArch
}

// debianTree puts a bootstrapped tree at dst: a copy of the cached one when
// the cache has it, else a fresh debootstrap (stored in the cache first when
// there is one).
func debianTree(ctx context.Context, dst, arch string, o DebianOptions) error {
	if o.CacheDir == "" {
		return bootstrap(ctx, dst, arch, o)
	}
	cached := filepath.Join(o.CacheDir, fmt.Sprintf("debootstrap-%s-%s-minbase-%s", o.Release, arch, debianCacheVersion))
	if _, err := os.Stat(cached); err != nil {
		fmt.Fprintf(o.Log, "Bootstrapping Debian %s into the cache %s\n", o.Release, cached)
		if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
			return err
		}
		tmp, err := os.MkdirTemp(o.CacheDir, ".bootstrap-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := bootstrap(ctx, filepath.Join(tmp, "tree"), arch, o); err != nil {
			return err
		}
		// The rename makes a cached tree appear only once complete.
		if err := os.Rename(filepath.Join(tmp, "tree"), cached); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(o.Log, "Using the cached tree %s\n", cached)
	}
	return run(ctx, o.Log, "cp", "-a", cached, dst)
}

func bootstrap(ctx context.Context, dst, arch string, o DebianOptions) error {
	fmt.Fprintf(o.Log, "debootstrap %s from %s\n", o.Release, o.Mirror)
	err := run(ctx, o.Log, "debootstrap", "--variant=minbase", "--arch="+arch,
		"--include="+strings.Join(debianPackages, ","), o.Release, dst, o.Mirror)
	if err != nil {
		return fmt.Errorf("Failed to bootstrap Debian %s: %w", o.Release, err)
	}
	// Downloaded packages and package lists are not part of an image.
	for _, pattern := range []string{"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*"} {
		matches, _ := filepath.Glob(filepath.Join(dst, pattern))
		for _, m := range matches {
			if err := os.Remove(m); err != nil {
				return err
			}
		}
	}
	return nil
}

func run(ctx context.Context, log io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var tail bytes.Buffer
	cmd.Stdout = io.MultiWriter(log, &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		out := tail.String()
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return fmt.Errorf("%s failed: %w: %s", name, err, out)
	}
	return nil
}

package testimage

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The hostname and hosts templates LXD renders at create and copy time,
// as in the images LXD publishes.
const (
	debianHostsTemplate = `127.0.0.1	localhost
127.0.1.1	{{ container.name }}

# The following lines are desirable for IPv6 capable hosts
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`
	debianNetwork = `[Match]
Name=eth0

[Network]
DHCP=yes
`
)

// debianFiles are written into the bootstrapped tree.
var debianFiles = []struct {
	path string
	mode os.FileMode
	body string
}{
	{"etc/hostname", 0o644, "debian\n"},
	{"etc/hosts", 0o644, "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n"},
	// Empty: systemd makes a fresh id on first boot, so containers
	// made from one image do not share it.
	{"etc/machine-id", 0o444, ""},
	{"etc/systemd/network/eth0.network", 0o644, debianNetwork},
}

// debianUnits are enabled by the symlinks systemctl enable would make.
var debianUnits = []struct{ wants, unit string }{
	{"multi-user.target.wants", "systemd-networkd.service"},
	{"sockets.target.wants", "systemd-networkd.socket"},
	{"network-online.target.wants", "systemd-networkd-wait-online.service"},
}

// customiseDebian gives a bootstrapped tree its hostname, hosts, an empty
// machine-id, DHCP on eth0 through systemd-networkd, and an empty /dev:
// the container manager populates /dev, and image stores refuse device
// nodes (debootstrap leaves some there).
func customiseDebian(rootfs string) error {
	devs, err := os.ReadDir(filepath.Join(rootfs, "dev"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range devs {
		if err := os.RemoveAll(filepath.Join(rootfs, "dev", e.Name())); err != nil {
			return err
		}
	}
	for _, f := range debianFiles {
		p := filepath.Join(rootfs, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		_ = os.Remove(p)
		if err := os.WriteFile(p, []byte(f.body), f.mode); err != nil {
			return err
		}
	}
	_ = os.Remove(filepath.Join(rootfs, "var/lib/dbus/machine-id"))
	for _, u := range debianUnits {
		dir := filepath.Join(rootfs, "etc/systemd/system", u.wants)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		link := filepath.Join(dir, u.unit)
		_ = os.Remove(link)
		if err := os.Symlink("/lib/systemd/system/"+u.unit, link); err != nil {
			return err
		}
	}
	return nil
}

func debianMetadataYAML(arch, release string, created time.Time) string {
	serial := created.UTC().Format("20060102_1504")
	return fmt.Sprintf(`architecture: %s
creation_date: %d
properties:
  architecture: %s
  description: Debian %s %s (%s)
  os: Debian
  release: %s
  serial: "%s"
  variant: minbase
templates:
  /etc/hostname:
    when:
    - create
    - copy
    create_only: false
    template: hostname.tpl
    properties: {}
  /etc/hosts:
    when:
    - create
    - copy
    create_only: false
    template: hosts.tpl
    properties: {}
`, kernelArch(arch), created.Unix(), arch, release, arch, serial, release, serial)
}

// writeDebianMetadata lays out metadata.yaml and templates/ beside rootfs/.
func writeDebianMetadata(work, arch, release string, created time.Time) error {
	if err := os.WriteFile(filepath.Join(work, "metadata.yaml"), []byte(debianMetadataYAML(arch, release, created)), 0o644); err != nil {
		return err
	}
	tpl := filepath.Join(work, "templates")
	if err := os.MkdirAll(tpl, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tpl, "hostname.tpl"), []byte(hostnameTemplate), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tpl, "hosts.tpl"), []byte(debianHostsTemplate), 0o644)
}

// packDebian writes the unified tarball, the metadata tarball and the
// squashfs. GNU tar and mksquashfs keep the tree's owners (numeric), modes
// and extended attributes (file capabilities).
func packDebian(ctx context.Context, work, outdir string, log io.Writer) (Image, error) {
	img := Image{
		Unified: filepath.Join(outdir, "debian.tar.xz"),
		Meta:    filepath.Join(outdir, "meta.tar.xz"),
		Rootfs:  filepath.Join(outdir, "rootfs.squashfs"),
	}
	tarArgs := []string{"--numeric-owner", "--xattrs", "--xattrs-include=*", "--use-compress-program=xz -T0 -0", "-C", work}
	fmt.Fprintln(log, "Writing", img.Unified)
	if err := run(ctx, log, "tar", append(tarArgs, "-cf", img.Unified, "metadata.yaml", "templates", "rootfs")...); err != nil {
		return Image{}, err
	}
	if err := run(ctx, log, "tar", append(tarArgs, "-cf", img.Meta, "metadata.yaml", "templates")...); err != nil {
		return Image{}, err
	}
	fmt.Fprintln(log, "Writing", img.Rootfs)
	_ = os.Remove(img.Rootfs)
	if err := run(ctx, log, "mksquashfs", filepath.Join(work, "rootfs"), img.Rootfs, "-noappend", "-no-progress", "-quiet"); err != nil {
		return Image{}, err
	}
	return img, nil
}

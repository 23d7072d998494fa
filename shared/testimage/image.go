package testimage

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Image names the files WriteBusyboxImage produced.
type Image struct {
	Unified string // <outdir>/busybox.tar.gz: metadata.yaml, templates/, rootfs/
	Meta    string // <outdir>/meta.tar.gz: metadata.yaml, templates/
	Rootfs  string // <outdir>/rootfs.squashfs
}

// hostnameTemplate is rendered by LXD at create/copy time, like the
// templates of the images LXD publishes.
const hostnameTemplate = "{{ container.name }}\n"

func metadataYAML(version string, created time.Time) string {
	return fmt.Sprintf(`architecture: x86_64
creation_date: %d
properties:
  architecture: x86_64
  description: BusyBox %s test image
  name: busybox-%s-x86_64
  os: Busybox
  release: "%s"
templates:
  /etc/hostname:
    when:
    - create
    - copy
    create_only: false
    template: hostname.tpl
    properties: {}
`, created.Unix(), version, version, version)
}

// WriteBusyboxImage builds the busybox image into outdir (created if
// missing) in both of LXD's forms and returns their paths. It works in a
// temporary directory under outdir, removed on return.
func WriteBusyboxImage(outdir string) (Image, error) {
	version, err := BusyboxVersion()
	if err != nil {
		return Image{}, err
	}
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		return Image{}, fmt.Errorf("mksquashfs is missing (%s): %w", InstallAdvice, err)
	}
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return Image{}, err
	}
	work, err := os.MkdirTemp(outdir, ".build-")
	if err != nil {
		return Image{}, err
	}
	defer os.RemoveAll(work)

	if err := stageImage(work, version); err != nil {
		return Image{}, err
	}
	img := Image{
		Unified: filepath.Join(outdir, "busybox.tar.gz"),
		Meta:    filepath.Join(outdir, "meta.tar.gz"),
		Rootfs:  filepath.Join(outdir, "rootfs.squashfs"),
	}
	if err := writeTarGz(img.Unified, work, nil); err != nil {
		return Image{}, err
	}
	metaOnly := func(rel string) bool { return rel != "rootfs" && !strings.HasPrefix(rel, "rootfs/") }
	if err := writeTarGz(img.Meta, work, metaOnly); err != nil {
		return Image{}, err
	}
	_ = os.Remove(img.Rootfs)
	out, err := exec.Command("mksquashfs", filepath.Join(work, "rootfs"), img.Rootfs,
		"-noappend", "-all-root", "-no-progress", "-quiet").CombinedOutput()
	if err != nil {
		return Image{}, fmt.Errorf("mksquashfs failed: %w: %s", err, out)
	}
	return img, nil
}

// stageImage lays out metadata.yaml, templates/ and rootfs/ in dir.
func stageImage(dir, version string) error {
	if err := BuildBusyboxRootfs(filepath.Join(dir, "rootfs")); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(metadataYAML(version, time.Now())), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "templates", "hostname.tpl"), []byte(hostnameTemplate), 0o644)
}

// writeTarGz archives the tree under root (entries relative to it, owned by
// root:root) into a gzip tarball at path; include filters entries (nil: all).
func writeTarGz(path, root string, include func(rel string) bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		if include != nil && !include(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return addTarEntry(tw, p, rel)
	})
	for _, c := range []io.Closer{tw, gz, f} {
		if err := c.Close(); err != nil && walkErr == nil {
			walkErr = err
		}
	}
	if walkErr != nil {
		os.Remove(path)
		return fmt.Errorf("Failed to write %s: %w", path, walkErr)
	}
	return nil
}

func addTarEntry(tw *tar.Writer, p, rel string) error {
	info, err := os.Lstat(p)
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	hdr.Name = rel
	if info.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "root", "root"
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	in, err := os.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(tw, in)
	return err
}

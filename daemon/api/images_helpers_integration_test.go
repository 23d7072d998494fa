//go:build integration

package api_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/testimage"
)

// testImageFiles are the busybox image in every form the tests import.
type testImageFiles struct {
	testimage.Image
	RootfsTar string // split rootfs half as a tarball (rootfs.tar.gz)
}

// buildTestImages writes the busybox image (unified, split with squashfs
// rootfs, split with tarball rootfs) into a temporary directory.
func buildTestImages(t *testing.T) testImageFiles {
	t.Helper()
	dir := t.TempDir()
	img, err := testimage.WriteBusyboxImage(dir)
	if err != nil {
		t.Fatalf("building the busybox image: %v", err)
	}
	root := filepath.Join(dir, "rootfs-tree")
	if err := testimage.BuildBusyboxRootfs(root); err != nil {
		t.Fatal(err)
	}
	out := testImageFiles{Image: img, RootfsTar: filepath.Join(dir, "rootfs.tar.gz")}
	writeTarGz(t, out.RootfsTar, root)
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeTarGz archives the tree under root as "./..." entries.
func writeTarGz(t *testing.T, path, root string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			link, _ = os.Readlink(p)
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = "./" + rel
		if info.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	for _, c := range []io.Closer{tw, gz, f} {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

// variantImage rewrites a unified image with a different description, so
// it gets another fingerprint (a "new version" of the image).
func variantImage(t *testing.T, src, dst, description string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tr := tar.NewReader(zr)
	re := regexp.MustCompile(`(?m)^  description: .*$`)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(hdr.Name, "./") == "metadata.yaml" {
			data = re.ReplaceAll(data, []byte("  description: "+description))
			hdr.Size = int64(len(data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sha256Files is sha256 over the files in order (LXD's fingerprint).
func sha256Files(t *testing.T, paths ...string) string {
	t.Helper()
	h := sha256.New()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(h, f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

var importedRE = regexp.MustCompile(`Image imported with fingerprint: ([0-9a-f]{64})`)

// lxcImport runs the real `lxc image import` and returns the fingerprint.
func lxcImport(t *testing.T, d *daemontest.Daemon, args ...string) string {
	t.Helper()
	out := d.MustLXC(t, append([]string{"image", "import"}, args...)...)
	m := importedRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no fingerprint in import output: %q", out)
	}
	return m[1]
}

// uploadFile uploads a unified image with our client and waits.
func uploadFile(t *testing.T, c *client.Client, path string, u client.ImageUpload) (*client.Operation, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u.Meta = f
	if u.MetaName == "" {
		u.MetaName = filepath.Base(path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op, err := c.UploadImage(ctx, u)
	if err != nil {
		return nil, err
	}
	return op, op.Wait(ctx)
}

// imageFilesIn lists $LXD_DIR/images (ours and LXD 5.0.2 use the same
// layout: <fp> and <fp>.rootfs).
func imageFilesIn(t *testing.T, d *daemontest.Daemon) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(d.Dir, "images"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// waitOpErr waits for an operation by URL and returns its error text.
func waitOpErr(t *testing.T, d *daemontest.Daemon, opURL string) string {
	t.Helper()
	id := opURL[strings.LastIndex(opURL, "/")+1:]
	if i := strings.Index(id, "?"); i >= 0 {
		id = id[:i]
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op, err := d.Client.OperationByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Wait(ctx); err != nil {
		return err.Error()
	}
	return ""
}

func imageByFP(t *testing.T, c *client.Client, fp string) *api.Image {
	t.Helper()
	img, _, err := c.GetImage(context.Background(), fp)
	if err != nil {
		t.Fatalf("image %s: %v", fp, err)
	}
	return img
}

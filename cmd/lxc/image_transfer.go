package main

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// imageImportArgs sorts the arguments of `image import`: files (or a URL),
// an optional "<remote>:" and key=value properties.
type imageImportArgs struct {
	remote, image, rootfs string
	properties            map[string]string
}

func (a *app) parseImageImportArgs(args []string) (*imageImportArgs, error) {
	out := &imageImportArgs{remote: a.conf.DefaultRemote, properties: map[string]string{}}
	for _, arg := range args {
		k, v, isProp := strings.Cut(arg, "=")
		if _, err := os.Stat(arg); err == nil {
			isProp = false
		}
		switch {
		case isProp:
			out.properties[k] = v
		case strings.HasSuffix(arg, ":"):
			r, err := a.parseServerArg([]string{arg})
			if err != nil {
				return nil, err
			}
			out.remote = r
		case out.image == "":
			out.image = arg
		default:
			out.rootfs = arg
		}
	}
	return out, nil
}

func imageImportCommand(a *app) *cobra.Command {
	var aliases []string
	var public bool
	cmd := &cobra.Command{
		Use:   "import <tarball>|<directory>|<URL> [<rootfs tarball>] [<remote>:] [key=value...]",
		Short: "Import images into the image store",
		Long: `Import image into the image store

Directory import is only available on Linux and must be performed as root.`,
		RunE: withArgCount(1, -1, func(args []string) error {
			ia, err := a.parseImageImportArgs(args)
			if err != nil {
				return err
			}
			c, err := a.connect(ia.remote)
			if err != nil {
				return err
			}
			fp, err := a.importImage(c, ia, public)
			if err != nil {
				return err
			}
			if err := a.ensureImageAliases(c, aliases, fp); err != nil {
				return err
			}
			a.progressDone("Image imported with fingerprint: " + fp)
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&aliases, "alias", nil, "New aliases to add to the image``")
	cmd.Flags().BoolVar(&public, "public", false, "Make image public")
	return cmd
}

// importImage uploads the files (or has the server fetch a URL) and
// returns the new image's fingerprint.
func (a *app) importImage(c *client.Client, ia *imageImportArgs, public bool) (string, error) {
	var op *client.Operation
	var err error
	if strings.HasPrefix(ia.image, "https://") || strings.HasPrefix(ia.image, "http://") {
		req := api.ImagesPost{Source: &api.ImagesPostSource{Type: "url", Mode: "pull", URL: ia.image}}
		req.Public, req.Properties = public, ia.properties
		op, err = c.CreateImage(a.ctx, req)
	} else {
		op, err = a.uploadImageFiles(c, ia, public)
	}
	if err == nil {
		err = a.waitOperation(c, op, "Transferring image")
	}
	if err != nil {
		return "", err
	}
	fp, _ := op.Metadata["fingerprint"].(string)
	return fp, nil
}

func (a *app) uploadImageFiles(c *client.Client, ia *imageImportArgs, public bool) (*client.Operation, error) {
	path := ia.image
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		tarball, err := tarDirectory(path)
		if err != nil {
			return nil, err
		}
		defer os.Remove(tarball)
		path = tarball
	}
	meta, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer meta.Close()
	up := client.ImageUpload{Meta: meta, MetaName: filepath.Base(path), Public: public, Properties: ia.properties}
	if ia.rootfs != "" {
		rootfs, err := os.Open(ia.rootfs)
		if err != nil {
			return nil, err
		}
		defer rootfs.Close()
		up.Rootfs, up.RootfsName = rootfs, filepath.Base(ia.rootfs)
	}
	return c.UploadImage(a.ctx, up)
}

// tarDirectory packs an image directory (metadata.yaml, rootfs/, ...) into
// a temporary gzip tarball, keeping ownership and modes.
func tarDirectory(dir string) (string, error) {
	f, err := os.CreateTemp("", "lxd_image_*.tar.gz")
	if err != nil {
		return "", err
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		return addTarEntry(tw, dir, path)
	})
	for _, closer := range []io.Closer{tw, gz, f} {
		if cerr := closer.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func addTarEntry(tw *tar.Writer, root, path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	link := ""
	if st.Mode()&os.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(st, link)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(root, path)
	hdr.Name = rel
	if st.IsDir() {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.Copy(tw, src)
	return err
}

// ensureImageAliases points each alias at fp, replacing aliases of the
// same name, as LXD's client does after an import or copy.
func (a *app) ensureImageAliases(c *client.Client, names []string, fp string) error {
	if len(names) == 0 {
		return nil
	}
	sorted := append([]string{}, names...)
	sort.Strings(sorted)
	existing, err := c.GetImageAliases(a.ctx)
	if err != nil {
		return err
	}
	for _, alias := range existing {
		if i := sort.SearchStrings(sorted, alias.Name); i < len(sorted) && sorted[i] == alias.Name {
			if err := c.DeleteImageAlias(a.ctx, alias.Name); err != nil {
				return err
			}
		}
	}
	for _, name := range names {
		req := api.ImageAliasesPost{}
		req.Name, req.Target = name, fp
		if err := c.CreateImageAlias(a.ctx, req); err != nil {
			fmt.Fprintf(a.stdout, "Failed to create alias %s\n", name)
		}
	}
	return nil
}

func imageExportCommand(a *app) *cobra.Command {
	var vm bool
	cmd := &cobra.Command{
		Use:   "export [<remote>:]<image> [<target>]",
		Short: "Export and download images",
		Long: `Export and download images

The output target is optional and defaults to the working directory.`,
		RunE: withArgCount(1, 2, func(args []string) error {
			r, fp, err := a.imageArg(args[0], imageType(vm), errImageNotFound)
			if err != nil {
				return err
			}
			target := "."
			if len(args) == 2 {
				target = args[1]
			}
			if err := a.exportImage(r.c, fp, target, len(args) == 2); err != nil {
				return err
			}
			a.progressDone("Image exported successfully!")
			return nil
		}),
	}
	cmd.Flags().BoolVar(&vm, "vm", false, "Query virtual machine images")
	return cmd
}

// exportImage downloads an image: into a directory under the names the
// server gives; to a file path as <target>(.<ext> for unified images) or
// <target> and <target>.root for split ones.
func (a *app) exportImage(c *client.Client, fp, target string, named bool) error {
	st, statErr := os.Stat(target)
	isDir := statErr == nil && st.IsDir()
	metaPath := target
	if isDir {
		metaPath = filepath.Join(target, fp)
	}
	rootfsPath := metaPath + ".root"
	meta, err := os.Create(metaPath)
	if err != nil {
		return err
	}
	defer meta.Close()
	rootfs, err := os.Create(rootfsPath)
	if err != nil {
		return err
	}
	defer rootfs.Close()
	files, err := c.ExportImage(a.ctx, fp, "", meta, rootfs)
	if err != nil {
		os.Remove(metaPath)
		os.Remove(rootfsPath)
		return err
	}
	if files.RootfsSize == 0 {
		os.Remove(rootfsPath)
	}
	switch {
	case isDir:
		if files.MetaName != "" {
			if err := os.Rename(metaPath, filepath.Join(target, files.MetaName)); err != nil {
				return err
			}
		}
		if files.RootfsSize > 0 && files.RootfsName != "" {
			return os.Rename(rootfsPath, filepath.Join(target, files.RootfsName))
		}
	case files.RootfsSize == 0 && named && files.MetaName != "":
		if _, ext, ok := strings.Cut(files.MetaName, "."); ok {
			return os.Rename(metaPath, metaPath+"."+ext)
		}
	}
	return nil
}

// errSameServer refuses a copy onto the source server.
var errSameServer = errors.New("The source and target servers must be different")

package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// imageCommand is `lxc image`: listing in image_list.go, aliases in
// image_alias.go, import/export/copy in image_transfer.go.
func imageCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Long: `Manage images

In LXD instances are created from images. Those images were themselves
either generated from an existing instance or downloaded from an image
server.

When using remote images, LXD will automatically cache images for you
and remove them upon expiration.

The image unique identifier is the hash (sha-256) of its representation
as a compressed tarball (or for split images, the concatenation of the
metadata and rootfs tarballs).

Images can be referenced by their full hash, shortest unique partial
hash or alias name (if one is set).`,
		RunE: groupRunE,
	}
	cmd.AddCommand(imageAliasCommand(a), imageCopyCommand(a), imageDeleteCommand(a), imageEditCommand(a),
		imageExportCommand(a), imageGetPropertyCommand(a), imageImportCommand(a), imageInfoCommand(a),
		imageListCommand(a), imageRefreshCommand(a), imageSetPropertyCommand(a), imageShowCommand(a),
		imageUnsetPropertyCommand(a))
	return cmd
}

// imageType is the alias type an image command looks for.
func imageType(vm bool) string {
	if vm {
		return api.ImageTypeVirtualMachine
	}
	return api.ImageTypeContainer
}

// dereferenceAlias turns an alias (of the given type, "" for any) into its
// fingerprint; anything else is taken as a fingerprint (prefix).
func (a *app) dereferenceAlias(c *client.Client, name, aliasType string) string {
	alias, _, err := c.GetImageAlias(a.ctx, name)
	if err != nil || (aliasType != "" && alias.Type != "" && alias.Type != aliasType) {
		return name
	}
	return alias.Target
}

// Errors for a missing image name, which differ between commands in LXD.
var (
	errImageNotFound = errors.New("Image not found")
	errImageMissing  = errors.New("Image identifier missing")
)

// imageArg parses "[<remote>:]<image>" and resolves the image; an empty
// name fails with missing (nil: "Image identifier missing: <arg>").
func (a *app) imageArg(arg, aliasType string, missing error) (*resource, string, error) {
	r, err := a.resourceArg(arg, "")
	if err != nil {
		return nil, "", err
	}
	if r.name == "" {
		if missing == nil {
			missing = fmt.Errorf("Image identifier missing: %s", arg)
		}
		return nil, "", missing
	}
	return r, a.dereferenceAlias(r.c, r.name, aliasType), nil
}

func imageDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<image> [[<remote>:]<image>...]",
		Aliases: []string{"rm"},
		Short:   "Delete images",
		RunE: withArgCount(1, -1, func(args []string) error {
			for _, arg := range args {
				r, fp, err := a.imageArg(arg, "", errImageMissing)
				if err != nil {
					return err
				}
				op, err := r.c.DeleteImage(a.ctx, fp)
				if err == nil {
					err = a.waitOperation(r.c, op, "")
				}
				if err != nil {
					return err
				}
			}
			return nil
		}),
	}
}

const imageEditHeader = `### This is a YAML representation of the image properties.
### Any line starting with a '# will be ignored.
###
### Each property is represented by a single line:
### An example would be:
###  description: My custom image
`

func imageEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<image>",
		Short: "Edit image properties",
		Example: `  lxc image edit <image>
      Launch a text editor to edit the properties

  lxc image edit <image> < image.yaml
      Load the image properties from a YAML file`,
		RunE: withArgCount(1, 1, func(args []string) error {
			r, fp, err := a.imageArg(args[0], "", nil)
			if err != nil {
				return err
			}
			return editObject(a, objectEdit[api.ImagePut]{
				header: imageEditHeader,
				get: func() (any, string, error) {
					img, etag, err := r.c.GetImage(a.ctx, fp)
					if err != nil {
						return nil, "", err
					}
					put := img.Writable()
					return &put, etag, nil
				},
				put: func(put api.ImagePut, etag string) error {
					return r.c.UpdateImage(a.ctx, fp, put, etag)
				},
			})
		}),
	}
}

func imageShowCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "show [<remote>:]<image>", Short: "Show image properties"}
	return a.imageReadCommand(cmd, func(img *api.Image) error {
		put := img.Writable()
		return printYAML(a.stdout, &put)
	})
}

func imageInfoCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "info [<remote>:]<image>", Short: "Show useful information about images"}
	return a.imageReadCommand(cmd, func(img *api.Image) error {
		writeImageInfo(a.stdout, img)
		return nil
	})
}

// imageReadCommand fills cmd into a command that prints one image (show,
// info): its argument names the image, --vm looks among VM images.
func (a *app) imageReadCommand(cmd *cobra.Command, render func(*api.Image) error) *cobra.Command {
	var vm bool
	cmd.RunE = withArgCount(1, 1, func(args []string) error {
		r, fp, err := a.imageArg(args[0], imageType(vm), errImageNotFound)
		if err != nil {
			return err
		}
		img, _, err := r.c.GetImage(a.ctx, fp)
		if err != nil {
			return err
		}
		return render(img)
	})
	cmd.Flags().BoolVar(&vm, "vm", false, "Query virtual machine images")
	return cmd
}

// timeIsSet is false for the zero time and the Unix epoch (LXD's "unset").
func timeIsSet(t time.Time) bool { return !t.IsZero() && t.Unix() > 0 }

// writeImageInfo renders `lxc image info`. Properties are sorted (LXD
// prints them in map order).
func writeImageInfo(w io.Writer, img *api.Image) {
	const layout = "2006/01/02 15:04 UTC"
	fmt.Fprintf(w, "Fingerprint: %s\n", img.Fingerprint)
	fmt.Fprintf(w, "Size: %s\n", imageSize(img.Size))
	fmt.Fprintf(w, "Architecture: %s\n", img.Architecture)
	fmt.Fprintf(w, "Type: %s\n", orDefault(img.Type, api.ImageTypeContainer))
	fmt.Fprintf(w, "Public: %s\n", yesNoLower(img.Public))
	fmt.Fprintf(w, "Timestamps:\n")
	if timeIsSet(img.CreatedAt) {
		fmt.Fprintf(w, "    Created: %s\n", img.CreatedAt.UTC().Format(layout))
	}
	fmt.Fprintf(w, "    Uploaded: %s\n", img.UploadedAt.UTC().Format(layout))
	never := func(t time.Time) string {
		if timeIsSet(t) {
			return t.UTC().Format(layout)
		}
		return "never"
	}
	fmt.Fprintf(w, "    Expires: %s\n", never(img.ExpiresAt))
	fmt.Fprintf(w, "    Last used: %s\n", never(img.LastUsedAt))
	fmt.Fprintf(w, "Properties:\n")
	keys := make([]string, 0, len(img.Properties))
	for k := range img.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "    %s: %s\n", k, img.Properties[k])
	}
	fmt.Fprintf(w, "Aliases:\n")
	for _, alias := range img.Aliases {
		if alias.Description != "" {
			fmt.Fprintf(w, "    - %s (%s)\n", alias.Name, alias.Description)
		} else {
			fmt.Fprintf(w, "    - %s\n", alias.Name)
		}
	}
	fmt.Fprintf(w, "Cached: %s\n", yesNoLower(img.Cached))
	autoUpdate := "disabled"
	if img.AutoUpdate {
		autoUpdate = "enabled"
	}
	fmt.Fprintf(w, "Auto update: %s\n", autoUpdate)
	if src := img.UpdateSource; src != nil {
		fmt.Fprintf(w, "Source:\n")
		fmt.Fprintf(w, "    Server: %s\n", src.Server)
		fmt.Fprintf(w, "    Protocol: %s\n", src.Protocol)
		fmt.Fprintf(w, "    Alias: %s\n", src.Alias)
	}
	if len(img.Profiles) == 0 {
		fmt.Fprintf(w, "Profiles: []\n")
	} else {
		fmt.Fprintf(w, "Profiles:\n")
		for _, p := range img.Profiles {
			fmt.Fprintf(w, "    - %s\n", p)
		}
	}
}

func yesNoLower(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// imageSize is LXD's image size format (MiB with an "MB" suffix).
func imageSize(n int64) string { return fmt.Sprintf("%.2fMB", float64(n)/1024.0/1024.0) }

func imageRefreshCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "refresh [<remote>:]<image> [[<remote>:]<image>...]",
		Short: "Refresh images",
		RunE: withArgCount(1, -1, func(args []string) error {
			for _, arg := range args {
				r, err := a.resourceArg(arg, "Image identifier missing")
				if err != nil {
					return err
				}
				fp := a.dereferenceAlias(r.c, r.name, "")
				op, err := r.c.RefreshImage(a.ctx, fp)
				if err == nil {
					err = a.waitOperation(r.c, op, "Refreshing the image")
				}
				if err != nil {
					return err
				}
				if refreshed, _ := op.Metadata["refreshed"].(bool); refreshed {
					a.progressDone("Image refreshed successfully!")
				} else {
					a.progressDone("Image already up to date.")
				}
			}
			return nil
		}),
	}
}

func imageGetPropertyCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "get-property [<remote>:]<image> <key>",
		Short: "Get image properties",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, fp, err := a.imageArg(args[0], "", errImageNotFound)
			if err != nil {
				return err
			}
			img, _, err := r.c.GetImage(a.ctx, fp)
			if err != nil {
				return err
			}
			v, ok := img.Properties[args[1]]
			if !ok {
				return errors.New("Property not found")
			}
			fmt.Fprintln(a.stdout, v)
			return nil
		}),
	}
}

// setImageProperty sets (or with unset, removes) one image property.
func (a *app) setImageProperty(arg, key, value string, unset bool) error {
	r, fp, err := a.imageArg(arg, "", nil)
	if err != nil {
		return err
	}
	img, etag, err := r.c.GetImage(a.ctx, fp)
	if err != nil {
		return err
	}
	put := img.Writable()
	if put.Properties == nil {
		put.Properties = map[string]string{}
	}
	if unset {
		delete(put.Properties, key)
	} else {
		put.Properties[key] = value
	}
	return r.c.UpdateImage(a.ctx, fp, put, etag)
}

func imageSetPropertyCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "set-property [<remote>:]<image> <key> <value>",
		Short: "Set image properties",
		RunE: withArgCount(3, 3, func(args []string) error {
			return a.setImageProperty(args[0], args[1], args[2], false)
		}),
	}
}

func imageUnsetPropertyCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unset-property [<remote>:]<image> <key>",
		Short: "Unset image properties",
		RunE: withArgCount(2, 2, func(args []string) error {
			return a.setImageProperty(args[0], args[1], "", true)
		}),
	}
}

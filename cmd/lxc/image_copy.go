package main

import (
	"errors"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

type imageCopyFlags struct {
	aliases       []string
	autoUpdate    bool
	copyAliases   bool
	mode          string
	public        bool
	targetProject string
	vm            bool
}

func imageCopyCommand(a *app) *cobra.Command {
	f := &imageCopyFlags{}
	cmd := &cobra.Command{
		Use:     "copy [<remote>:]<image> <remote>:",
		Aliases: []string{"cp"},
		Short:   "Copy images between servers",
		Long: `Copy images between servers

The auto-update flag instructs the server to keep this image up to date.
It requires the source to be an alias and for it to be public.`,
		RunE: withArgCount(2, 2, func(args []string) error {
			if err := a.imageCopy(args, f); err != nil {
				return err
			}
			a.progressDone("Image copied successfully!")
			return nil
		}),
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.aliases, "alias", nil, "New aliases to add to the image``")
	fl.BoolVar(&f.autoUpdate, "auto-update", false, "Keep the image up to date after initial copy")
	fl.BoolVar(&f.copyAliases, "copy-aliases", false, "Copy aliases from source")
	fl.StringVar(&f.mode, "mode", "pull", "Transfer mode. One of pull (default), push or relay``")
	fl.BoolVar(&f.public, "public", false, "Make image public")
	fl.StringVar(&f.targetProject, "target-project", "", "Copy to a project different from the source``")
	fl.BoolVar(&f.vm, "vm", false, "Copy virtual machine images")
	return cmd
}

// imageCopy copies an image to another server in pull (the target fetches
// it), push (the source sends it) or relay (through this client) mode, then
// sets the aliases on the target.
func (a *app) imageCopy(args []string, f *imageCopyFlags) error {
	if f.mode != "pull" && f.mode != "push" && f.mode != "relay" {
		return errors.New("Invalid transfer mode, must be one of pull, push or relay")
	}
	src, err := a.resourceArg(args[0], "")
	if err != nil {
		return err
	}
	dstRemote, _, err := a.parseRemote(args[1])
	if err != nil {
		return err
	}
	dst, err := a.connect(dstRemote)
	if err != nil {
		return err
	}
	if f.targetProject != "" {
		dst = dst.WithProject(f.targetProject)
	}
	aliasName := src.name
	fp := a.dereferenceAlias(src.c, src.name, imageType(f.vm))
	if fp == src.name {
		aliasName = ""
	}
	img, _, err := src.c.GetImage(a.ctx, fp)
	if err != nil {
		return err
	}
	if src.remote == dstRemote {
		return errSameServer
	}
	aliases := append([]string{}, f.aliases...)
	if f.copyAliases {
		for _, alias := range img.Aliases {
			aliases = append(aliases, alias.Name)
		}
	}
	switch f.mode {
	case "relay":
		err = a.relayImage(src.c, dst, img, f.public)
	case "push":
		err = a.pushImage(src.c, dst, img, f)
	default:
		err = a.pullImage(src.c, dst, img, aliasName, f)
	}
	if err != nil {
		return err
	}
	return a.ensureImageAliases(dst, aliases, img.Fingerprint)
}

// serverEndpoint is the HTTPS address and certificate another server uses
// to reach c.
func (a *app) serverEndpoint(c *client.Client) (string, string, error) {
	srv, _, err := c.GetServer(a.ctx)
	if err != nil {
		return "", "", err
	}
	if strings.HasPrefix(c.URL(), "https://") {
		return c.URL(), srv.Environment.Certificate, nil
	}
	if len(srv.Environment.Addresses) == 0 {
		return "", "", errors.New("The source server isn't listening on the network")
	}
	return "https://" + srv.Environment.Addresses[0], srv.Environment.Certificate, nil
}

func (a *app) pullImage(src, dst *client.Client, img *api.Image, aliasName string, f *imageCopyFlags) error {
	server, cert, err := a.serverEndpoint(src)
	if err != nil {
		return err
	}
	source := &api.ImagesPostSource{Type: "image", Mode: "pull", Fingerprint: img.Fingerprint}
	source.Server, source.Certificate, source.Protocol, source.Alias = server, cert, "lxd", aliasName
	source.ImageType = img.Type
	if !img.Public {
		op, err := src.CreateImageSecret(a.ctx, img.Fingerprint)
		if err != nil {
			return err
		}
		source.Secret, _ = op.Metadata["secret"].(string)
	}
	req := api.ImagesPost{Source: source}
	req.Public, req.AutoUpdate = f.public, f.autoUpdate
	op, err := dst.CreateImage(a.ctx, req)
	if err != nil {
		return err
	}
	return a.waitOperation(dst, op, "Copying the image")
}

func (a *app) pushImage(src, dst *client.Client, img *api.Image, f *imageCopyFlags) error {
	server, cert, err := a.serverEndpoint(dst)
	if err != nil {
		return err
	}
	req := api.ImagesPost{Source: &api.ImagesPostSource{Type: "image", Mode: "push", Fingerprint: img.Fingerprint}}
	req.Public, req.AutoUpdate, req.Properties = f.public, f.autoUpdate, img.Properties
	req.Filename = img.Filename
	op, err := dst.CreateImage(a.ctx, req)
	if err != nil {
		return err
	}
	secret, _ := op.Metadata["secret"].(string)
	push, err := src.PushImage(a.ctx, img.Fingerprint, api.ImageExportPost{
		Target: server, Secret: secret, Certificate: cert, Project: dst.Project()})
	if err == nil {
		err = a.waitOperation(src, push, "Copying the image")
	}
	if err != nil {
		return err
	}
	return op.Wait(a.ctx)
}

// relayImage downloads the image here and uploads it to the target.
func (a *app) relayImage(src, dst *client.Client, img *api.Image, public bool) error {
	meta, err := os.CreateTemp("", "lxd_image_meta_")
	if err != nil {
		return err
	}
	defer os.Remove(meta.Name())
	defer meta.Close()
	rootfs, err := os.CreateTemp("", "lxd_image_rootfs_")
	if err != nil {
		return err
	}
	defer os.Remove(rootfs.Name())
	defer rootfs.Close()
	files, err := src.ExportImage(a.ctx, img.Fingerprint, "", meta, rootfs)
	if err != nil {
		return err
	}
	up := client.ImageUpload{Meta: meta, MetaName: files.MetaName, Public: public,
		Properties: img.Properties, Fingerprint: img.Fingerprint}
	if _, err := meta.Seek(0, 0); err != nil {
		return err
	}
	if files.RootfsSize > 0 {
		if _, err := rootfs.Seek(0, 0); err != nil {
			return err
		}
		up.Rootfs, up.RootfsName, up.RootfsPart = rootfs, files.RootfsName, files.RootfsPart
	}
	op, err := dst.UploadImage(a.ctx, up)
	if err == nil {
		err = a.waitOperation(dst, op, "Copying the image")
	}
	return err
}

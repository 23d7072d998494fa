package images

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// Create handles POST /1.0/images with a JSON body: a copy from another
// server (pull), the target side of a push, a publish, or a URL.
func (s *Service) Create(ctx context.Context, project string, req api.ImagesPost) (*operations.Op, error) {
	if req.CompressionAlgorithm != "" {
		if _, err := imagefile.ParseCompression(req.CompressionAlgorithm); err != nil {
			return nil, err
		}
	}
	src := req.Source
	if src == nil {
		return nil, api.BadRequest("Missing image source")
	}
	if src.Mode == "push" {
		return s.StartPushToken(ctx, project, req)
	}
	switch src.Type {
	case "image":
		return s.startPull(ctx, project, req)
	case "instance", "container", "virtual-machine", "snapshot":
		return s.startPublish(ctx, project, req)
	case "url":
		return nil, api.BadRequest("Image download from a URL is not supported on this server (no access to outside networks)")
	}
	return nil, api.BadRequest("Invalid images JSON")
}

// remote connects to another LXD server over HTTPS, pinning certPEM when
// given and presenting this server's certificate.
func (s *Service) remote(server, certPEM, project string) (*client.Client, error) {
	if !strings.HasPrefix(server, "https://") {
		return nil, api.BadRequest("Only https:// image servers are supported: %q", server)
	}
	c, err := client.ConnectHTTPS(server, &client.Options{ClientCert: s.o.Cert, ServerCertPEM: []byte(certPEM)})
	if err != nil {
		return nil, fmt.Errorf("Failed to connect to %s: %w", server, err)
	}
	if project != "" {
		c = c.WithProject(project)
	}
	return c, nil
}

func (s *Service) startPull(ctx context.Context, project string, req api.ImagesPost) (*operations.Op, error) {
	src := req.Source
	if src.Protocol != "" && src.Protocol != "lxd" {
		return nil, api.BadRequest("Unsupported image server protocol %q (only \"lxd\" is available)", src.Protocol)
	}
	if src.Server == "" {
		return nil, api.BadRequest("Missing image server")
	}
	if src.Fingerprint == "" && src.Alias == "" {
		return nil, api.BadRequest("Must specify one of alias or fingerprint for init from image")
	}
	if _, err := s.resolveProject(ctx, project); err != nil {
		return nil, err
	}
	who := request.From(ctx)
	return s.o.Ops.Start(ctx, operations.Spec{Project: project, Description: "Downloading image"},
		func(ctx context.Context, op *operations.Op) error {
			_, err := s.pull(ctx, op, project, req, who)
			return err
		})
}

// pull copies an image from another server into project.
func (s *Service) pull(ctx context.Context, op *operations.Op, project string, req api.ImagesPost, who *request.Requestor) (api.Image, error) {
	src := req.Source
	c, err := s.remote(src.Server, src.Certificate, src.Project)
	if err != nil {
		return api.Image{}, err
	}
	// As in LXD, the fingerprint field may hold an alias (lxc image copy
	// --auto-update sends the alias there so that it is recorded): try the
	// name as an alias first.
	name := src.Alias
	if name == "" {
		name = src.Fingerprint
	}
	fp := name
	if alias, _, err := c.GetImageAlias(ctx, name); err == nil {
		fp = alias.Target
	} else if src.Fingerprint == "" {
		return api.Image{}, fmt.Errorf("Failed to resolve alias %q on %s: %w", name, src.Server, err)
	}
	info, _, err := c.GetImageSecret(ctx, fp, src.Secret)
	if err != nil {
		return api.Image{}, fmt.Errorf("Failed to get image %q from %s: %w", fp, src.Server, err)
	}
	if existing, err := s.row(ctx, project, info.Fingerprint); err == nil {
		// Already here: the copy succeeds without downloading, as in LXD.
		op.SetMetadata(map[string]any{"fingerprint": existing.Fingerprint, "size": strconv.FormatInt(existing.Size, 10)})
		return render(existing), nil
	}
	opts := ImportOpts{
		Project: project, Filename: info.Filename, Public: req.Public, AutoUpdate: req.AutoUpdate,
		Properties: merge(info.Properties, req.Properties), Profiles: req.Profiles, ExpiresAt: req.ExpiresAt,
		Aliases: req.Aliases, Fingerprint: info.Fingerprint, CreatedAt: info.CreatedAt,
		Source: map[string]string{"server": src.Server, "protocol": "lxd", "certificate": src.Certificate,
			"alias": name, "image_type": info.Type, "project": src.Project},
	}
	return s.download(ctx, op, c, info, src.Secret, opts, who)
}

// download streams an image export from c into staging and imports it.
func (s *Service) download(ctx context.Context, op *operations.Op, c *client.Client, info *api.Image, secret string, opts ImportOpts, who *request.Requestor) (api.Image, error) {
	st, err := s.newStaging()
	if err != nil {
		return api.Image{}, err
	}
	defer st.remove()
	if op != nil {
		rate := &rateTracker{start: timeNow(), total: info.Size}
		st.progress = func(received int64) {
			if msg := rate.format(received); msg != "" {
				op.SetMetadata(map[string]any{"download_progress": msg})
			}
		}
	}
	meta, rootfs := st.metaSink(), st.rootfsSink()
	files, err := c.ExportImage(ctx, info.Fingerprint, secret, meta, rootfs)
	if cerr := meta.Close(); err == nil {
		err = cerr
	}
	if cerr := rootfs.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if ctx.Err() != nil {
			return api.Image{}, ctx.Err()
		}
		return api.Image{}, fmt.Errorf("Failed to download image %q: %w", info.Fingerprint, err)
	}
	st.metaName, st.rootfsName, st.rootfsPart = files.MetaName, files.RootfsName, files.RootfsPart
	return s.importStaged(ctx, op, st, opts, who)
}

func merge(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// Push is the source side of a push copy (POST /1.0/images/<fp>/export):
// upload image fp of project to req.Target with the secret it handed out.
func (s *Service) Push(ctx context.Context, project, fp string, req api.ImageExportPost) (*operations.Op, error) {
	row, err := s.row(ctx, project, fp)
	if err != nil {
		return nil, err
	}
	if req.Target == "" {
		return nil, api.BadRequest("Missing target server")
	}
	return s.o.Ops.Start(ctx, operations.Spec{Project: project, Description: "Downloading image"},
		func(ctx context.Context, op *operations.Op) error {
			c, err := s.remote(req.Target, req.Certificate, req.Project)
			if err != nil {
				return err
			}
			return s.pushTo(ctx, c, render(row), req)
		})
}

func (s *Service) pushTo(ctx context.Context, c *client.Client, img api.Image, req api.ImageExportPost) error {
	metaPath, rootfsPath := s.Files(img.Fingerprint)
	meta, err := os.Open(metaPath)
	if err != nil {
		return fmt.Errorf("Failed to open image file: %w", err)
	}
	defer meta.Close()
	u := client.ImageUpload{Meta: meta, MetaName: img.Filename, Fingerprint: img.Fingerprint, Secret: req.Secret,
		Public: img.Public, Properties: img.Properties, Profiles: req.Profiles}
	if rootfsPath != "" {
		rootfs, err := os.Open(rootfsPath)
		if err != nil {
			return fmt.Errorf("Failed to open image file: %w", err)
		}
		defer rootfs.Close()
		u.Rootfs, u.RootfsName = rootfs, img.Fingerprint+fileExtension(rootfsPath)
		if img.Type == api.ImageTypeVirtualMachine {
			u.RootfsPart = "rootfs.img"
		}
	}
	remoteOp, err := c.UploadImage(ctx, u)
	if err != nil {
		return fmt.Errorf("Failed to push image to %s: %w", req.Target, err)
	}
	if err := remoteOp.WaitSecret(ctx); err != nil {
		return fmt.Errorf("Failed to push image to %s: %w", req.Target, err)
	}
	return nil
}

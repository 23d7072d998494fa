package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// Publisher turns an instance or snapshot into a unified image tarball.
// The instance service implements it and installs it with SetPublisher;
// until then POST /1.0/images with an instance or snapshot source is a
// 400.
//
// Publish stops or freezes what it must, then streams the tarball
// (imagefile.Pack: metadata.yaml with the instance's architecture and
// req.Properties, templates/, rootfs/) compressed with req.Compression into
// w, and returns. It must not buffer the image. The image service hashes
// the stream to disk, runs the same checks as for an upload, records the
// image and emits image-created; the publisher only produces bytes.
type Publisher interface {
	Publish(ctx context.Context, req PublishRequest, w io.Writer) error
}

// PublishRequest names what to publish.
type PublishRequest struct {
	Project     string
	Instance    string
	Snapshot    string // "" publishes the instance itself
	Compression imagefile.Compression
	Properties  map[string]string
}

func (s *Service) startPublish(ctx context.Context, project string, req api.ImagesPost) (*operations.Op, error) {
	pub := s.o.Publisher
	if pub == nil {
		return nil, api.BadRequest("Publishing instances as images is not supported yet")
	}
	compression, err := imagefile.ParseCompression(req.CompressionAlgorithm)
	if err != nil {
		return nil, err
	}
	preq := PublishRequest{Project: project, Instance: req.Source.Name, Compression: compression, Properties: req.Properties}
	if req.Source.Type == "snapshot" {
		inst, snap, ok := strings.Cut(req.Source.Name, "/")
		if !ok || inst == "" || snap == "" {
			return nil, api.BadRequest("Invalid snapshot name %q", req.Source.Name)
		}
		preq.Instance, preq.Snapshot = inst, snap
	}
	who := request.From(ctx)
	opts := ImportOpts{Project: project, Filename: req.Filename, Public: req.Public, AutoUpdate: req.AutoUpdate,
		Properties: req.Properties, Profiles: req.Profiles, ExpiresAt: req.ExpiresAt, Aliases: req.Aliases}
	return s.o.Ops.Start(ctx, operations.Spec{Project: project, Description: "Downloading image"},
		func(ctx context.Context, op *operations.Op) error {
			st, err := s.newStaging()
			if err != nil {
				return err
			}
			defer st.remove()
			// LXD's clients print "Publishing instance: Image pack: ...".
			rate := &rateTracker{start: timeNow()}
			st.progress = func(written int64) {
				if msg := rate.format(written); msg != "" {
					op.SetMetadata(map[string]any{"create_image_from_container_pack_progress": "Image pack: " + msg})
				}
			}
			sink := st.metaSink()
			err = pub.Publish(ctx, preq, sink)
			if cerr := sink.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			_, err = s.importStaged(ctx, op, st, opts, who)
			return err
		})
}

// Image returns the image of project named by an alias or a fingerprint
// (prefix), for instance creation. Aliases win, as in LXD.
func (s *Service) Image(ctx context.Context, project, fingerprintOrAlias string) (api.Image, error) {
	var row db.Image
	// Only reads: a read-only transaction does not queue behind the
	// writes of parallel creates on the one read-write connection.
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := imageProject(ctx, tx, project)
		if err != nil {
			return err
		}
		fp := fingerprintOrAlias
		if a, err := tx.ImageAlias(ctx, p, fingerprintOrAlias); err == nil {
			fp = a.Fingerprint
		}
		row, err = tx.ImageByFingerprintPrefix(ctx, p, fp)
		return err
	})
	if err != nil {
		return api.Image{}, err
	}
	return render(row), nil
}

// UnpackInto extracts image fp into the existing directory target (the
// caller's new volume): metadata.yaml, templates/ and rootfs/. Device
// nodes and hostile entries are refused (uploads were checked already; this
// is the second line). On error target may hold a partial tree: the caller
// removes it. Virtual-machine images cannot be unpacked.
func (s *Service) UnpackInto(ctx context.Context, fp, target string) error {
	if err := s.EnsureLocal(ctx, fp); err != nil {
		return err
	}
	metaPath, rootfsPath := s.Files(fp)
	if _, err := os.Stat(metaPath); err != nil {
		return api.NotFound("Image not found")
	}
	opts := imagefile.UnpackOpts{Layout: imagefile.LayoutImage}
	if err := imagefile.UnpackFile(ctx, metaPath, target, opts); err != nil {
		return fmt.Errorf("Failed to unpack image %q: %w", fp, err)
	}
	if rootfsPath == "" {
		return nil
	}
	if head, _ := fileHead(rootfsPath, 4); string(head) == string(qcow2Magic) {
		return api.BadRequest("Virtual-machine image %q cannot be unpacked into a directory", fp)
	}
	rootfs := filepath.Join(target, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("Failed to create %q: %w", rootfs, err)
	}
	opts.Layout = imagefile.LayoutRootfs
	if err := imagefile.UnpackFile(ctx, rootfsPath, rootfs, opts); err != nil {
		return fmt.Errorf("Failed to unpack image %q: %w", fp, err)
	}
	return nil
}

// MarkUsed records that an instance was created from image fp now.
func (s *Service) MarkUsed(ctx context.Context, fp string) error {
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.MarkImageUsed(ctx, fp, time.Now().UTC())
	})
}

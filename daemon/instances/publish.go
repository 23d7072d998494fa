package instances

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/shared/api"
)

// PublishRequest names what to turn into an image.
type PublishRequest struct {
	Project     string
	Instance    string
	Snapshot    string // "" publishes the instance itself
	Compression imagefile.Compression
	Properties  map[string]string
}

// Publish streams a unified image tarball of a stopped instance or of a
// snapshot into w: its rootfs, its templates and a metadata.yaml with the
// instance's architecture, a new creation date and the image's properties
// (the instance's own metadata properties overridden by req.Properties).
func (s *Service) Publish(ctx context.Context, req PublishRequest, w io.Writer) error {
	unlock, err := s.lockInstance(ctx, req.Project, req.Instance)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.load(ctx, req.Project, req.Instance)
	if err != nil {
		return err
	}
	if req.Snapshot == "" && s.driverStatus(ctx, rec) != api.Stopped {
		return api.BadRequest("The instance is currently running, stop it first")
	}
	if req.Snapshot != "" {
		if _, _, err := s.loadSnapshot(ctx, req.Project, req.Instance, req.Snapshot); err != nil {
			return err
		}
	}
	return s.withVolume(ctx, rec.volume(), req.Snapshot, func(path string) error {
		meta, err := publishMetadata(path, rec.row.Architecture, req.Properties)
		if err != nil {
			return err
		}
		o := imagefile.PackOpts{Rootfs: filepath.Join(path, "rootfs"), Metadata: meta, Compression: req.Compression}
		if st, err := os.Lstat(filepath.Join(path, "templates")); err == nil && st.IsDir() {
			o.TemplatesDir = filepath.Join(path, "templates")
		}
		return imagefile.Pack(ctx, w, o)
	})
}

// publishMetadata builds the metadata.yaml of a published image from the
// instance's own (if any).
func publishMetadata(volume, arch string, props map[string]string) ([]byte, error) {
	var meta imagefile.Metadata
	data, err := os.ReadFile(filepath.Join(volume, "metadata.yaml"))
	switch {
	case err == nil:
		if meta, err = imagefile.ParseMetadata(data); err != nil {
			return nil, fmt.Errorf("Failed to parse the instance's metadata.yaml: %w", err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	meta.Architecture = arch
	meta.CreationDate = time.Now().Unix()
	if meta.Properties == nil {
		meta.Properties = map[string]string{}
	}
	for k, v := range props {
		meta.Properties[k] = v
	}
	return yaml.Marshal(meta)
}

package imagefile

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/shared/api"
)

// Size limits on image metadata, against memory exhaustion by hostile
// images. Real metadata.yaml files are a few KiB; templates a few hundred
// bytes.
const (
	MaxMetadataSize = 1 << 20
	MaxTemplateSize = 1 << 20
	maxTemplates    = 4096
)

// Template triggers.
const (
	TriggerCreate = "create"
	TriggerCopy   = "copy"
	TriggerStart  = "start"
	TriggerRename = "rename"
)

// Metadata is an image's metadata.yaml.
type Metadata struct {
	Architecture string               `yaml:"architecture"`
	CreationDate int64                `yaml:"creation_date"`
	ExpiryDate   int64                `yaml:"expiry_date"`
	Properties   map[string]string    `yaml:"properties"`
	Templates    map[string]*Template `yaml:"templates"`
}

// Template is one templates: entry of metadata.yaml, keyed by the path it
// renders to inside the instance.
type Template struct {
	When       []string          `yaml:"when"`
	CreateOnly bool              `yaml:"create_only"`
	Template   string            `yaml:"template"`
	Properties map[string]string `yaml:"properties"`
}

// Runs reports whether the template applies to trigger.
func (t *Template) Runs(trigger string) bool {
	for _, w := range t.When {
		if w == trigger {
			return true
		}
	}
	return false
}

// ParseMetadata parses and validates metadata.yaml content. Invalid
// content is a 400.
func ParseMetadata(data []byte) (Metadata, error) {
	var m Metadata
	if len(data) > MaxMetadataSize {
		return m, api.BadRequest("Image metadata.yaml is larger than %d bytes", MaxMetadataSize)
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return Metadata{}, api.BadRequest("Failed to parse image metadata.yaml: %w", err)
	}
	if err := m.Validate(); err != nil {
		return Metadata{}, err
	}
	return m, nil
}

// Validate checks what the daemon relies on: an architecture, and template
// entries whose file names stay inside templates/ and whose targets are
// absolute paths.
func (m *Metadata) Validate() error {
	if m.Architecture == "" {
		return api.BadRequest("Invalid image metadata.yaml: missing architecture")
	}
	if len(m.Templates) > maxTemplates {
		return api.BadRequest("Invalid image metadata.yaml: more than %d templates", maxTemplates)
	}
	for target, tpl := range m.Templates {
		if tpl == nil {
			return api.BadRequest("Invalid image metadata.yaml: empty template entry for %q", target)
		}
		if !path.IsAbs(target) || strings.IndexByte(target, 0) >= 0 {
			return api.BadRequest("Invalid image metadata.yaml: template target %q is not an absolute path", target)
		}
		if _, err := CleanTemplateName(tpl.Template); err != nil {
			return err
		}
	}
	return nil
}

// CleanTemplateName validates a template file name from metadata.yaml and
// returns it relative to the templates directory.
func CleanTemplateName(name string) (string, error) {
	clean := path.Clean(name)
	if name == "" || path.IsAbs(name) || clean == "." || clean == ".." ||
		strings.HasPrefix(clean, "../") || strings.IndexByte(name, 0) >= 0 {
		return "", api.BadRequest("Invalid template file name %q", name)
	}
	return clean, nil
}

// ReadMetadata reads metadata.yaml out of an image tarball (unified, or the
// metadata half of a split image), in any supported compression, without
// extracting anything. It also returns the raw bytes.
func ReadMetadata(ctx context.Context, r io.Reader) (Metadata, []byte, error) {
	dr, _, err := Decompress(r)
	if err != nil {
		return Metadata{}, nil, err
	}
	defer dr.Close()
	tr := tar.NewReader(ctxReader{ctx: ctx, r: dr})
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return Metadata{}, nil, api.BadRequest("Image has no metadata.yaml")
		}
		if err != nil {
			return Metadata{}, nil, tarError(ctx, err)
		}
		name, err := cleanEntryName(hdr.Name)
		if err != nil || name != "metadata.yaml" {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return Metadata{}, nil, api.BadRequest("Image metadata.yaml is not a regular file")
		}
		if hdr.Size > MaxMetadataSize {
			return Metadata{}, nil, api.BadRequest("Image metadata.yaml is larger than %d bytes", MaxMetadataSize)
		}
		data, err := io.ReadAll(io.LimitReader(tr, MaxMetadataSize+1))
		if err != nil {
			return Metadata{}, nil, tarError(ctx, err)
		}
		m, err := ParseMetadata(data)
		return m, data, err
	}
}

// tarError turns a read failure into a 400 unless the context ended.
func tarError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return api.BadRequest("Invalid image tarball: %w", err)
}

// ctxReader stops a long stream when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// cleanEntryName validates a tar entry name and returns it relative to the
// archive root without "./" or a trailing "/" ("" for the root itself).
// Absolute names and any ".." component are refused.
func cleanEntryName(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", api.BadRequest("Invalid tar entry name %q", name)
	}
	if strings.HasPrefix(name, "/") {
		return "", api.BadRequest("Tar entry %q has an absolute path", name)
	}
	parts := strings.Split(name, "/")
	out := parts[:0]
	for _, p := range parts {
		switch p {
		case "", ".":
			continue
		case "..":
			return "", api.BadRequest("Tar entry %q contains \"..\"", name)
		}
		out = append(out, p)
	}
	return strings.Join(out, "/"), nil
}

// describe formats an entry for errors.
func describe(hdr *tar.Header) string {
	return fmt.Sprintf("%q", hdr.Name)
}

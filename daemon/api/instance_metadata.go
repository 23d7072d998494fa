package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/daemon/instances/rootfs"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// instanceMetadata is metadata.yaml of an instance volume (LXD's
// api.ImageMetadata). Field order is LXD's, which the ETag depends on.
type instanceMetadata struct {
	Architecture string                               `json:"architecture" yaml:"architecture"`
	CreationDate int64                                `json:"creation_date" yaml:"creation_date"`
	ExpiryDate   int64                                `json:"expiry_date" yaml:"expiry_date"`
	Properties   map[string]string                    `json:"properties" yaml:"properties"`
	Templates    map[string]*instanceMetadataTemplate `json:"templates" yaml:"templates"`
}

// instanceMetadataTemplate is one entry of metadata.yaml's templates.
type instanceMetadataTemplate struct {
	When       []string          `json:"when" yaml:"when"`
	CreateOnly bool              `json:"create_only" yaml:"create_only"`
	Template   string            `json:"template" yaml:"template"`
	Properties map[string]string `json:"properties" yaml:"properties"`
}

// maxMetadataSize bounds metadata.yaml and template files read or written.
const maxMetadataSize = 8 << 20

// readMetadata parses metadata.yaml of the volume; a missing file is empty
// metadata.
func readMetadata(r *http.Request, vol *rootfs.Root) (*instanceMetadata, error) {
	md := &instanceMetadata{}
	f, err := vol.Open(r.Context(), "metadata.yaml")
	if api.StatusOf(err) == http.StatusNotFound {
		return md, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMetadataSize))
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(data, md); err != nil {
		return nil, fmt.Errorf("Failed to parse metadata.yaml: %w", err)
	}
	return md, nil
}

func writeMetadata(r *http.Request, vol *rootfs.Root, md *instanceMetadata) error {
	data, err := yaml.Marshal(md)
	if err != nil {
		return err
	}
	return vol.WriteFile(r.Context(), "metadata.yaml", bytes.NewReader(data), rootfs.WriteOpts{Mode: 0o644})
}

// metadataGet is GET /1.0/instances/<name>/metadata.
func (x instanceIO) metadataGet(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	vol, release, err := openRoot(r.Context(), inst, "")
	if err != nil {
		return err
	}
	defer release()
	md, err := readMetadata(r, vol)
	if err != nil {
		return err
	}
	x.lifecycle(inst, "instance-metadata-retrieved", instanceURL(inst, "/metadata"), nil, request.From(r.Context()))
	return renderSync(w, md, md)
}

// metadataPut is PUT /1.0/instances/<name>/metadata (replace).
func (x instanceIO) metadataPut(w http.ResponseWriter, r *http.Request) error {
	return x.metadataUpdate(w, r, false)
}

// metadataPatch is PATCH /1.0/instances/<name>/metadata: the given fields
// are decoded over the current metadata (properties and templates merge
// key by key).
func (x instanceIO) metadataPatch(w http.ResponseWriter, r *http.Request) error {
	return x.metadataUpdate(w, r, true)
}

func (x instanceIO) metadataUpdate(w http.ResponseWriter, r *http.Request, patch bool) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	vol, release, err := openRoot(r.Context(), inst, "")
	if err != nil {
		return err
	}
	defer release()
	cur, err := readMetadata(r, vol)
	if err != nil {
		return err
	}
	// LXD 5.0.2 ignores If-Match here; a stale ETag is refused.
	if err := checkETag(r, cur); err != nil {
		return err
	}
	next := &instanceMetadata{}
	if patch {
		next = cur
	}
	if err := decodeJSON(r, next); err != nil {
		return err
	}
	if err := validateMetadata(next); err != nil {
		return err
	}
	if err := writeMetadata(r, vol, next); err != nil {
		return err
	}
	x.lifecycle(inst, "instance-metadata-updated", instanceURL(inst, "/metadata"), nil, request.From(r.Context()))
	return renderEmpty(w)
}

// validateMetadata checks the template triggers and names.
func validateMetadata(md *instanceMetadata) error {
	for path, t := range md.Templates {
		if t == nil {
			return api.BadRequest("Missing template definition for %q", path)
		}
		for _, when := range t.When {
			switch when {
			case "create", "copy", "start", "rename":
			default:
				return api.BadRequest("Invalid template trigger %q for %q", when, path)
			}
		}
		if t.Template != "" && validTemplateName(t.Template) != nil {
			return api.BadRequest("Invalid template filename %q for %q", t.Template, path)
		}
	}
	return nil
}

// validTemplateName refuses names that could leave the templates
// directory (LXD answers 500 "Invalid template filename"; it is the
// caller's mistake, so 400).
func validTemplateName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return api.BadRequest("Invalid template filename")
	}
	return nil
}

// templateGet is GET /1.0/instances/<name>/metadata/templates: the list
// of template files, or one file's content with ?path=.
func (x instanceIO) templateGet(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	vol, release, err := openRoot(r.Context(), inst, "")
	if err != nil {
		return err
	}
	defer release()
	name := r.URL.Query().Get("path")
	if name == "" {
		names, err := vol.ReadDir(r.Context(), "templates")
		if api.StatusOf(err) == http.StatusNotFound {
			names = []string{}
		} else if err != nil {
			return err
		}
		return renderSync(w, names, nil)
	}
	if err := validTemplateName(name); err != nil {
		return err
	}
	f, err := vol.Open(r.Context(), "templates/"+name)
	if api.StatusOf(err) == http.StatusNotFound {
		return api.NotFound("Template %q not found", name)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	x.lifecycle(inst, "instance-metadata-template-retrieved", instanceURL(inst, "/metadata/templates"), map[string]any{"path": name}, request.From(r.Context()))
	serveContent(w, r, name, time.Now(), f)
	return nil
}

// templateName returns the validated ?path= of a template write.
func templateName(r *http.Request) (string, error) {
	name := r.URL.Query().Get("path")
	if name == "" {
		return "", api.BadRequest("missing path argument")
	}
	return name, validTemplateName(name)
}

// templatePost is POST /1.0/instances/<name>/metadata/templates?path=:
// create or replace a template file with the body.
func (x instanceIO) templatePost(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	name, err := templateName(r)
	if err != nil {
		return err
	}
	vol, release, err := openRoot(r.Context(), inst, "")
	if err != nil {
		return err
	}
	defer release()
	if err := vol.MkdirAll(r.Context(), "templates", 0, 0, 0o755); err != nil {
		return err
	}
	body := io.LimitReader(r.Body, maxMetadataSize)
	if err := vol.WriteFile(r.Context(), "templates/"+name, body, rootfs.WriteOpts{Mode: 0o644}); err != nil {
		return err
	}
	x.lifecycle(inst, "instance-metadata-template-created", instanceURL(inst, "/metadata/templates"), map[string]any{"path": name}, request.From(r.Context()))
	return renderEmpty(w)
}

// templateDelete is DELETE /1.0/instances/<name>/metadata/templates?path=.
func (x instanceIO) templateDelete(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	name, err := templateName(r)
	if err != nil {
		return err
	}
	vol, release, err := openRoot(r.Context(), inst, "")
	if err != nil {
		return err
	}
	defer release()
	err = vol.Remove(r.Context(), "templates/"+name)
	if api.StatusOf(err) == http.StatusNotFound {
		return api.NotFound("Template %q not found", name)
	}
	if err != nil {
		return err
	}
	x.lifecycle(inst, "instance-metadata-template-deleted", instanceURL(inst, "/metadata/templates"), map[string]any{"path": name}, request.From(r.Context()))
	return renderEmpty(w)
}

package templates

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/instances/rootfs"
	"github.com/lxdng/lxd/shared/api"
)

// Instance types as the templates see them in instance.type.
const (
	TypeContainer      = "container"
	TypeVirtualMachine = "virtual-machine"
)

// Instance is what templates see as `instance` (and, for older images,
// `container`): LXD passes these as strings.
type Instance struct {
	Name         string
	Architecture string
	Type         string // TypeContainer when empty
	Privileged   bool
	Ephemeral    bool
}

// Context is everything a template can read.
type Context struct {
	Instance   Instance
	Config     map[string]string            // expanded instance config
	Devices    map[string]map[string]string // expanded devices
	Properties map[string]string            // the template's properties from metadata.yaml
	Trigger    string                       // create, copy, start or rename
	Path       string                       // target path inside the instance
}

func (c Context) vars() map[string]any {
	typ := c.Instance.Type
	if typ == "" {
		typ = TypeContainer
	}
	inst := map[string]string{
		"name":         c.Instance.Name,
		"architecture": c.Instance.Architecture,
		"type":         typ,
		"privileged":   strconv.FormatBool(c.Instance.Privileged),
		"ephemeral":    strconv.FormatBool(c.Instance.Ephemeral),
	}
	orEmpty := func(m map[string]string) map[string]string {
		if m == nil {
			return map[string]string{}
		}
		return m
	}
	devices := c.Devices
	if devices == nil {
		devices = map[string]map[string]string{}
	}
	return map[string]any{
		"instance":   inst,
		"container":  inst,
		"config":     orEmpty(c.Config),
		"devices":    devices,
		"properties": orEmpty(c.Properties),
		"trigger":    c.Trigger,
		"path":       c.Path,
	}
}

// funcs returns config_get(key, default): the config value with trailing
// newlines trimmed (so multi-line user data embeds cleanly), or default
// when the key is unset.
func (c Context) funcs() map[string]func(args []any) (any, error) {
	return map[string]func(args []any) (any, error){
		"config_get": func(args []any) (any, error) {
			if len(args) != 2 {
				return nil, fmt.Errorf("config_get takes a key and a default")
			}
			if v, ok := c.Config[toString(args[0])]; ok {
				return strings.TrimRight(v, "\r\n"), nil
			}
			return args[1], nil
		},
	}
}

// Render parses and executes template source with c. Template errors are
// image errors (400).
func Render(ctx context.Context, src string, c Context) (string, error) {
	t, err := Parse(src)
	if err != nil {
		return "", api.BadRequest("Invalid template: %w", err)
	}
	out, err := t.Execute(ctx, c.vars(), c.funcs())
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", api.BadRequest("Failed to render template: %w", err)
	}
	return out, nil
}

// Apply renders every template of meta whose `when` includes c.Trigger and
// writes it at its target path inside root (c.Path and c.Properties are
// set per template). Files are written as root:root 0644 inside the
// instance, parents created 0755; create_only templates skip existing
// paths. Template files are read from templatesDir without following any
// symlink.
func Apply(ctx context.Context, root *rootfs.Root, meta imagefile.Metadata, templatesDir string, c Context) error {
	var targets []string
	for target, tpl := range meta.Templates {
		if tpl != nil && tpl.Runs(c.Trigger) {
			targets = append(targets, target)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	sort.Strings(targets)
	dirFD, err := unix.Open(templatesDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("Failed to open templates directory %q: %w", templatesDir, err)
	}
	defer unix.Close(dirFD)
	for _, target := range targets {
		tpl := meta.Templates[target]
		src, err := readTemplate(dirFD, tpl.Template)
		if err != nil {
			return err
		}
		tc := c
		tc.Path, tc.Properties = target, tpl.Properties
		out, err := Render(ctx, src, tc)
		if err != nil {
			return fmt.Errorf("Failed to render template %q for %q: %w", tpl.Template, target, err)
		}
		if err := writeTarget(ctx, root, target, out, tpl.CreateOnly); err != nil {
			return fmt.Errorf("Failed to apply template %q to %q: %w", tpl.Template, target, err)
		}
	}
	return nil
}

func writeTarget(ctx context.Context, root *rootfs.Root, target, content string, createOnly bool) error {
	if err := root.MkdirAll(ctx, path.Dir(target), 0, 0, rootfs.DefaultDirMode); err != nil {
		return err
	}
	opts := rootfs.WriteOpts{UID: 0, GID: 0, Mode: 0o644, Exclusive: createOnly}
	err := root.WriteFile(ctx, target, strings.NewReader(content), opts)
	if createOnly && api.IsStatus(err, http.StatusConflict) {
		return nil
	}
	return err
}

// readTemplate reads a template file from the image's templates
// directory: beneath it, through no symlink, regular files only.
func readTemplate(dirFD int, name string) (string, error) {
	clean, err := imagefile.CleanTemplateName(name)
	if err != nil {
		return "", err
	}
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	pathFD, err := unix.Openat2(dirFD, clean, &how)
	switch {
	case errors.Is(err, unix.ENOENT):
		return "", api.BadRequest("Template file %q is missing from the image", name)
	case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EXDEV):
		return "", api.BadRequest("Template file %q goes through a symlink", name)
	case err != nil:
		return "", fmt.Errorf("Failed to open template %q: %w", name, err)
	}
	defer unix.Close(pathFD)
	var st unix.Stat_t
	if err := unix.Fstat(pathFD, &st); err != nil {
		return "", err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return "", api.BadRequest("Template file %q is not a regular file", name)
	}
	if st.Size > imagefile.MaxTemplateSize {
		return "", api.BadRequest("Template file %q is larger than %d bytes", name, imagefile.MaxTemplateSize)
	}
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(pathFD), unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return "", fmt.Errorf("Failed to open template %q: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, imagefile.MaxTemplateSize+1))
	if err != nil {
		return "", fmt.Errorf("Failed to read template %q: %w", name, err)
	}
	if len(data) > imagefile.MaxTemplateSize {
		return "", api.BadRequest("Template file %q is larger than %d bytes", name, imagefile.MaxTemplateSize)
	}
	return string(data), nil
}

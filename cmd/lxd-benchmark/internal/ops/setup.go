package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// ServerPID returns the daemon's pid (environment.server_pid of GET /1.0).
func ServerPID(ctx context.Context, c *client.Client) (int, error) {
	s, _, err := c.GetServer(ctx)
	if err != nil {
		return 0, err
	}
	if s.Environment.ServerPid <= 0 {
		return 0, errors.New("GET /1.0 carries no environment.server_pid")
	}
	return s.Environment.ServerPid, nil
}

// SetServerConfig sets server config keys with PATCH /1.0.
func SetServerConfig(ctx context.Context, c *client.Client, cfg map[string]string) error {
	conf := map[string]any{}
	for k, v := range cfg {
		conf[k] = v
	}
	return c.PatchServer(ctx, api.ServerPut{Config: conf}, "")
}

// CreateDirPool creates a storage pool of driver dir at source ("": the
// daemon's default, under its LXD_DIR).
func CreateDirPool(ctx context.Context, c *client.Client, name, source string) error {
	cfg := map[string]string{}
	if source != "" {
		cfg["source"] = source
	}
	body := map[string]any{"name": name, "driver": "dir", "config": cfg}
	return doWait(ctx, c, http.MethodPost, "/1.0/storage-pools", body)
}

// SetRootDisk gives a profile a root disk on pool and no other device.
func SetRootDisk(ctx context.Context, c *client.Client, profile, pool string) error {
	body := map[string]any{
		"config":      map[string]string{},
		"description": "Default LXD profile",
		"devices":     map[string]any{"root": map[string]string{"type": "disk", "path": "/", "pool": pool}},
	}
	return doWait(ctx, c, http.MethodPut, "/1.0/profiles/"+profile, body)
}

// ImportImage uploads an image (unified tarball, or metadata tarball plus
// rootfs when rootfs is not empty), names it alias and returns its
// fingerprint.
func ImportImage(ctx context.Context, c *client.Client, meta, rootfs, alias string) (string, error) {
	body, ctype, err := imageBody(meta, rootfs)
	if err != nil {
		return "", err
	}
	headers := http.Header{"Content-Type": {ctype}, "X-LXD-filename": {filepath.Base(meta)}}
	resp, err := c.Raw(ctx, http.MethodPost, "/1.0/images", body, headers)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var env api.Response
	if err := decodeJSON(resp.Body, &env); err != nil {
		return "", err
	}
	if env.Type == api.ErrorResponse {
		return "", &api.StatusError{Status: env.ErrorCode, Msg: env.Error}
	}
	opMeta, err := env.MetadataAsOperation()
	if err != nil {
		return "", err
	}
	op, err := c.OperationByID(ctx, opMeta.ID)
	if err != nil {
		return "", err
	}
	if err := op.Wait(ctx); err != nil {
		return "", fmt.Errorf("Failed to import image: %w", err)
	}
	fp, _ := op.Metadata["fingerprint"].(string)
	if fp == "" {
		return "", errors.New("Image import returned no fingerprint")
	}
	aliasBody := map[string]any{"name": alias, "target": fp, "description": ""}
	if _, _, err := c.Query(ctx, http.MethodPost, "/1.0/images/aliases", aliasBody, ""); err != nil {
		return "", fmt.Errorf("Failed to create image alias: %w", err)
	}
	return fp, nil
}

func imageBody(meta, rootfs string) (io.Reader, string, error) {
	if rootfs == "" {
		data, err := os.ReadFile(meta)
		return bytes.NewReader(data), "application/octet-stream", err
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, part := range []struct{ field, path string }{{"metadata", meta}, {"rootfs", rootfs}} {
		data, err := os.ReadFile(part.path)
		if err != nil {
			return nil, "", err
		}
		pw, err := w.CreateFormFile(part.field, filepath.Base(part.path))
		if err != nil {
			return nil, "", err
		}
		if _, err := pw.Write(data); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return &buf, w.FormDataContentType(), nil
}

func decodeJSON(r io.Reader, v any) error {
	if err := json.NewDecoder(r).Decode(v); err != nil {
		return fmt.Errorf("Failed to decode response: %w", err)
	}
	return nil
}

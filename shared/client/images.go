package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

// GetImages lists the images with their details (recursion=1).
func (c *Client) GetImages(ctx context.Context) ([]api.Image, error) {
	var out []api.Image
	_, err := c.Get(ctx, "/1.0/images?recursion=1", &out)
	return out, err
}

// GetImageFingerprints lists the image URLs' fingerprints (recursion=0).
func (c *Client) GetImageFingerprints(ctx context.Context) ([]string, error) {
	var urls []string
	if _, err := c.Get(ctx, "/1.0/images", &urls); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(urls))
	for _, u := range urls {
		u, _, _ = strings.Cut(u, "?")
		out = append(out, u[strings.LastIndex(u, "/")+1:])
	}
	return out, nil
}

// GetImage returns an image by fingerprint (or unique prefix) and its ETag.
func (c *Client) GetImage(ctx context.Context, fp string) (*api.Image, string, error) {
	return c.GetImageSecret(ctx, fp, "")
}

// GetImageSecret is GetImage for a private image of an untrusted caller
// holding a download secret.
func (c *Client) GetImageSecret(ctx context.Context, fp, secret string) (*api.Image, string, error) {
	var out api.Image
	etag, err := c.Get(ctx, imagePath(fp, "", secret), &out)
	return &out, etag, err
}

func imagePath(fp, suffix, secret string) string {
	p := "/1.0/images/" + url.PathEscape(fp) + suffix
	if secret != "" {
		p += "?secret=" + url.QueryEscape(secret)
	}
	return p
}

// CreateImage starts an image creation that carries no file: a copy from
// another server (pull), a push token, or a publish.
func (c *Client) CreateImage(ctx context.Context, req api.ImagesPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, "/1.0/images", req, "")
}

// ImageUpload is an image file upload. Rootfs nil makes a unified upload
// (raw body); otherwise a split upload (multipart/form-data with parts
// "metadata" and RootfsPart).
type ImageUpload struct {
	Meta       io.Reader
	MetaName   string
	Rootfs     io.Reader
	RootfsName string
	// RootfsPart is the multipart name of the rootfs ("rootfs", or
	// "rootfs.img" for a virtual-machine disk). "" means "rootfs".
	RootfsPart string
	Public     bool
	Properties map[string]string
	Profiles   []string
	// Fingerprint, when set, must match the uploaded data.
	Fingerprint string
	// Secret authenticates a push to a server that handed it out.
	Secret string
}

// UploadImage streams an image to the server (POST /1.0/images) and
// returns the "Downloading image" operation.
func (c *Client) UploadImage(ctx context.Context, u ImageUpload) (*Operation, error) {
	headers := http.Header{}
	body := u.Meta
	headers.Set("Content-Type", "application/octet-stream")
	if u.Rootfs != nil {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() { pw.CloseWithError(writeImageParts(mw, u)) }()
		body = pr
		headers.Set("Content-Type", mw.FormDataContentType())
	}
	if u.MetaName != "" {
		headers.Set("X-LXD-filename", u.MetaName)
	}
	if u.Public {
		headers.Set("X-LXD-public", "true")
	}
	if len(u.Properties) > 0 {
		v := url.Values{}
		for k, val := range u.Properties {
			v.Set(k, val)
		}
		headers.Set("X-LXD-properties", v.Encode())
	}
	if len(u.Profiles) > 0 {
		v := url.Values{}
		for _, p := range u.Profiles {
			v.Add("profile", p)
		}
		headers.Set("X-LXD-profiles", v.Encode())
	}
	if u.Fingerprint != "" {
		headers.Set("X-LXD-fingerprint", u.Fingerprint)
	}
	if u.Secret != "" {
		headers.Set("X-LXD-secret", u.Secret)
	}
	resp, err := c.Raw(ctx, http.MethodPost, "/1.0/images", body, headers)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r, _, err := decodeResponse(resp)
	if err != nil {
		return nil, err
	}
	return c.operationFrom(r)
}

func writeImageParts(mw *multipart.Writer, u ImageUpload) error {
	part := u.RootfsPart
	if part == "" {
		part = "rootfs"
	}
	for _, p := range []struct {
		name, file string
		r          io.Reader
	}{{"metadata", u.MetaName, u.Meta}, {part, u.RootfsName, u.Rootfs}} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": p.name, "filename": p.file}))
		h.Set("Content-Type", "application/octet-stream")
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, p.r); err != nil {
			return err
		}
	}
	return mw.Close()
}

// UpdateImage replaces an image's editable fields (PUT).
func (c *Client) UpdateImage(ctx context.Context, fp string, put api.ImagePut, etag string) error {
	_, err := c.Do(ctx, http.MethodPut, imagePath(fp, "", ""), put, etag)
	return err
}

// PatchImage merges fields into an image (PATCH); body is any JSON object.
func (c *Client) PatchImage(ctx context.Context, fp string, body any, etag string) error {
	_, err := c.Do(ctx, http.MethodPatch, imagePath(fp, "", ""), body, etag)
	return err
}

// DeleteImage starts the deletion of an image.
func (c *Client) DeleteImage(ctx context.Context, fp string) (*Operation, error) {
	return c.Do(ctx, http.MethodDelete, imagePath(fp, "", ""), nil, "")
}

// CreateImageSecret starts an "Image download token" operation; its
// metadata holds the secret.
func (c *Client) CreateImageSecret(ctx context.Context, fp string) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, imagePath(fp, "/secret", ""), nil, "")
}

// RefreshImage asks the server to refresh an image from its source.
func (c *Client) RefreshImage(ctx context.Context, fp string) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, imagePath(fp, "/refresh", ""), nil, "")
}

// PushImage asks the server to push one of its images to another server
// (POST /1.0/images/<fp>/export).
func (c *Client) PushImage(ctx context.Context, fp string, req api.ImageExportPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, imagePath(fp, "/export", ""), req, "")
}

// ImageFiles describes a downloaded image.
type ImageFiles struct {
	MetaName   string // file name the server gave the metadata (or unified) file
	MetaSize   int64
	RootfsName string // "" for a unified image
	RootfsSize int64
	RootfsPart string // "rootfs" or "rootfs.img"
}

// ExportImage downloads an image, streaming the unified tarball (or the
// metadata half) into meta and the rootfs half of a split image into
// rootfs. secret may be "".
func (c *Client) ExportImage(ctx context.Context, fp, secret string, meta, rootfs io.Writer) (ImageFiles, error) {
	resp, err := c.Raw(ctx, http.MethodGet, imagePath(fp, "/export", secret), nil, nil)
	if err != nil {
		return ImageFiles{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _, err := decodeResponse(resp)
		if err == nil {
			err = fmt.Errorf("Unexpected export status %s", resp.Status)
		}
		return ImageFiles{}, err
	}
	mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		_, cdParams, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
		n, err := io.Copy(meta, resp.Body)
		return ImageFiles{MetaName: cdParams["filename"], MetaSize: n}, err
	}
	return readImageParts(multipart.NewReader(resp.Body, params["boundary"]), meta, rootfs)
}

func readImageParts(mr *multipart.Reader, meta, rootfs io.Writer) (ImageFiles, error) {
	var out ImageFiles
	for _, want := range []string{"metadata", "rootfs"} {
		part, err := mr.NextPart()
		if err != nil {
			return out, fmt.Errorf("Failed to read the %s part of the image: %w", want, err)
		}
		name := part.FormName()
		switch {
		case want == "metadata" && name == "metadata":
			out.MetaName = part.FileName()
			out.MetaSize, err = io.Copy(meta, part)
		case want == "rootfs" && (name == "rootfs" || name == "rootfs.img"):
			if rootfs == nil {
				return out, errors.New("Split image received but no rootfs destination given")
			}
			out.RootfsName, out.RootfsPart = part.FileName(), name
			out.RootfsSize, err = io.Copy(rootfs, part)
		default:
			return out, fmt.Errorf("Unexpected image part %q", name)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// GetImageAliases lists the aliases with their details (recursion=1).
func (c *Client) GetImageAliases(ctx context.Context) ([]api.ImageAliasesEntry, error) {
	var out []api.ImageAliasesEntry
	_, err := c.Get(ctx, "/1.0/images/aliases?recursion=1", &out)
	return out, err
}

// GetImageAlias returns one alias and its ETag.
func (c *Client) GetImageAlias(ctx context.Context, name string) (*api.ImageAliasesEntry, string, error) {
	var out api.ImageAliasesEntry
	etag, err := c.Get(ctx, "/1.0/images/aliases/"+url.PathEscape(name), &out)
	return &out, etag, err
}

// CreateImageAlias creates an alias.
func (c *Client) CreateImageAlias(ctx context.Context, req api.ImageAliasesPost) error {
	_, err := c.Do(ctx, http.MethodPost, "/1.0/images/aliases", req, "")
	return err
}

// UpdateImageAlias replaces an alias's target and description.
func (c *Client) UpdateImageAlias(ctx context.Context, name string, put api.ImageAliasesEntryPut, etag string) error {
	_, err := c.Do(ctx, http.MethodPut, "/1.0/images/aliases/"+url.PathEscape(name), put, etag)
	return err
}

// RenameImageAlias renames an alias.
func (c *Client) RenameImageAlias(ctx context.Context, name, newName string) error {
	_, err := c.Do(ctx, http.MethodPost, "/1.0/images/aliases/"+url.PathEscape(name), api.ImageAliasesEntryPost{Name: newName}, "")
	return err
}

// DeleteImageAlias removes an alias.
func (c *Client) DeleteImageAlias(ctx context.Context, name string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/1.0/images/aliases/"+url.PathEscape(name), nil, "")
	return err
}

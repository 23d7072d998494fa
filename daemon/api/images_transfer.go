package api

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"

	"github.com/lxdng/lxd/daemon/images"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// create is POST /1.0/images: an upload (raw or multipart body with
// X-LXD-* headers; streamed, never size-limited like JSON) or a JSON
// request. Untrusted callers may only upload with a push secret.
func (ih imageHandlers) create(w http.ResponseWriter, r *http.Request) error {
	who := request.From(r.Context())
	secret := r.Header.Get("X-LXD-secret")
	if !who.Trusted && (secret == "" || !isUpload(r)) {
		return api.Forbidden("not authorized")
	}
	if !isUpload(r) {
		return ih.createFromJSON(w, r)
	}
	req, err := uploadRequest(r)
	if err != nil {
		return err
	}
	if who.Trusted {
		if req.Project, err = projectParam(r); err != nil {
			return err
		}
	}
	req.Secret = secret
	op, err := ih.images.Upload(r.Context(), req)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (ih imageHandlers) createFromJSON(w http.ResponseWriter, r *http.Request) error {
	project, err := projectParam(r)
	if err != nil {
		return err
	}
	var req api.ImagesPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	op, err := ih.images.Create(r.Context(), project, req)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

// uploadRequest reads the X-LXD-* headers of an upload.
func uploadRequest(r *http.Request) (images.UploadRequest, error) {
	req := images.UploadRequest{Body: r.Body, ContentType: r.Header.Get("Content-Type")}
	req.Filename = r.Header.Get("X-LXD-filename")
	req.Fingerprint = r.Header.Get("X-LXD-fingerprint")
	switch strings.ToLower(r.Header.Get("X-LXD-public")) {
	case "true", "1", "yes", "on":
		req.Public = true
	}
	if h := r.Header.Get("X-LXD-properties"); h != "" {
		values, err := url.ParseQuery(h)
		if err != nil {
			return req, api.BadRequest("Invalid X-LXD-properties header: %w", err)
		}
		req.Properties = map[string]string{}
		for k := range values {
			req.Properties[k] = values.Get(k)
		}
	}
	if h := r.Header.Get("X-LXD-profiles"); h != "" {
		values, err := url.ParseQuery(h)
		if err != nil {
			return req, api.BadRequest("Invalid X-LXD-profiles header: %w", err)
		}
		req.Profiles = values["profile"]
	}
	return req, nil
}

// export is GET /1.0/images/<fp>/export: the exact bytes imported, as one
// file (with ranges) or as multipart metadata + rootfs.
func (ih imageHandlers) export(w http.ResponseWriter, r *http.Request) error {
	project, err := imageProjectParam(r)
	if err != nil {
		return err
	}
	trusted := request.From(r.Context()).Trusted
	e, err := ih.images.ExportFiles(r.Context(), project, PathParam(r, "fp"), !trusted, r.URL.Query().Get("secret"))
	if err != nil {
		return err
	}
	if e.RootfsPath == "" {
		return serveUnified(w, r, e)
	}
	return serveSplit(w, r, e)
}

func serveUnified(w http.ResponseWriter, r *http.Request, e images.Export) error {
	f, err := os.Open(e.MetaPath)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "inline;filename="+e.MetaName)
	sw := &countingWriter{ResponseWriter: w}
	http.ServeContent(sw, r, e.MetaName, e.ModTime, f)
	if sw.status == http.StatusOK && sw.n == e.MetaSize {
		e.Done()
	}
	return nil
}

func serveSplit(w http.ResponseWriter, r *http.Request, e images.Export) error {
	mw := multipart.NewWriter(w)
	w.Header().Set("Content-Type", mw.FormDataContentType())
	w.WriteHeader(http.StatusOK)
	for _, p := range []struct{ part, name, path string }{{"metadata", e.MetaName, e.MetaPath}, {e.RootfsPart, e.RootfsName, e.RootfsPath}} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": p.part, "filename": p.name}))
		h.Set("Content-Type", "application/octet-stream")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil
		}
		if err := copyFile(pw, p.path); err != nil {
			// The status is sent: all we can do is cut the stream short.
			logctx.From(r.Context()).WithError(err).Warn("Image export interrupted")
			return nil
		}
	}
	if mw.Close() == nil {
		e.Done()
	}
	return nil
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// countingWriter records the status and body size of a response.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

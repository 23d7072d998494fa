package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// File transfer calls on /1.0/instances/<name>/files, with LXD's headers:
// X-LXD-uid/gid/mode/type/write (Go sends them as X-Lxd-*). Paths go in
// the query as given: pushes send absolute paths, pulls and deletes the
// relative form ("root/x"), exactly as LXD's client does.

func filesURL(inst, path string) string {
	return instanceURL(inst) + "/files?path=" + url.QueryEscape(path)
}

// fileInfo is what a GET on a path says about it.
type fileInfo struct {
	uid, gid int64
	mode     os.FileMode
	kind     string   // file, directory or symlink
	entries  []string // directory listing
}

// getInstanceFile GETs a path. For files and symlinks the body is returned
// to be read by the caller (and closed); directories are listed.
func getInstanceFile(a *app, c *client.Client, inst, path string) (io.ReadCloser, *fileInfo, error) {
	resp, err := c.Raw(a.ctx, http.MethodGet, filesURL(inst, path), nil, nil)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, nil, responseError(resp)
	}
	info := &fileInfo{kind: resp.Header.Get("X-Lxd-Type")}
	info.uid, _ = strconv.ParseInt(resp.Header.Get("X-Lxd-Uid"), 10, 64)
	info.gid, _ = strconv.ParseInt(resp.Header.Get("X-Lxd-Gid"), 10, 64)
	mode, _ := strconv.ParseUint(resp.Header.Get("X-Lxd-Mode"), 8, 32)
	info.mode = os.FileMode(mode)
	if info.kind != "directory" {
		return resp.Body, info, nil
	}
	defer resp.Body.Close()
	var r api.Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, nil, err
	}
	if err := r.MetadataAsStruct(&info.entries); err != nil {
		return nil, nil, err
	}
	return nil, info, nil
}

// fileArgs are the headers of a POST; -1 leaves a field unset.
type fileArgs struct {
	uid, gid int64
	mode     int
	kind     string
	write    string
	content  io.Reader // nil for directories
}

// createInstanceFile POSTs a file, directory or symlink. Bodies are sent
// chunked without a Content-Type (a form type would make LXD eat them).
func createInstanceFile(a *app, c *client.Client, inst, path string, args fileArgs) error {
	h := http.Header{}
	if args.uid > -1 {
		h.Set("X-LXD-uid", strconv.FormatInt(args.uid, 10))
	}
	if args.gid > -1 {
		h.Set("X-LXD-gid", strconv.FormatInt(args.gid, 10))
	}
	if args.mode > -1 {
		h.Set("X-LXD-mode", fmt.Sprintf("%04o", args.mode))
	}
	h.Set("X-LXD-type", args.kind)
	if args.write != "" {
		h.Set("X-LXD-write", args.write)
	}
	var body io.Reader = http.NoBody
	if args.content != nil {
		// Hide the concrete type so the body goes out chunked, as LXD's does.
		body = io.MultiReader(args.content)
	}
	_, err := rawRequest(a, c, http.MethodPost, filesURL(inst, path), body, h)
	return err
}

func deleteInstanceFile(a *app, c *client.Client, inst, path string) error {
	_, err := rawRequest(a, c, http.MethodDelete, filesURL(inst, path), nil, nil)
	return err
}

// ownerMode returns the permissions and owner of a local file.
func ownerMode(fi os.FileInfo) (os.FileMode, int, int) {
	mode := fi.Mode()
	uid, gid := 0, 0
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid, gid = int(st.Uid), int(st.Gid)
	}
	return mode, uid, gid
}

// symlinkBody is a symlink's target as POST content.
func symlinkBody(target string) io.Reader { return bytes.NewReader([]byte(target)) }

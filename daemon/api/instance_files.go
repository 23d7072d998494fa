package api

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lxdng/lxd/daemon/instances/rootfs"
	"github.com/lxdng/lxd/shared/api"
)

// Every file endpoint resolves paths through daemon/instances/rootfs
// (openat2 RESOLVE_IN_ROOT on the mounted volume's rootfs), so whatever
// links the instance holds, nothing outside its root is touched. The path
// comes from the URL query only: the body is never parsed as a form, so
// a client sending application/x-www-form-urlencoded still writes its body
// (LXD 5.0.2 loses it).

// filePath returns ?path= (relative paths resolve from "/").
func filePath(r *http.Request) (string, error) {
	p := r.URL.Query().Get("path")
	if p == "" {
		return "", api.BadRequest("missing path argument")
	}
	return p, nil
}

// setFileHeaders sets LXD's X-Lxd-* headers describing a path.
func setFileHeaders(w http.ResponseWriter, info rootfs.Info) {
	h := w.Header()
	h.Set("X-Lxd-Uid", strconv.FormatInt(info.UID, 10))
	h.Set("X-Lxd-Gid", strconv.FormatInt(info.GID, 10))
	h.Set("X-Lxd-Mode", fmt.Sprintf("%04o", info.Mode))
	h.Set("X-Lxd-Type", string(info.Type))
	h.Set("X-Lxd-Modified", info.ModTime.UTC().Format("2006-01-02 15:04:05 -0700 MST"))
}

// fileGet is GET /1.0/instances/<name>/files?path=: a file's content, a
// directory's listing (sync JSON) or a symlink's target as an absolute
// path inside the instance.
func (x instanceIO) fileGet(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	p, err := filePath(r)
	if err != nil {
		return err
	}
	root, release, err := openRoot(r.Context(), inst, "rootfs")
	if err != nil {
		return err
	}
	defer release()
	info, err := root.Stat(r.Context(), p)
	if err != nil {
		return err
	}
	var send func() error
	switch info.Type {
	case rootfs.TypeFile:
		f, err := root.Open(r.Context(), p)
		if err != nil {
			return err
		}
		defer f.Close()
		send = func() error { serveContent(w, r, path.Base(p), info.ModTime, f); return nil }
	case rootfs.TypeSymlink:
		target, err := root.ReadLink(r.Context(), p)
		if err != nil {
			return err
		}
		send = func() error { serveBytes(w, r, path.Base(p), time.Now(), []byte(target)); return nil }
	case rootfs.TypeDirectory:
		names, err := root.ReadDir(r.Context(), p)
		if err != nil {
			return err
		}
		send = func() error { return renderSync(w, names, nil) }
	default:
		return api.BadRequest("Bad file type %q", info.Type)
	}
	x.lifecycle(inst, "instance-file-retrieved", instanceURL(inst, ""), map[string]any{"path": p}, nil)
	setFileHeaders(w, info)
	return send()
}

// fileHead is HEAD /1.0/instances/<name>/files?path=: the headers alone.
func (x instanceIO) fileHead(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	p, err := filePath(r)
	if err != nil {
		return err
	}
	root, release, err := openRoot(r.Context(), inst, "rootfs")
	if err != nil {
		return err
	}
	defer release()
	info, err := root.Stat(r.Context(), p)
	if err != nil {
		return err
	}
	setFileHeaders(w, info)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return nil
}

// fileWriteHeaders are the X-LXD-* headers of a POST; -1 means absent.
type fileWriteHeaders struct {
	uid, gid int64
	mode     int64
	kind     string
	append   bool
}

func parseFileWriteHeaders(r *http.Request) (fileWriteHeaders, error) {
	out := fileWriteHeaders{uid: -1, gid: -1, mode: -1, kind: r.Header.Get("X-LXD-type")}
	var err error
	parse := func(name string, base int) int64 {
		v := r.Header.Get(name)
		if v == "" || err != nil {
			return -1
		}
		n, perr := strconv.ParseInt(v, base, 64)
		if perr != nil || n < 0 {
			err = api.BadRequest("Invalid %s header %q", name, v)
			return -1
		}
		return n
	}
	out.uid = parse("X-LXD-uid", 10)
	out.gid = parse("X-LXD-gid", 10)
	out.mode = parse("X-LXD-mode", 8)
	if err != nil {
		return out, err
	}
	if out.mode > 0o7777 {
		return out, api.BadRequest("Invalid X-LXD-mode header %q", r.Header.Get("X-LXD-mode"))
	}
	if out.kind == "" {
		out.kind = "file"
	}
	switch wm := r.Header.Get("X-LXD-write"); wm {
	case "", "overwrite":
	case "append":
		out.append = true
	default:
		return out, api.BadRequest("Bad write mode %q", wm)
	}
	return out, nil
}

// orZero turns an absent id or mode into the default 0.
func orZero(v int64) int64 {
	if v < 0 {
		return 0
	}
	return v
}

// filePost is POST /1.0/instances/<name>/files?path=: create or write a
// file, directory or symlink (X-LXD-type).
func (x instanceIO) filePost(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	p, err := filePath(r)
	if err != nil {
		return err
	}
	hd, err := parseFileWriteHeaders(r)
	if err != nil {
		return err
	}
	root, release, err := openRoot(r.Context(), inst, "rootfs")
	if err != nil {
		return err
	}
	defer release()
	switch hd.kind {
	case "file":
		err = writeInstanceFile(r, root, p, hd)
	case "directory":
		err = root.Mkdir(r.Context(), p, orZero(hd.uid), orZero(hd.gid), uint32(orZero(hd.mode)))
	case "symlink":
		var target []byte
		target, err = io.ReadAll(io.LimitReader(r.Body, 4096))
		if err == nil {
			err = root.Symlink(r.Context(), string(target), p, orZero(hd.uid), orZero(hd.gid))
		}
	default:
		return api.BadRequest("Bad file type %q", hd.kind)
	}
	if err != nil {
		return err
	}
	x.lifecycle(inst, "instance-file-pushed", instanceURL(inst, ""), map[string]any{"path": p}, nil)
	return renderEmpty(w)
}

// writeInstanceFile writes the body to a regular file. An existing file
// keeps its owner and mode for whichever of X-LXD-uid/gid/mode is absent.
func writeInstanceFile(r *http.Request, root *rootfs.Root, p string, hd fileWriteHeaders) error {
	o := rootfs.WriteOpts{UID: orZero(hd.uid), GID: orZero(hd.gid), Mode: uint32(orZero(hd.mode)), Append: hd.append}
	switch {
	case hd.uid < 0 && hd.gid < 0 && hd.mode < 0:
		o.KeepOwnerIfExists = true
	case hd.uid < 0 || hd.gid < 0 || hd.mode < 0:
		if cur, err := root.Stat(r.Context(), p); err == nil && cur.Type == rootfs.TypeFile {
			if hd.uid < 0 {
				o.UID = cur.UID
			}
			if hd.gid < 0 {
				o.GID = cur.GID
			}
			if hd.mode < 0 {
				o.Mode = cur.Mode
			}
		}
	}
	return root.WriteFile(r.Context(), p, r.Body, o)
}

// fileDelete is DELETE /1.0/instances/<name>/files?path=: a file, a
// symlink (never its target) or an empty directory.
func (x instanceIO) fileDelete(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	p, err := filePath(r)
	if err != nil {
		return err
	}
	root, release, err := openRoot(r.Context(), inst, "rootfs")
	if err != nil {
		return err
	}
	defer release()
	if strings.Trim(path.Clean("/"+p), "/") == "" {
		return api.BadRequest("Cannot delete the root directory")
	}
	if err := root.Remove(r.Context(), p); err != nil {
		return err
	}
	x.lifecycle(inst, "instance-file-deleted", instanceURL(inst, ""), map[string]any{"path": p}, nil)
	return renderEmpty(w)
}

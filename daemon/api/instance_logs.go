package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// validLogName says whether name is an instance log file LXD serves: the
// runtime's log and config, and the exec/snapshot/migration records. Any
// "/" or ".." is refused, so a name never leaves the log directory.
func validLogName(name string) bool {
	if name == "" || strings.Contains(name, "/") || strings.Contains(name, "..") {
		return false
	}
	switch name {
	case "lxc.log", "lxc.conf", "qemu.log", "qemu.conf":
		return true
	}
	for _, prefix := range []string{"exec_", "snapshot_", "migration_"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// logList is GET /1.0/instances/<name>/logs.
func (x instanceIO) logList(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(inst.LogDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("Failed to list the logs: %w", err)
	}
	urls := []string{}
	for _, e := range entries {
		if e.Type().IsRegular() && validLogName(e.Name()) {
			urls = append(urls, instanceURL(inst, "/logs/"+e.Name()))
		}
	}
	sort.Strings(urls)
	return renderSync(w, urls, nil)
}

// logFile returns the validated log file of the request.
func logFile(r *http.Request, inst *InstanceHandle) (string, string, error) {
	name := PathParam(r, "file")
	if !validLogName(name) {
		return "", "", api.BadRequest("log file name %s not valid", name)
	}
	return name, filepath.Join(inst.LogDir, name), nil
}

// logGet is GET /1.0/instances/<name>/logs/<file>. A missing file is a
// 404 (LXD 5.0.2 answers 500 with the host path).
func (x instanceIO) logGet(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	name, p, err := logFile(r, inst)
	if err != nil {
		return err
	}
	// O_NOFOLLOW: the log directory is the daemon's, but never follow a
	// link planted there.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) {
		return api.NotFound("Log file %q not found", name)
	}
	if err != nil {
		return fmt.Errorf("Failed to open %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return api.BadRequest("log file name %s not valid", name)
	}
	x.lifecycle(inst, "instance-log-retrieved", instanceURL(inst, "/logs/"+name), nil, request.From(r.Context()))
	serveContent(w, r, name, st.ModTime(), f)
	return nil
}

// logDelete is DELETE /1.0/instances/<name>/logs/<file>; the runtime's
// own log and config may not be deleted.
func (x instanceIO) logDelete(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	name, p, err := logFile(r, inst)
	if err != nil {
		return err
	}
	if name == "lxc.log" || name == "lxc.conf" {
		return api.BadRequest("lxc.log and lxc.conf may not be deleted")
	}
	err = os.Remove(p)
	if errors.Is(err, os.ErrNotExist) {
		return api.NotFound("Log file %q not found", name)
	}
	if err != nil {
		return fmt.Errorf("Failed to delete %s: %w", name, err)
	}
	x.lifecycle(inst, "instance-log-deleted", instanceURL(inst, "/logs/"+name), nil, request.From(r.Context()))
	return renderEmpty(w)
}

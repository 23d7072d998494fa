package devlxd

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// info is GET /1.0. Field order is LXD 5.0.2's.
type info struct {
	State        string `json:"state"`
	APIVersion   string `json:"api_version"`
	InstanceType string `json:"instance_type"`
	Location     string `json:"location"`
}

func (s *Server) info(w http.ResponseWriter, r *http.Request, inst *Instance) error {
	kind := inst.Type
	if kind == "" {
		kind = "container"
	}
	return writeJSON(w, info{APIVersion: "1.0", InstanceType: kind, Location: s.o.Location})
}

// visibleKey says whether the instance may read a config key.
func visibleKey(k string) bool { return strings.HasPrefix(k, "user.") }

func (s *Server) configList(w http.ResponseWriter, r *http.Request, inst *Instance) error {
	out := []string{}
	for k := range inst.Config {
		if visibleKey(k) {
			out = append(out, "/1.0/config/"+k)
		}
	}
	sort.Strings(out)
	return writeJSON(w, out)
}

func (s *Server) configGet(w http.ResponseWriter, r *http.Request, inst *Instance) error {
	key, err := url.PathUnescape(chi.URLParam(r, "key"))
	if err != nil || !visibleKey(key) {
		return api.Forbidden("not authorized")
	}
	v, ok := inst.Config[key]
	if !ok {
		return api.NotFound("not found")
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, err = w.Write([]byte(v))
	return err
}

// cloudInitID is the instance-id cloud-init sees (LXD's order of keys).
func cloudInitID(inst *Instance) string {
	for _, k := range []string{"volatile.cloud-init.instance-id", "volatile.uuid"} {
		if v := inst.Config[k]; v != "" {
			return v
		}
	}
	return inst.Ref.Name
}

func (s *Server) metaData(w http.ResponseWriter, r *http.Request, inst *Instance) error {
	w.Header().Set("Content-Type", "application/octet-stream")
	_, err := fmt.Fprintf(w, "#cloud-config\ninstance-id: %s\nlocal-hostname: %s\n%s",
		cloudInitID(inst), inst.Ref.Name, inst.Config["user.meta-data"])
	return err
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request, inst *Instance) error {
	devs := inst.Devices
	if devs == nil {
		devs = map[string]map[string]string{}
	}
	return writeJSON(w, devs)
}

func (s *Server) imageExport(w http.ResponseWriter, r *http.Request, inst *Instance) error {
	if !config.ParseBool(inst.Config["security.devlxd.images"]) {
		return api.Forbidden("not authorized")
	}
	if s.o.Images == nil {
		return api.NotFound("not found")
	}
	return s.o.Images.ExportImage(w, r, inst.Ref.Project, chi.URLParam(r, "fingerprint"))
}

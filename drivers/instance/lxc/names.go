package lxc

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lxdng/lxd/drivers/instance"
)

// lxcName is LXD's liblxc container name: "<project>_<name>".
func lxcName(r instance.Ref) string { return r.Project + "_" + r.Name }

// refFromName inverts lxcName. Project names cannot hold "_" in LXD, so the
// first "_" separates.
func refFromName(name string) (instance.Ref, bool) {
	project, inst, ok := strings.Cut(name, "_")
	if !ok || project == "" || inst == "" {
		return instance.Ref{}, false
	}
	return instance.Ref{Project: project, Name: inst}, true
}

// paths are the per-instance files of the driver.
type paths struct {
	dir        string // <LogDir>/<project>_<name>
	config     string
	seccomp    string
	log        string
	consoleLog string
	devices    string // <DevicesDir>/<project>_<name>
}

func (d *Driver) paths(r instance.Ref) paths {
	name := lxcName(r)
	dir := filepath.Join(d.opts.LogDir, name)
	dev := filepath.Join(d.opts.DevicesDir, name)
	return paths{
		dir:        dir,
		config:     filepath.Join(dir, "lxc.conf"),
		seccomp:    filepath.Join(dir, "seccomp"),
		log:        filepath.Join(dir, "lxc.log"),
		consoleLog: filepath.Join(dir, "console.log"),
		devices:    dev,
	}
}

// validRef refuses refs that would escape the driver's directories or
// produce an ambiguous liblxc name.
func validRef(r instance.Ref) error {
	for _, s := range []string{r.Project, r.Name} {
		if s == "" || strings.ContainsAny(s, "/_ \t\n") || s == "." || s == ".." {
			return fmt.Errorf("Invalid instance reference %q", r.String())
		}
	}
	return nil
}

package devlxd

import (
	"context"
	"net/http"
	"path/filepath"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/config"
)

// Instance is what devlxd needs to know of one instance.
type Instance struct {
	Ref     instance.Ref
	Type    string          // "container"
	Driver  instance.Driver // State(ctx, Ref).Pid finds its init
	Config  map[string]string
	Devices map[string]map[string]string
}

// Lister is implemented by the instance service.
type Lister interface {
	// DevlxdInstances returns every instance of this member, all projects.
	DevlxdInstances(ctx context.Context) ([]Instance, error)
	// DevlxdInstance reloads one instance (current config and devices).
	DevlxdInstance(ctx context.Context, ref instance.Ref) (Instance, error)
}

// Resolver finds the instance a process belongs to. NamespaceResolver is
// the implementation; the interface lets the instance service answer from
// its own bookkeeping if it has a faster way.
type Resolver interface {
	InstanceByPID(ctx context.Context, pid int) (*Instance, error)
}

// ImageExporter answers GET /1.0/images/<fp>/export for an instance's
// project as the main API does (image service).
type ImageExporter interface {
	ExportImage(w http.ResponseWriter, r *http.Request, project, fingerprint string) error
}

// SocketName is the socket's name in its directory and inside the
// instance (/dev/lxd/sock).
const SocketName = "sock"

// Target is where the socket's directory appears inside an instance.
const Target = "/dev/lxd"

// Enabled says whether an instance gets the socket (security.devlxd,
// default true).
func Enabled(cfg map[string]string) bool {
	v, ok := cfg["security.devlxd"]
	return !ok || v == "" || config.ParseBool(v)
}

// Mount is the bind mount of the socket directory dir ($LXD_DIR/devlxd)
// at /dev/lxd. It is read-only (a socket can be connected to on a
// read-only mount, but the instance cannot replace it) and mounts the
// directory, not the socket, so a daemon restart's new socket shows up
// in running instances.
func Mount(dir string) instance.Mount {
	return instance.Mount{Source: dir, Target: Target, ReadOnly: true}
}

// Device is the DeviceSpec the instance service adds to a container's
// Spec when Enabled(config) holds.
func Device(dir string) instance.DeviceSpec {
	return instance.DeviceSpec{Name: "devlxd", Mounts: []instance.Mount{Mount(dir)}}
}

// SocketPath is the socket's host path in dir.
func SocketPath(dir string) string { return filepath.Join(dir, SocketName) }

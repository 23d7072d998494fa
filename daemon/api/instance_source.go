package api

import (
	"context"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
)

// InstanceSource gives the per-instance endpoints that act on a running or
// stopped instance (exec, console, files, logs, metadata, templates) access
// to one instance. The instance service (daemon/instances) implements it.
type InstanceSource interface {
	// Instance loads an instance; an unknown one is a 404 "Instance not
	// found".
	Instance(ctx context.Context, project, name string) (*InstanceHandle, error)
}

// InstanceHandle is one instance as the per-instance endpoints see it.
type InstanceHandle struct {
	Ref          instance.Ref
	Driver       instance.Driver
	Type         string // "container"
	Architecture string
	Config       map[string]string            // expanded (profiles applied)
	Devices      map[string]map[string]string // expanded
	Ephemeral    bool
	Status       api.StatusCode // at load time
	LogDir       string         // $LXD_DIR/logs/<project>_<name>
	// MountVolume mounts the instance's root volume and returns its path:
	// it holds metadata.yaml, templates/ and rootfs/. release unmounts it
	// (reference-counted) and must always be called.
	MountVolume func(ctx context.Context) (path string, release func(), err error)
}

package daemon

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lxdng/lxd/daemon/api"
	"github.com/lxdng/lxd/daemon/devlxd"
	"github.com/lxdng/lxd/daemon/images"
	"github.com/lxdng/lxd/daemon/instances"
	netsvc "github.com/lxdng/lxd/daemon/network"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/lxc"
	shared "github.com/lxdng/lxd/shared/api"
)

// instanceTaskIntervalEnv is a hidden debug knob: the interval (a Go
// duration) of the instance snapshot task (schedule and expiry), one minute
// by default. Tests shorten it. The storage task reads
// LXDNG_SNAPSHOT_TASK_INTERVAL; this one falls back to it.
const instanceTaskIntervalEnv = "LXDNG_INSTANCE_SNAPSHOT_TASK_INTERVAL"

// startInstances builds the container driver and the instance service and
// re-attaches to the containers that outlived the last daemon.
func (d *Daemon) startInstances(ctx context.Context) error {
	drv, err := lxc.New(lxc.Options{
		LxcPath: d.path("containers"), LogDir: d.path("logs"), DevicesDir: d.path("devices"),
	})
	if err != nil {
		return err
	}
	interval, err := taskInterval(instanceTaskIntervalEnv, snapshotTaskIntervalEnv)
	if err != nil {
		return err
	}
	d.instances, err = instances.New(instances.Options{
		Store: d.db, Self: d.cluster.m.Identity(), Location: d.hub.Location, Driver: drv, Storage: d.storage,
		Networks: instanceNetworks{d.network}, Projects: d.projects, Images: instanceImages{d.images},
		Events: d.hub, Dir: d.cfg.Dir, DevlxdDir: d.path("devlxd"),
		FirewallTable: firewallTable(d.cfg.Dir), SnapshotInterval: interval, Peers: instancePeers{d.cluster},
	})
	if err != nil {
		return err
	}
	d.profiles.OnUpdate(d.instances.ProfileUpdated)
	d.images.SetPublisher(imagePublisher{d.instances})
	lxcVersion = func() string { return drv.Info().Version }
	d.lxcFeatures = lxc.Features()
	lister := devlxdLister{d.instances}
	d.devlxd = devlxd.New(devlxd.Options{Dir: d.path("devlxd"), Resolver: devlxd.NamespaceResolver{Lister: lister},
		Lister: lister, Events: d.hub, Location: d.hub.Location()})
	if err := d.devlxd.Start(d.ctx); err != nil {
		return err
	}
	return d.instances.Recover(ctx)
}

// devlxdLister gives the devlxd server this member's instances.
type devlxdLister struct{ svc *instances.Service }

// DevlxdInstances implements devlxd.Lister.
func (l devlxdLister) DevlxdInstances(ctx context.Context) ([]devlxd.Instance, error) {
	list, err := l.svc.List(ctx, instances.ListOpts{AllProjects: true, NoState: true})
	if err != nil {
		return nil, err
	}
	out := make([]devlxd.Instance, 0, len(list))
	for _, i := range list {
		out = append(out, l.convert(i))
	}
	return out, nil
}

// DevlxdInstance implements devlxd.Lister.
func (l devlxdLister) DevlxdInstance(ctx context.Context, ref instance.Ref) (devlxd.Instance, error) {
	i, _, err := l.svc.Get(ctx, ref.Project, ref.Name)
	if err != nil {
		return devlxd.Instance{}, err
	}
	return l.convert(i), nil
}

func (l devlxdLister) convert(i shared.Instance) devlxd.Instance {
	return devlxd.Instance{Ref: instance.Ref{Project: i.Project, Name: i.Name}, Type: i.Type, Driver: l.svc.Driver(),
		Config: i.ExpandedConfig, Devices: i.ExpandedDevices}
}

// taskInterval reads the first set environment variable of names.
func taskInterval(names ...string) (time.Duration, error) {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return 0, fmt.Errorf("Invalid %s %q: %w", n, v, err)
			}
			return d, nil
		}
	}
	return 0, nil
}

// runInstanceTasks starts the background work of the instance service
// once the API serves: autostart and the snapshot task.
func (d *Daemon) runInstanceTasks() {
	go d.instances.Autostart(d.ctx)
	go d.instances.RunSnapshotTask(d.ctx)
}

// instanceSource adapts the instance service to the per-instance I/O
// endpoints (api.InstanceSource).
type instanceSource struct {
	svc *instances.Service
	dir string
}

var _ api.InstanceSource = instanceSource{}

// Instance implements api.InstanceSource.
func (s instanceSource) Instance(ctx context.Context, project, name string) (*api.InstanceHandle, error) {
	inst, _, err := s.svc.Get(ctx, project, name)
	if err != nil {
		return nil, err
	}
	ref := instance.Ref{Project: project, Name: name}
	return &api.InstanceHandle{
		Ref: ref, Driver: s.svc.Driver(), Type: inst.Type, Architecture: inst.Architecture,
		Config: inst.ExpandedConfig, Devices: inst.ExpandedDevices, Ephemeral: inst.Ephemeral,
		Status: shared.StatusCode(inst.StatusCode), LogDir: filepath.Join(s.dir, "logs", project+"_"+name),
		MountVolume: func(ctx context.Context) (string, func(), error) { return s.svc.MountVolume(ctx, project, name) },
	}, nil
}

// instanceNetworks resolves nic network=<name> for the instance service.
type instanceNetworks struct{ svc *netsvc.Service }

// NICNetwork implements instances.Networks.
func (n instanceNetworks) NICNetwork(ctx context.Context, project, name string) (instances.NICNetwork, error) {
	res, err := n.svc.Network(ctx, project, name)
	if err != nil {
		return instances.NICNetwork{}, err
	}
	cfg := res.Network.Config
	switch res.Network.Type {
	case "bridge":
		return instances.NICNetwork{NICType: "bridged", Parent: res.Network.Name, MTU: cfg["bridge.mtu"], Config: cfg}, nil
	case "macvlan":
		return instances.NICNetwork{NICType: "macvlan", Parent: cfg["parent"], MTU: cfg["mtu"]}, nil
	case "physical":
		return instances.NICNetwork{NICType: "physical", Parent: cfg["parent"], MTU: cfg["mtu"]}, nil
	}
	return instances.NICNetwork{}, fmt.Errorf("Network %q of type %q cannot be used by NICs", name, res.Network.Type)
}

// RefreshStaticLeases implements instances.Networks.
func (n instanceNetworks) RefreshStaticLeases(ctx context.Context, project, name string) error {
	return n.svc.RefreshStaticLeases(ctx, project, name)
}

// FilterAddresses implements instances.Networks.
func (n instanceNetworks) FilterAddresses(ctx context.Context, project, name, mac string, v4, v6 bool) (string, string, error) {
	return n.svc.FilterAddresses(ctx, project, name, mac, v4, v6)
}

// instanceImages gives the instance service the local image store.
type instanceImages struct{ svc *images.Service }

// ResolveImage implements instances.Images: an alias or a fingerprint
// (prefix) of a local image.
func (i instanceImages) ResolveImage(ctx context.Context, project string, src shared.InstanceSource) (instances.Image, error) {
	if src.Server != "" {
		return instances.Image{}, shared.BadRequest("Image sources on remote servers are not supported yet")
	}
	key := src.Fingerprint
	if key == "" {
		key = src.Alias
	}
	if key == "" {
		return instances.Image{}, shared.BadRequest("Image source needs an alias or a fingerprint")
	}
	img, err := i.svc.Image(ctx, project, key)
	if err != nil {
		if src.Fingerprint == "" && shared.StatusOf(err) == 404 {
			return instances.Image{}, shared.NotFound("Image alias not found")
		}
		return instances.Image{}, err
	}
	return instances.Image{Fingerprint: img.Fingerprint, Architecture: img.Architecture, Type: img.Type,
		Properties: img.Properties, Profiles: img.Profiles, Size: img.Size}, nil
}

// UnpackImage implements instances.Images; the progress is reported once
// the image is unpacked (the store unpacks in one go).
func (i instanceImages) UnpackImage(ctx context.Context, fingerprint, target string, progress func(instances.Progress)) error {
	begin := time.Now()
	if err := i.svc.UnpackInto(ctx, fingerprint, target); err != nil {
		return err
	}
	var size int64
	if img, err := i.svc.Image(ctx, "default", fingerprint); err == nil {
		size = img.Size
	}
	speed := int64(float64(size) / time.Since(begin).Seconds())
	progress(instances.Progress{Percent: 100, Speed: speed})
	return nil
}

// imagePublisher lets the image store publish instances and snapshots.
type imagePublisher struct{ svc *instances.Service }

// Publish implements images.Publisher.
func (p imagePublisher) Publish(ctx context.Context, req images.PublishRequest, w io.Writer) error {
	return p.svc.Publish(ctx, instances.PublishRequest{Project: req.Project, Instance: req.Instance,
		Snapshot: req.Snapshot, Compression: req.Compression, Properties: req.Properties}, w)
}

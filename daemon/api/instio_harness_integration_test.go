//go:build integration

package api_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	lxdapi "github.com/lxdng/lxd/daemon/api"
	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/daemon/devlxd"
	"github.com/lxdng/lxd/daemon/events"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/instancetest"
	"github.com/lxdng/lxd/drivers/instance/lxc"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/testimage"
)

// ioHarness serves daemon/api's router in-process with an InstanceSource
// backed by the real lxc driver and busybox containers, so the
// per-instance I/O endpoints run against real containers before the
// instance service exists. Its Daemon value (Kind "adapter") has a unix
// socket in Dir, so the real lxc client drives it like a daemon.
type ioHarness struct {
	d     *daemontest.Daemon
	drv   *lxc.Driver
	state string
	hub   *events.Hub

	devlxd *devlxd.Server
	images map[string]string // fingerprint -> file served by devlxd export

	mu    sync.Mutex
	insts map[string]*harnessInstance
}

type harnessInstance struct {
	spec    instance.Spec
	vol     string
	devices map[string]map[string]string
}

// harnessInfo answers GET /1.0 with our extension list.
type harnessInfo struct{}

func (harnessInfo) Environment(ctx context.Context) api.ServerEnvironment {
	return api.ServerEnvironment{ServerName: "none", Server: "lxd", ServerVersion: "5.0.2"}
}

// Extensions adds "instances" (the instance service's, which makes the
// client use /1.0/instances URLs) until that service exists.
func (harnessInfo) Extensions() []string {
	exts := api.Extensions()
	for _, e := range exts {
		if e == "instances" {
			return exts
		}
	}
	return append(exts, "instances")
}

// traversable makes dir and its parents traversable by an unprivileged
// container's root (a high host uid).
func ioTraversable(t *testing.T, dir string) string {
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func startIOHarness(t *testing.T) *ioHarness {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("integration tests need root")
	}
	state := ioTraversable(t, t.TempDir())
	drv, err := lxc.New(lxc.Options{
		LxcPath: filepath.Join(state, "lxc"), LogDir: filepath.Join(state, "logs"),
		DevicesDir: filepath.Join(state, "devices"), Exe: daemontest.Binary(t, "lxd"),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &ioHarness{drv: drv, state: state, hub: events.NewHub(1024), insts: map[string]*harnessInstance{}}
	ctx, cancel := context.WithCancel(context.Background())
	ops := operations.NewRegistry(ctx, h.hub, func() string { return "none" })
	handler := lxdapi.New(lxdapi.Deps{Config: &config.Server{}, Info: harnessInfo{}, Ops: ops, Events: h.hub, Instances: h})
	dir, conf := filepath.Join(state, "lxd"), filepath.Join(state, "conf")
	for _, d := range []string{dir, conf} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "unix.socket"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ConnContext: lxdapi.ConnContext}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		cancel()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		_ = ops.Wait(wctx)
	})
	c, err := client.ConnectUnix(filepath.Join(dir, "unix.socket"), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.d = &daemontest.Daemon{Kind: "adapter", Dir: dir, ConfDir: conf, Client: c}
	h.images = map[string]string{}
	h.devlxd = devlxd.New(devlxd.Options{
		Dir: filepath.Join(dir, "devlxd"), Resolver: devlxd.NamespaceResolver{Lister: h}, Lister: h,
		Events: h.hub, Images: h,
	})
	if err := h.devlxd.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.devlxd.Stop() })
	return h
}

// DevlxdInstances implements devlxd.Lister.
func (h *ioHarness) DevlxdInstances(ctx context.Context) ([]devlxd.Instance, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []devlxd.Instance
	for _, hi := range h.insts {
		out = append(out, h.devlxdInstance(hi))
	}
	return out, nil
}

// DevlxdInstance implements devlxd.Lister.
func (h *ioHarness) DevlxdInstance(ctx context.Context, ref instance.Ref) (devlxd.Instance, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hi, ok := h.insts[ref.String()]
	if !ok {
		return devlxd.Instance{}, api.NotFound("Instance not found")
	}
	return h.devlxdInstance(hi), nil
}

func (h *ioHarness) devlxdInstance(hi *harnessInstance) devlxd.Instance {
	return devlxd.Instance{Ref: hi.spec.Ref, Type: "container", Driver: h.drv, Config: hi.spec.Config, Devices: hi.devices}
}

// ExportImage implements devlxd.ImageExporter with files the test names.
func (h *ioHarness) ExportImage(w http.ResponseWriter, r *http.Request, project, fp string) error {
	p, ok := h.images[fp]
	if !ok {
		return api.NotFound("Image not found")
	}
	http.ServeFile(w, r, p)
	return nil
}

// setConfig changes an instance's config key (empty value unsets it) and
// announces it as the instance service does.
func (h *ioHarness) setConfig(name, key, value string) {
	h.mu.Lock()
	hi := h.insts["default/"+name]
	cfg := map[string]string{}
	for k, v := range hi.spec.Config {
		cfg[k] = v
	}
	if value == "" {
		delete(cfg, key)
	} else {
		cfg[key] = value
	}
	hi.spec.Config = cfg
	h.mu.Unlock()
	h.hub.PublishLifecycle("default", api.EventLifecycle{Action: "instance-updated", Source: "/1.0/instances/" + name})
}

// setDevice adds or replaces (nil removes) a device entry and announces it.
func (h *ioHarness) setDevice(name, dev string, cfg map[string]string) {
	h.mu.Lock()
	hi := h.insts["default/"+name]
	devs := map[string]map[string]string{}
	for k, v := range hi.devices {
		devs[k] = v
	}
	if cfg == nil {
		delete(devs, dev)
	} else {
		devs[dev] = cfg
	}
	hi.devices = devs
	h.mu.Unlock()
	h.hub.PublishLifecycle("default", api.EventLifecycle{Action: "instance-updated", Source: "/1.0/instances/" + name})
}

// Instance implements api.InstanceSource.
func (h *ioHarness) Instance(ctx context.Context, project, name string) (*lxdapi.InstanceHandle, error) {
	h.mu.Lock()
	hi, ok := h.insts[project+"/"+name]
	h.mu.Unlock()
	if !ok {
		return nil, api.NotFound("Instance not found")
	}
	st, err := h.drv.State(ctx, hi.spec.Ref)
	if err != nil {
		return nil, err
	}
	vol := hi.vol
	return &lxdapi.InstanceHandle{
		Ref: hi.spec.Ref, Driver: h.drv, Type: "container", Architecture: hi.spec.Architecture,
		Config: hi.spec.Config, Devices: hi.devices, Status: st.Status,
		LogDir:      filepath.Join(h.state, "logs", project+"_"+name),
		MountVolume: func(ctx context.Context) (string, func(), error) { return vol, func() {}, nil },
	}, nil
}

// harnessMetadata is the metadata.yaml of the harness's instances.
const harnessMetadata = `architecture: x86_64
creation_date: 1700000000
expiry_date: 0
properties:
  os: Busybox
templates:
  /etc/hostname:
    when:
    - create
    create_only: false
    template: hostname.tpl
    properties: {}
`

// create makes a stopped busybox instance (unprivileged) named name.
func (h *ioHarness) create(t *testing.T, name string, cfg map[string]string) instance.Spec {
	t.Helper()
	vol := filepath.Join(h.state, "volumes", name)
	if err := testimage.BuildBusyboxRootfs(filepath.Join(vol, "rootfs")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(vol, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(vol, "metadata.yaml"), []byte(harnessMetadata), 0o644)
	_ = os.WriteFile(filepath.Join(vol, "templates", "hostname.tpl"), []byte("{{ container.name }}\n"), 0o644)
	if cfg == nil {
		cfg = map[string]string{}
	}
	spec := instance.Spec{
		Ref: instance.Ref{Project: "default", Name: name}, RootfsPath: filepath.Join(vol, "rootfs"),
		Architecture: "x86_64", Config: cfg, Idmap: instancetest.UnprivilegedMap,
	}
	// What the instance service does: the devlxd socket directory is
	// bind-mounted at /dev/lxd unless security.devlxd is false.
	if devlxd.Enabled(cfg) {
		spec.Devices = append(spec.Devices, devlxd.Device(h.devlxd.Dir()))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.drv.Create(ctx, spec); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	h.mu.Lock()
	h.insts["default/"+name] = &harnessInstance{spec: spec, vol: vol, devices: map[string]map[string]string{}}
	h.mu.Unlock()
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := h.drv.Stop(c, spec.Ref, instance.StopOpts{Force: true}); err != nil {
			t.Errorf("cleanup stop %s: %v", name, err)
		}
		if err := h.drv.Delete(c, spec.Ref); err != nil {
			t.Errorf("cleanup delete %s: %v", name, err)
		}
	})
	return spec
}

// launch creates and starts an instance.
func (h *ioHarness) launch(t *testing.T, name string, cfg map[string]string) {
	t.Helper()
	spec := h.create(t, name, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.drv.Start(ctx, spec); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
}

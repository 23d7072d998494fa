package instances

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/devlxd"
	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/instances/rootfs"
	"github.com/lxdng/lxd/daemon/instances/templates"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/idmap"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// baseSpec is the driver spec of rec without devices: its rootfs under
// the mounted volume, config, id map and hooks.
func (s *Service) baseSpec(rec *record, volumePath string) (instance.Spec, error) {
	set, err := idmap.ParseJSON(rec.row.Config["volatile.idmap.next"])
	if err != nil {
		return instance.Spec{}, err
	}
	if config.ParseBool(rec.expConfig["security.privileged"]) {
		set = nil
	}
	ref := rec.ref()
	return instance.Spec{
		Ref: ref, RootfsPath: filepath.Join(volumePath, "rootfs"), Architecture: rec.row.Architecture,
		Config: rec.expConfig, Idmap: set, Hostname: ref.Name,
		Hooks: instance.Hooks{
			StopNS:   fmt.Sprintf("%s callhook %s %s %s stopns", s.o.Exe, s.o.Dir, ref.Project, ref.Name),
			PostStop: fmt.Sprintf("%s callhook %s %s %s stop", s.o.Exe, s.o.Dir, ref.Project, ref.Name),
		},
	}, nil
}

// Start starts a stopped instance. progress receives operation metadata.
func (s *Service) Start(ctx context.Context, project, name string, progress func(map[string]any)) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	if err := s.start(ctx, rec, progress); err != nil {
		return err
	}
	s.emit(project, api.EventLifecycle{Action: "instance-started", Source: URL(project, name),
		Requestor: request.From(ctx).Lifecycle()})
	return nil
}

// start does the work of Start with the instance lock held.
func (s *Service) start(ctx context.Context, rec *record, progress func(map[string]any)) error {
	if progress == nil {
		progress = func(map[string]any) {}
	}
	if st := s.driverStatus(ctx, rec); st != api.Stopped {
		return api.BadRequest("The instance is already running")
	}
	log := logctx.From(ctx).WithField("instance", rec.ref().String())
	rev := revert.New()
	defer rev.Fail()
	if rec.row.Config["volatile.idmap.next"] == "" || idmapOutdated(rec) {
		if err := s.refreshIdmap(ctx, rec); err != nil {
			return err
		}
	}
	path, release, err := s.o.Storage.MountInstanceVolume(ctx, rec.volume(), "")
	if err != nil {
		return fmt.Errorf("Failed to mount the instance's volume: %w", err)
	}
	rev.Add(release)
	spec, err := s.baseSpec(rec, path)
	if err != nil {
		return err
	}
	if err := s.applyTemplates(ctx, rec, path); err != nil {
		return err
	}
	devs, err := s.prepareDevices(ctx, rec)
	if err != nil {
		return err
	}
	rev.Add(func() { devs.undo(context.WithoutCancel(ctx)) })
	spec.Devices = devs.specs
	if s.o.DevlxdDir != "" && devlxd.Enabled(rec.expConfig) {
		spec.Devices = append(spec.Devices, devlxd.Device(s.o.DevlxdDir))
	}
	progress(map[string]any{"container_progress": ""})
	if err := s.o.Driver.Start(ctx, spec); err != nil {
		return err
	}
	rev.Add(func() {
		_ = s.o.Driver.Stop(context.WithoutCancel(ctx), rec.ref(), instance.StopOpts{Force: true})
	})
	if st := s.driverState(ctx, rec); st.Pid > 0 {
		if err := s.startProxies(ctx, rec, st.Pid, devs.volatile); err != nil {
			return err
		}
	}
	changes := devs.volatile
	changes["volatile.last_state.power"] = "RUNNING"
	changes["volatile.idmap.current"] = spec.Idmap.JSON()
	changes["volatile.last_state.idmap"] = spec.Idmap.JSON()
	changes["volatile.apply_template"] = ""
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if err := tx.UpdateInstanceConfig(ctx, rec.row.ID, changes); err != nil {
			return err
		}
		return tx.SetInstanceLastUsed(ctx, rec.row.ID, time.Now())
	})
	if err != nil {
		return err
	}
	rev.Success()
	s.holdRunning(rec.ref(), release, devs.releases)
	s.refreshLeases(ctx, rec)
	log.Info("Started instance")
	return nil
}

// idmapOutdated reports whether the stored map no longer matches the
// config (e.g. security.privileged or raw.idmap changed while stopped).
func idmapOutdated(rec *record) bool {
	set, err := idmap.ParseJSON(rec.row.Config["volatile.idmap.next"])
	if err != nil {
		return true
	}
	privileged := config.ParseBool(rec.expConfig["security.privileged"])
	return privileged != (set == nil)
}

// refreshIdmap recomputes volatile.idmap.next/base from the config.
func (s *Service) refreshIdmap(ctx context.Context, rec *record) error {
	return s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		set, base, err := s.nextIdmap(ctx, tx, rec.expConfig, rec.row.ID)
		if err != nil {
			return err
		}
		changes := idmapVolatile(set, base)
		for k, v := range changes {
			rec.row.Config[k] = v
		}
		rec.expand()
		return tx.UpdateInstanceConfig(ctx, rec.row.ID, changes)
	})
}

// holdRunning remembers the mounts a running instance holds.
func (s *Service) holdRunning(ref instance.Ref, root func(), devices []deviceRelease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := refKey(ref.Project, ref.Name)
	if old := s.mounts[key]; old != nil {
		old()
	}
	s.mounts[key] = root
	s.devMnts[key] = devices
}

// releaseRunning lets go of the mounts a running instance held.
func (s *Service) releaseRunning(ref instance.Ref) {
	s.mu.Lock()
	key := refKey(ref.Project, ref.Name)
	root, devices := s.mounts[key], s.devMnts[key]
	delete(s.mounts, key)
	delete(s.devMnts, key)
	s.mu.Unlock()
	for i := len(devices) - 1; i >= 0; i-- {
		devices[i].release()
	}
	if root != nil {
		root()
	}
}

// releaseDevice lets go of the mounts device dev of a running instance
// held (it was removed while the instance runs).
func (s *Service) releaseDevice(ref instance.Ref, dev string) {
	s.mu.Lock()
	key := refKey(ref.Project, ref.Name)
	var mine, kept []deviceRelease
	for _, r := range s.devMnts[key] {
		if r.device == dev {
			mine = append(mine, r)
		} else {
			kept = append(kept, r)
		}
	}
	if len(kept) > 0 {
		s.devMnts[key] = kept
	} else {
		delete(s.devMnts, key)
	}
	s.mu.Unlock()
	for i := len(mine) - 1; i >= 0; i-- {
		mine[i].release()
	}
}

// applyTemplates renders the image templates due at this start: those of
// volatile.apply_template (create, copy, rename) and then the start ones.
func (s *Service) applyTemplates(ctx context.Context, rec *record, volumePath string) error {
	data, err := os.ReadFile(filepath.Join(volumePath, "metadata.yaml"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	meta, err := imagefile.ParseMetadata(data)
	if err != nil {
		return err
	}
	root, err := rootfs.Open(filepath.Join(volumePath, "rootfs"), rootfs.IDMap{})
	if err != nil {
		return err
	}
	defer root.Close()
	c := templates.Context{
		Instance: templates.Instance{Name: rec.row.Name, Architecture: rec.row.Architecture, Type: rec.row.Type,
			Privileged: config.ParseBool(rec.expConfig["security.privileged"]), Ephemeral: rec.row.Ephemeral},
		Config: rec.expConfig, Devices: rec.expDevices,
	}
	triggers := []string{}
	if t := rec.row.Config["volatile.apply_template"]; t != "" {
		triggers = append(triggers, t)
	}
	triggers = append(triggers, imagefile.TriggerStart)
	for _, t := range triggers {
		c.Trigger = t
		if err := templates.Apply(ctx, root, meta, filepath.Join(volumePath, "templates"), c); err != nil {
			return fmt.Errorf("Failed to apply %s templates: %w", t, err)
		}
	}
	return nil
}

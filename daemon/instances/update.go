package instances

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/projects"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/proxy"
	"github.com/lxdng/lxd/drivers/network/nic"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// Update replaces an instance's writable part (PUT, and PATCH after the
// handler merged it). Volatile keys the request leaves out are kept.
// On a running instance, changed limits apply at once and added or removed
// disk and unix devices are hot-plugged; other changes apply at next start.
func (s *Service) Update(ctx context.Context, project, name string, put api.InstancePut) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	old, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	next, err := s.updatedRecord(ctx, old, put)
	if err != nil {
		return err
	}
	if s.o.Projects != nil {
		err := s.o.Projects.AllowInstanceUpdate(ctx, project, projects.InstanceCheck{Name: name,
			Type: next.row.Type, Config: next.expConfig, Devices: next.expDevices})
		if err != nil {
			return err
		}
	}
	running := s.driverStatus(ctx, old) != api.Stopped
	rev := revert.New()
	defer rev.Fail()
	if running {
		if err := s.applyLive(ctx, old, next, rev); err != nil {
			return err
		}
	}
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		err := tx.UpdateInstance(ctx, old.row.ID, db.InstanceUpdate{Architecture: next.row.Architecture,
			Ephemeral: next.row.Ephemeral, Description: next.row.Description, Config: next.row.Config, Devices: next.row.Devices})
		if err != nil {
			return err
		}
		pp, err := tx.ProfileProject(ctx, project)
		if err != nil {
			return err
		}
		return tx.SetInstanceProfiles(ctx, old.row.ID, pp, next.row.Profiles)
	})
	if err != nil {
		return err
	}
	rev.Success()
	s.refreshLeases(ctx, next)
	s.emit(project, api.EventLifecycle{Action: "instance-updated", Source: URL(project, name)})
	return nil
}

// updatedRecord validates put against old and returns the new record.
// Config errors carry LXD's "Invalid config: ..." wording.
func (s *Service) updatedRecord(ctx context.Context, old *record, put api.InstancePut) (*record, error) {
	cfg := copyMap(put.Config)
	for k, v := range old.row.Config {
		if _, set := cfg[k]; !set && isVolatile(k) {
			cfg[k] = v
		}
	}
	if err := s.validateConfig(cfg); err != nil {
		return nil, err
	}
	profiles := put.Profiles
	if profiles == nil {
		profiles = old.row.Profiles
	}
	arch := put.Architecture
	if arch == "" {
		arch = old.row.Architecture
	}
	if _, ok := archIDs[arch]; !ok {
		return nil, api.BadRequest("Invalid architecture %q", arch)
	}
	var next *record
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		pp, err := tx.ProfileProject(ctx, old.row.Project)
		if err != nil {
			return err
		}
		row := old.row
		row.Config, row.Devices, row.Profiles = cfg, copyDevices(put.Devices), profiles
		row.Architecture, row.Ephemeral, row.Description = arch, put.Ephemeral, put.Description
		if next, err = s.newRecord(ctx, tx, row, pp); err != nil {
			return err
		}
		if _, _, err := instconfig.RootDisk(next.expDevices); err != nil {
			return api.BadRequest("Invalid devices: %w", err)
		}
		for dev, d := range next.expDevices {
			if d["type"] == "nic" && d["hwaddr"] == "" && next.row.Config["volatile."+dev+".hwaddr"] == "" {
				next.row.Config["volatile."+dev+".hwaddr"] = nic.RandomHwaddr()
			}
		}
		if idmapChanged(old.expConfig, next.expConfig) {
			set, base, err := s.nextIdmap(ctx, tx, next.expConfig, old.row.ID)
			if err != nil {
				return err
			}
			for k, v := range idmapVolatile(set, base) {
				next.row.Config[k] = v
			}
		}
		next.expand()
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Outside the transaction: NIC validation asks the network service.
	if err := s.validateDevices(ctx, next); err != nil {
		return nil, err
	}
	return next, nil
}

// applyLive applies the changes of a running instance: limits and device
// hotplug. Reverting detaches what was attached.
func (s *Service) applyLive(ctx context.Context, old, next *record, rev *revert.Reverter) error {
	if old.pool() != next.pool() {
		return api.BadRequest("Cannot change the root disk pool of a running instance")
	}
	if limitsChanged(old.expConfig, next.expConfig) {
		lu, ok := s.o.Driver.(instance.LimitsUpdater)
		if !ok {
			return api.BadRequest("Limits cannot be changed while the instance is running")
		}
		if err := lu.UpdateLimits(ctx, old.ref(), next.expConfig); err != nil {
			return err
		}
		rev.Add(func() { _ = lu.UpdateLimits(context.WithoutCancel(ctx), old.ref(), old.expConfig) })
	}
	return s.hotplug(ctx, old, next, rev)
}

func limitsChanged(old, next map[string]string) bool {
	for _, m := range []map[string]string{old, next} {
		for k := range m {
			if strings.HasPrefix(k, "limits.") && old[k] != next[k] {
				return true
			}
		}
	}
	return false
}

// hotplug attaches added devices and detaches removed ones (a changed
// device is removed then added).
func (s *Service) hotplug(ctx context.Context, old, next *record, rev *revert.Reverter) error {
	var removed, added []string
	for name, dev := range old.expDevices {
		if nd, ok := next.expDevices[name]; !ok || !reflect.DeepEqual(nd, dev) {
			removed = append(removed, name)
		}
	}
	for name, dev := range next.expDevices {
		if od, ok := old.expDevices[name]; !ok || !reflect.DeepEqual(od, dev) {
			added = append(added, name)
		}
	}
	if len(removed)+len(added) == 0 {
		return nil
	}
	hp, ok := s.o.Driver.(instance.Hotplugger)
	for _, name := range append(append([]string{}, removed...), added...) {
		for _, dev := range []map[string]string{old.expDevices[name], next.expDevices[name]} {
			if dev == nil || dev["type"] == "proxy" || dev["type"] == "none" {
				continue
			}
			t := dev["type"]
			if !ok || (t != "disk" && t != "unix-char" && t != "unix-block") || instconfig.IsRootDisk(dev) {
				return api.BadRequest("Device %q cannot be changed while the instance is running", name)
			}
		}
	}
	for _, name := range removed {
		if err := s.detach(ctx, hp, old, name); err != nil {
			return err
		}
	}
	for _, name := range added {
		if err := s.attach(ctx, hp, next, name, rev); err != nil {
			return err
		}
	}
	return nil
}

// hotplugProxy stops a removed proxy device or starts an added one.
func (s *Service) hotplugProxy(ctx context.Context, rec *record, name string, add bool, rev *revert.Reverter) error {
	if !add {
		return proxy.Stop(ctx, s.proxyDirs().Ref(rec.row.Project, rec.row.Name, name))
	}
	st := s.driverState(ctx, rec)
	spec, err := s.proxySpec(rec, name, st.Pid, nil)
	if err != nil {
		return err
	}
	markCloseOnExec()
	if _, err := proxy.Start(ctx, spec); err != nil {
		return fmt.Errorf("Failed to start device %q: %w", name, err)
	}
	rev.Add(func() { _ = proxy.Stop(context.WithoutCancel(ctx), spec.Ref) })
	return nil
}

func (s *Service) detach(ctx context.Context, hp instance.Hotplugger, rec *record, name string) error {
	if rec.expDevices[name]["type"] == "proxy" {
		return s.hotplugProxy(ctx, rec, name, false, nil)
	}
	var tmp preparedDevices
	idx := 0
	spec, err := s.deviceSpec(ctx, rec, name, rec.expDevices[name], &tmp, &idx)
	tmp.undo(ctx)
	if err != nil || spec == nil {
		return nil // nothing was attached for it
	}
	if err := hp.DetachDevice(ctx, rec.ref(), *spec); err != nil {
		return fmt.Errorf("Failed to detach device %q: %w", name, err)
	}
	return nil
}

func (s *Service) attach(ctx context.Context, hp instance.Hotplugger, rec *record, name string, rev *revert.Reverter) error {
	if rec.expDevices[name]["type"] == "proxy" {
		return s.hotplugProxy(ctx, rec, name, true, rev)
	}
	prep := &preparedDevices{volatile: map[string]string{}}
	idx := 0
	spec, err := s.deviceSpec(ctx, rec, name, rec.expDevices[name], prep, &idx)
	if err != nil || spec == nil {
		prep.undo(ctx)
		return err
	}
	if err := hp.AttachDevice(ctx, rec.ref(), *spec); err != nil {
		prep.undo(ctx)
		return fmt.Errorf("Failed to attach device %q: %w", name, err)
	}
	rev.Add(func() { _ = hp.DetachDevice(context.WithoutCancel(ctx), rec.ref(), *spec) })
	key := refKey(rec.row.Project, rec.row.Name)
	s.mu.Lock()
	s.devMnts[key] = append(s.devMnts[key], prep.releases...)
	s.mu.Unlock()
	logctx.From(ctx).WithField("device", name).Debug("Hot-plugged device")
	return nil
}

// UpdateDescription changes only the description (PATCH of just it).
func (s *Service) UpdateDescription(ctx context.Context, project, name, description string) error {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.UpdateInstanceDescription(ctx, rec.row.ID, description)
	})
}

// ProfileUpdated re-applies a changed profile to the running instances
// using it: their limits are set again from the new expanded config.
// (Devices a profile adds or removes apply at the next start.)
func (s *Service) ProfileUpdated(ctx context.Context, project, profile string) error {
	recs, err := s.memberRecords(ctx)
	if err != nil {
		return err
	}
	lu, ok := s.o.Driver.(instance.LimitsUpdater)
	if !ok {
		return nil
	}
	for _, rec := range recs {
		uses := false
		for _, p := range rec.profiles {
			if p.Project == project && p.Name == profile {
				uses = true
			}
		}
		if !uses || s.driverStatus(ctx, rec) == api.Stopped {
			continue
		}
		if err := lu.UpdateLimits(ctx, rec.ref(), rec.expConfig); err != nil {
			logctx.From(ctx).WithError(err).WithField("instance", rec.ref().String()).Warn("Failed to apply profile change")
		}
	}
	return nil
}

package instances

import (
	"context"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/projects"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/network/nic"
	"github.com/lxdng/lxd/shared/api"
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
		if _, err := s.applyLive(ctx, old, next, rev); err != nil {
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
	s.refreshLeases(ctx, old)
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
	// LXD keeps no empty keys: `lxc config set c1 k ""` unsets k.
	for k, v := range cfg {
		if v == "" {
			delete(cfg, k)
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
		_, root, err := instconfig.RootDisk(next.expDevices)
		if err != nil {
			return api.BadRequest("Invalid devices: %w", err)
		}
		// The volume lives on the old pool: moving it is `lxc move -s`.
		if _, oldRoot, err := instconfig.RootDisk(old.expDevices); err == nil && oldRoot["pool"] != root["pool"] {
			return api.BadRequest("Cannot update root disk device pool name to %q", root["pool"])
		}
		for dev, d := range next.expDevices {
			if needsHwaddr(d) && next.row.Config["volatile."+dev+".hwaddr"] == "" {
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
	if err := s.checkAddedNICs(ctx, old, next); err != nil {
		return nil, err
	}
	return next, nil
}

// applyLive applies the changes of a running instance: limits and device
// hotplug. Reverting detaches what was attached. It returns the volatile
// keys hot-plugging changed (also set in next.row.Config).
func (s *Service) applyLive(ctx context.Context, old, next *record, rev *revert.Reverter) (map[string]string, error) {
	if old.pool() != next.pool() {
		return nil, api.BadRequest("Cannot change the root disk pool of a running instance")
	}
	if limitsChanged(old.expConfig, next.expConfig) {
		lu, ok := s.o.Driver.(instance.LimitsUpdater)
		if !ok {
			return nil, api.BadRequest("Limits cannot be changed while the instance is running")
		}
		if err := lu.UpdateLimits(ctx, old.ref(), next.expConfig); err != nil {
			return nil, err
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

// checkAddedNICs runs LXD's add validation of the NICs next adds or
// changes: one NIC per instance on a managed bridge.
func (s *Service) checkAddedNICs(ctx context.Context, old, next *record) error {
	_, added := deviceChanges(old.expDevices, next.expDevices)
	for _, name := range added {
		if err := s.dnsNameConflict(ctx, next, name, "add"); err != nil {
			return err
		}
		if err := s.addressConflict(ctx, next, name, "add"); err != nil {
			return err
		}
	}
	return nil
}

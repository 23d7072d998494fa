package projects

import (
	"context"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/shared/api"
)

// Delta is a change checked against a project's limits before it is made.
type Delta struct {
	// Instance is created, or replaces the instance of the same name
	// (update, rename target excluded). Config and Devices are expanded.
	Instance *InstanceCheck
	// Volume is a custom volume created or resized.
	Volume *VolumeDelta
	// Networks is the number of networks being added.
	Networks int
}

// VolumeDelta is a custom volume as limits.disk sees it.
type VolumeDelta struct {
	Pool string
	Name string
	Size string // the volume's "size" config ("" counts as 0)
}

// CheckLimits refuses d when the project would go over one of its
// limits.* keys, with LXD's texts (500s, as LXD answers them):
// `Reached maximum number of instances in project "p"`,
// `Reached maximum aggregate value "4" for "limits.cpu" in project "p"`.
func (s *Service) CheckLimits(ctx context.Context, project string, d Delta) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, project)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Failed loading project %q: %w", project, err)
		}
		u, err := loadUsage(ctx, tx, project)
		if err != nil {
			return err
		}
		return s.checkDelta(p, u, d)
	})
}

func (s *Service) checkDelta(p db.Project, u *projectUsage, d Delta) error {
	added := false
	if d.Instance != nil {
		added = u.put(usageInstance{Name: d.Instance.Name, Type: d.Instance.Type, Config: d.Instance.Config, Devices: d.Instance.Devices})
	}
	if added {
		if err := checkCounts(p, u, d.Instance.Type); err != nil {
			return err
		}
	}
	if d.Volume != nil {
		u.putVolume(*d.Volume)
	}
	if lim := limitValue("", p.Config["limits.networks"]); d.Networks > 0 && lim >= 0 && int64(u.networks+d.Networks) > lim {
		return api.InternalError("Reached maximum number of networks in project %q", p.Name)
	}
	for _, k := range aggregateKeys {
		lim := limitValue(k, p.Config[k])
		if lim < 0 {
			continue
		}
		sum, err := s.total(u, k, true)
		if err != nil {
			return api.InternalError("Failed getting usage of project entities: %w", err)
		}
		if sum > lim {
			return api.InternalError("Reached maximum aggregate value %q for %q in project %q", p.Config[k], k, p.Name)
		}
	}
	return nil
}

func checkCounts(p db.Project, u *projectUsage, instType string) error {
	if lim := limitValue("", p.Config["limits.instances"]); lim >= 0 && u.count("") > lim {
		return api.InternalError("Reached maximum number of instances in project %q", p.Name)
	}
	typeKey := "limits.containers"
	if instType == instconfig.TypeVM {
		typeKey = "limits.virtual-machines"
	}
	if lim := limitValue("", p.Config[typeKey]); lim >= 0 && u.count(instType) > lim {
		return api.InternalError("Reached maximum number of instances of type %q in project %q", instType, p.Name)
	}
	return nil
}

// putVolume replaces or adds a custom volume's size.
func (u *projectUsage) putVolume(v VolumeDelta) {
	for i := range u.volumes {
		if u.volumes[i].Pool == v.Pool && u.volumes[i].Name == v.Name {
			u.volumes[i].Config = db.JSONMap{"size": v.Size}
			return
		}
	}
	u.volumes = append(u.volumes, db.VolumeUsage{Pool: v.Pool, Name: v.Name, Config: db.JSONMap{"size": v.Size}})
}

// checkLimitChanges refuses new project limits below current usage, with
// LXD's texts.
func (s *Service) checkLimitChanges(ctx context.Context, tx *db.Tx, p db.Project, cfg map[string]string) error {
	changed := func(k string) bool { return cfg[k] != "" && cfg[k] != p.Config[k] }
	var u *projectUsage
	load := func() error {
		var err error
		if u == nil {
			u, err = loadUsage(ctx, tx, p.Name)
		}
		return err
	}
	if err := s.checkCountChanges(p, cfg, changed, load, func() *projectUsage { return u }); err != nil {
		return err
	}
	for _, k := range aggregateKeys {
		if !changed(k) {
			continue
		}
		if err := load(); err != nil {
			return err
		}
		sum, err := s.total(u, k, true)
		if err != nil {
			return api.InternalError("%s", err.Error())
		}
		if sum > limitValue(k, cfg[k]) {
			return api.InternalError("%q is too low: current total is %q", k, formatAggregate(k, sum))
		}
	}
	return nil
}

func (s *Service) checkCountChanges(p db.Project, cfg map[string]string, changed func(string) bool, load func() error, usage func() *projectUsage) error {
	counts := []struct{ key, instType, format string }{
		{"limits.instances", "", `Can't change limits.instances in project %q: "limits.instances" is too low: there currently are %d total instances in project %q`},
		{"limits.containers", instconfig.TypeContainer, `Can't change "limits.containers" in project %q: "limits.containers" is too low: there currently are %d instances of type container in project %q`},
		{"limits.virtual-machines", instconfig.TypeVM, `Can't change "limits.virtual-machines" in project %q: "limits.virtual-machines" is too low: there currently are %d instances of type virtual-machine in project %q`},
	}
	for _, c := range counts {
		if !changed(c.key) {
			continue
		}
		if err := load(); err != nil {
			return err
		}
		if n := usage().count(c.instType); n > limitValue("", cfg[c.key]) {
			return api.InternalError(c.format, p.Name, n, p.Name)
		}
	}
	if changed("limits.networks") {
		if err := load(); err != nil {
			return err
		}
		if n := int64(usage().networks); n > limitValue("", cfg["limits.networks"]) {
			return api.InternalError(`Can't change "limits.networks" in project %q: "limits.networks" is too low: there currently are %d networks in project %q`, p.Name, n, p.Name)
		}
	}
	return nil
}

// AllowInstanceCreation runs the restriction and limit checks of a new
// instance with LXD's wording ("Failed checking if instance creation
// allowed: ..."). c holds the expanded config and devices.
func (s *Service) AllowInstanceCreation(ctx context.Context, project string, c InstanceCheck) error {
	return s.allowInstance(ctx, project, c, "creation")
}

// AllowInstanceUpdate is AllowInstanceCreation for a changed instance.
func (s *Service) AllowInstanceUpdate(ctx context.Context, project string, c InstanceCheck) error {
	return s.allowInstance(ctx, project, c, "update")
}

func (s *Service) allowInstance(ctx context.Context, project string, c InstanceCheck, what string) error {
	// Only reads: a read transaction keeps the read-write connection free.
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, project)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Failed loading project %q: %w", project, err)
		}
		if err := CheckRestrictions(p.Name, p.Config, c); err != nil {
			return err
		}
		u, err := loadUsage(ctx, tx, project)
		if err != nil {
			return err
		}
		return s.checkDelta(p, u, Delta{Instance: &c})
	})
	if err != nil {
		return api.NewStatusError(api.StatusOf(err), "Failed checking if instance %s allowed: %w", what, err)
	}
	return nil
}

// AllowProfileUpdate checks a profile's new config and devices against
// its project's restrictions, and the limits for every instance using it
// (with the new profile applied).
func (s *Service) AllowProfileUpdate(ctx context.Context, project, profile string, put api.ProfilePut) error {
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, project)
		if err != nil {
			return err
		}
		return s.checkProfileUpdate(ctx, tx, p, profile, put)
	})
	if err != nil {
		return api.NewStatusError(api.StatusOf(err), "Failed checking if profile update allowed: %w", err)
	}
	return nil
}

// checkProfileUpdate re-expands the instances of project that use profile
// with its new content and checks each against the restrictions (as LXD,
// before the profile itself), then the profile, then the aggregate limits.
func (s *Service) checkProfileUpdate(ctx context.Context, tx *db.Tx, p db.Project, profile string, put api.ProfilePut) error {
	rows, err := tx.ProjectInstances(ctx, p.Name)
	if err != nil {
		return err
	}
	u := &projectUsage{project: p.Name}
	for _, r := range rows {
		cfgs, devs, uses := []map[string]string{}, []instconfig.Devices{}, false
		for _, prof := range r.Profiles {
			cfg, dev := map[string]string(prof.Config), instconfig.Devices(prof.Devices)
			if prof.Name == profile && prof.Project == p.Name {
				cfg, dev, uses = put.Config, put.Devices, true
			}
			cfgs, devs = append(cfgs, cfg), append(devs, dev)
		}
		inst := usageInstance{Name: r.Name, Type: r.Type,
			Config: instconfig.ExpandConfig(cfgs, r.Config), Devices: instconfig.ExpandDevices(devs, r.Devices)}
		if uses {
			c := InstanceCheck{Name: inst.Name, Type: inst.Type, Config: inst.Config, Devices: inst.Devices}
			if err := CheckRestrictions(p.Name, p.Config, c); err != nil {
				return err
			}
		}
		u.instances = append(u.instances, inst)
	}
	c := InstanceCheck{Name: profile, Config: put.Config, Devices: put.Devices}
	if err := CheckRestrictions(p.Name, p.Config, c); err != nil {
		return err
	}
	if u.volumes, err = tx.ProjectCustomVolumes(ctx, p.Name); err != nil {
		return err
	}
	return s.checkDelta(p, u, Delta{})
}

// AllowProfileCreation checks a new profile's content against its
// project's restrictions. LXD 5.0.2 only checks on update; checking on
// creation too keeps a restricted project from holding a profile no
// instance could use.
func (s *Service) AllowProfileCreation(ctx context.Context, project, profile string, put api.ProfilePut) error {
	err := s.CheckInstance(ctx, project, InstanceCheck{Name: profile, Config: put.Config, Devices: put.Devices})
	if err != nil {
		return api.BadRequest("Failed checking if profile creation allowed: %w", err)
	}
	return nil
}

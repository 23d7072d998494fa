package projects

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/units"
)

// aggregateKeys are the project limits summed over the instances' own
// values, in LXD's checking order.
var aggregateKeys = []string{"limits.cpu", "limits.disk", "limits.memory", "limits.processes"}

// usageInstance is an instance as limits see it: expanded config and
// devices.
type usageInstance struct {
	Name    string
	Type    string
	Config  map[string]string
	Devices map[string]map[string]string
}

// projectUsage is everything a project's limits are computed from.
type projectUsage struct {
	project   string
	instances []usageInstance
	volumes   []db.VolumeUsage
	networks  int
}

func loadUsage(ctx context.Context, tx *db.Tx, project string) (*projectUsage, error) {
	rows, err := tx.ProjectInstances(ctx, project)
	if err != nil {
		return nil, err
	}
	u := &projectUsage{project: project}
	for _, r := range rows {
		cfgs := make([]map[string]string, 0, len(r.Profiles))
		devs := make([]instconfig.Devices, 0, len(r.Profiles))
		for _, p := range r.Profiles {
			cfgs = append(cfgs, p.Config)
			devs = append(devs, p.Devices)
		}
		u.instances = append(u.instances, usageInstance{Name: r.Name, Type: r.Type,
			Config: instconfig.ExpandConfig(cfgs, r.Config), Devices: instconfig.ExpandDevices(devs, r.Devices)})
	}
	if u.volumes, err = tx.ProjectCustomVolumes(ctx, project); err != nil {
		return nil, err
	}
	nets, err := tx.ProjectNetworks(ctx, project)
	u.networks = len(nets)
	return u, err
}

// count returns the instances of a type ("" for all).
func (u *projectUsage) count(instType string) int64 {
	var n int64
	for _, i := range u.instances {
		if instType == "" || i.Type == instType {
			n++
		}
	}
	return n
}

// put replaces the instance of the same name, or adds it; it reports
// whether it was added.
func (u *projectUsage) put(i usageInstance) bool {
	for n := range u.instances {
		if u.instances[n].Name == i.Name {
			u.instances[n] = i
			return false
		}
	}
	u.instances = append(u.instances, i)
	return true
}

// instanceValue returns the bytes/count an instance contributes to an
// aggregate limit. strict refuses instances lacking the key (needed when
// the limit is set); otherwise they count as 0.
func (s *Service) instanceValue(u *projectUsage, i usageInstance, key string, strict bool) (int64, error) {
	if key == "limits.disk" {
		return rootDiskSize(u.project, i, strict)
	}
	v := i.Config[key]
	if v == "" {
		if !strict {
			return 0, nil
		}
		return 0, fmt.Errorf("Instance %q in project %q has no %q config, either directly or via a profile", i.Name, u.project, key)
	}
	n, err := parseLimit(key, v)
	if err != nil {
		if !strict {
			return 0, nil
		}
		return 0, fmt.Errorf("Failed parsing %q for instance %q in project %q", key, i.Name, u.project)
	}
	return n, nil
}

func rootDiskSize(project string, i usageInstance, strict bool) (int64, error) {
	_, root, err := instconfig.RootDisk(i.Devices)
	if err != nil || root["size"] == "" {
		if !strict {
			return 0, nil
		}
		return 0, fmt.Errorf("Instance %q in project %q has no \"size\" config set on the root device either directly or via a profile", i.Name, project)
	}
	n, err := units.ParseByteSize(root["size"])
	if err != nil && strict {
		return 0, fmt.Errorf("Failed parsing \"size\" of the root device of instance %q in project %q", i.Name, project)
	}
	return n, nil
}

// parseLimit reads an instance's own limit value: CPU counts (not sets),
// byte sizes (not percentages), process counts.
func parseLimit(key, v string) (int64, error) {
	switch key {
	case "limits.cpu":
		n, plain, err := instconfig.CPUCount(v)
		if err != nil || !plain {
			return 0, fmt.Errorf("not a CPU count")
		}
		return n, nil
	case "limits.memory":
		return units.ParseByteSize(v)
	}
	return strconv.ParseInt(v, 10, 64)
}

// total sums an aggregate over instances (and custom volumes for disk).
func (s *Service) total(u *projectUsage, key string, strict bool) (int64, error) {
	var sum int64
	for _, i := range u.instances {
		n, err := s.instanceValue(u, i, key, strict)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	if key == "limits.disk" {
		for _, v := range u.volumes {
			if n, err := units.ParseByteSize(v.Config["size"]); err == nil {
				sum += n
			}
		}
	}
	return sum, nil
}

// limitValue parses a project limit ("" means none: -1).
func limitValue(key, v string) int64 {
	if v == "" {
		return -1
	}
	if key == "limits.memory" || key == "limits.disk" {
		n, err := units.ParseByteSize(v)
		if err != nil {
			return -1
		}
		return n
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// formatAggregate renders a total as LXD does in errors ("1.1GiB" for
// sizes, plain numbers otherwise).
func formatAggregate(key string, n int64) string {
	if key != "limits.memory" && key != "limits.disk" {
		return strconv.FormatInt(n, 10)
	}
	if n < 1024 {
		return fmt.Sprintf("%dB", n)
	}
	v, suffixes := float64(n), []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := -1
	for v >= 1024 && i < len(suffixes)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f%s", v, suffixes[i])
}

// State returns the /1.0/projects/<name>/state resources: each limit
// (-1 when unset) with the current usage.
func (s *Service) State(ctx context.Context, name string) (api.ProjectState, error) {
	out := api.ProjectState{Resources: map[string]api.ProjectStateResource{}}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, name)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Fetch project database object: %w", err)
		}
		u, err := loadUsage(ctx, tx, name)
		if err != nil {
			return err
		}
		counts := map[string]int64{"containers": u.count(instconfig.TypeContainer), "virtual-machines": u.count(instconfig.TypeVM),
			"instances": u.count(""), "networks": int64(u.networks)}
		for res, n := range counts {
			out.Resources[res] = api.ProjectStateResource{Limit: limitValue("", p.Config["limits."+res]), Usage: n}
		}
		for _, k := range aggregateKeys {
			sum, err := s.total(u, k, false)
			if err != nil {
				return err
			}
			out.Resources[strings.TrimPrefix(k, "limits.")] = api.ProjectStateResource{Limit: limitValue(k, p.Config[k]), Usage: sum}
		}
		return nil
	})
	return out, err
}

package instances

import (
	"context"
	"sort"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
)

// record is an instance as loaded from the database: its row, its profiles
// in apply order and its expanded config and devices.
type record struct {
	row        db.Instance
	profiles   []db.ProfileDetail
	expConfig  map[string]string
	expDevices map[string]map[string]string
}

func (r *record) ref() instance.Ref { return instance.Ref{Project: r.row.Project, Name: r.row.Name} }

// pool is the storage pool of the instance's root disk ("" when none).
func (r *record) pool() string {
	_, dev, err := instconfig.RootDisk(r.expDevices)
	if err != nil {
		return ""
	}
	return dev["pool"]
}

// volume names the instance's root volume.
func (r *record) volume() storage.InstanceRef {
	return storage.InstanceRef{Pool: r.pool(), Project: r.row.Project, Name: r.row.Name, Type: r.row.Type}
}

// expand computes the expanded config and devices.
func (r *record) expand() {
	cfgs := make([]map[string]string, 0, len(r.profiles))
	devs := make([]instconfig.Devices, 0, len(r.profiles))
	for _, p := range r.profiles {
		cfgs = append(cfgs, p.Config)
		devs = append(devs, instconfig.Devices(p.Devices))
	}
	r.expConfig = instconfig.ExpandConfig(cfgs, r.row.Config)
	r.expDevices = instconfig.ExpandDevices(devs, instconfig.Devices(r.row.Devices))
}

// loadRecords loads the instances matching f with their profiles in three
// queries whatever their number.
func loadRecords(ctx context.Context, tx *db.Tx, f db.InstanceFilter) ([]*record, error) {
	rows, err := tx.Instances(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	profProject := map[string]string{}
	var projects []string
	for _, row := range rows {
		if _, ok := profProject[row.Project]; ok {
			continue
		}
		pp, err := tx.ProfileProject(ctx, row.Project)
		if err != nil {
			return nil, err
		}
		profProject[row.Project] = pp
		projects = append(projects, pp)
	}
	sort.Strings(projects)
	details, err := tx.ProfileDetails(ctx, projects...)
	if err != nil {
		return nil, err
	}
	out := make([]*record, 0, len(rows))
	for _, row := range rows {
		rec := &record{row: row}
		for _, name := range row.Profiles {
			if p, ok := details[profProject[row.Project]+"/"+name]; ok {
				rec.profiles = append(rec.profiles, p)
			}
		}
		rec.expand()
		out = append(out, rec)
	}
	return out, nil
}

// loadRecord loads one instance (404 "Instance not found").
func loadRecord(ctx context.Context, tx *db.Tx, project, name string) (*record, error) {
	recs, err := loadRecords(ctx, tx, db.InstanceFilter{Project: project, Name: name})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, api.NotFound("Instance not found")
	}
	return recs[0], nil
}

// load is loadRecord in its own transaction.
func (s *Service) load(ctx context.Context, project, name string) (*record, error) {
	var rec *record
	err := s.readTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		rec, err = loadRecord(ctx, tx, project, name)
		return err
	})
	return rec, err
}

// setVolatile changes config keys of an instance ("" removes a key).
func (s *Service) setVolatile(ctx context.Context, id int64, changes map[string]string) error {
	if len(changes) == 0 {
		return nil
	}
	return s.tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error {
		return tx.UpdateInstanceConfig(ctx, id, changes)
	})
}

// copyMap returns a copy of m (never nil).
func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// copyDevices returns a deep copy of d (never nil).
func copyDevices(d map[string]map[string]string) map[string]map[string]string {
	out := make(map[string]map[string]string, len(d))
	for name, dev := range d {
		out[name] = copyMap(dev)
	}
	return out
}

package db

import (
	"context"
)

// DeviceHolder is a profile or an instance with its devices: what the
// storage service scans to find who uses a pool or volume. Instance
// devices are expanded (profile devices in apply order, then the
// instance's own).
type DeviceHolder struct {
	// Kind is "profile" or "instance".
	Kind    string
	Project string
	Name    string
	Devices map[string]map[string]string
}

// DeviceHolders lists every profile and instance with its devices,
// profiles first, each ordered by project and name.
func (t *Tx) DeviceHolders(ctx context.Context) ([]DeviceHolder, error) {
	profiles, err := t.profileDevices(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DeviceHolder, 0, len(profiles))
	byID := map[int64]JSONDevices{}
	for _, p := range profiles {
		byID[p.id] = p.devices
		out = append(out, DeviceHolder{Kind: "profile", Project: p.project, Name: p.name, Devices: p.devices})
	}
	instances, err := t.instanceDevices(ctx, byID)
	if err != nil {
		return nil, err
	}
	return append(out, instances...), nil
}

type profileRow struct {
	id            int64
	project, name string
	devices       JSONDevices
}

func (t *Tx) profileDevices(ctx context.Context) ([]profileRow, error) {
	rows, err := t.Query(ctx, `SELECT p.id, projects.name, p.name, p.devices FROM profiles p
		JOIN projects ON projects.id = p.project_id ORDER BY projects.name, p.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []profileRow
	for rows.Next() {
		var p profileRow
		if err := rows.Scan(&p.id, &p.project, &p.name, &p.devices); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (t *Tx) instanceDevices(ctx context.Context, profiles map[int64]JSONDevices) ([]DeviceHolder, error) {
	rows, err := t.Query(ctx, `SELECT i.id, projects.name, i.name, i.devices FROM instances i
		JOIN projects ON projects.id = i.project_id ORDER BY projects.name, i.name`)
	if err != nil {
		return nil, err
	}
	type inst struct {
		id int64
		DeviceHolder
		local JSONDevices
	}
	var list []inst
	for rows.Next() {
		var i inst
		if err := rows.Scan(&i.id, &i.Project, &i.Name, &i.local); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	applied, err := t.instanceProfiles(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DeviceHolder, 0, len(list))
	for _, i := range list {
		devs := map[string]map[string]string{}
		for _, pid := range applied[i.id] {
			for name, d := range profiles[pid] {
				devs[name] = d
			}
		}
		for name, d := range i.local {
			devs[name] = d
		}
		out = append(out, DeviceHolder{Kind: "instance", Project: i.Project, Name: i.Name, Devices: devs})
	}
	return out, nil
}

// instanceProfiles maps instance ids to their profile ids in apply order.
func (t *Tx) instanceProfiles(ctx context.Context) (map[int64][]int64, error) {
	rows, err := t.Query(ctx, "SELECT instance_id, profile_id FROM instances_profiles ORDER BY instance_id, apply_order")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var iid, pid int64
		if err := rows.Scan(&iid, &pid); err != nil {
			return nil, err
		}
		out[iid] = append(out[iid], pid)
	}
	return out, rows.Err()
}

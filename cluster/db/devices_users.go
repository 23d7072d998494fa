package db

import (
	"context"
	"sort"
)

// DeviceUser is a profile or an instance with the devices it ends up with:
// a profile's own devices, or an instance's expanded devices (its profiles'
// devices in apply order, overridden by its local devices, as LXD expands
// them). Services that need to know who uses a network, pool or volume scan
// these.
type DeviceUser struct {
	Kind     string // DeviceUserProfile or DeviceUserInstance
	Project  string
	Name     string
	MemberID int64   // instances only
	Config   JSONMap // instances: local config (volatile.<dev>.hwaddr lives there)
	Devices  JSONDevices
}

// DeviceUser kinds.
const (
	DeviceUserProfile  = "profile"
	DeviceUserInstance = "instance"
)

// DeviceUsers lists every profile and every instance (all projects, all
// members) with their devices; profiles first, then instances, each sorted
// by project and name.
func (t *Tx) DeviceUsers(ctx context.Context) ([]DeviceUser, error) {
	profiles, byID, err := t.profileDevices(ctx)
	if err != nil {
		return nil, err
	}
	instances, err := t.instanceDevices(ctx, byID)
	if err != nil {
		return nil, err
	}
	return append(profiles, instances...), nil
}

func (t *Tx) profileDevices(ctx context.Context) ([]DeviceUser, map[int64]JSONDevices, error) {
	rows, err := t.Query(ctx, `SELECT profiles.id, projects.name, profiles.name, profiles.devices
		FROM profiles JOIN projects ON projects.id = profiles.project_id ORDER BY projects.name, profiles.name`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []DeviceUser
	byID := map[int64]JSONDevices{}
	for rows.Next() {
		var id int64
		u := DeviceUser{Kind: DeviceUserProfile}
		if err := rows.Scan(&id, &u.Project, &u.Name, &u.Devices); err != nil {
			return nil, nil, err
		}
		byID[id] = u.Devices
		out = append(out, u)
	}
	return out, byID, rows.Err()
}

func (t *Tx) instanceDevices(ctx context.Context, profiles map[int64]JSONDevices) ([]DeviceUser, error) {
	applied, err := t.instanceProfiles(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.Query(ctx, `SELECT instances.id, projects.name, instances.name, instances.member_id,
		instances.config, instances.devices
		FROM instances JOIN projects ON projects.id = instances.project_id ORDER BY projects.name, instances.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeviceUser
	for rows.Next() {
		var id int64
		var local JSONDevices
		u := DeviceUser{Kind: DeviceUserInstance}
		if err := rows.Scan(&id, &u.Project, &u.Name, &u.MemberID, &u.Config, &local); err != nil {
			return nil, err
		}
		u.Devices = JSONDevices{}
		for _, pid := range applied[id] {
			for name, dev := range profiles[pid] {
				u.Devices[name] = dev
			}
		}
		for name, dev := range local {
			u.Devices[name] = dev
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// instanceProfiles maps instance id to its profile ids in apply order.
func (t *Tx) instanceProfiles(ctx context.Context) (map[int64][]int64, error) {
	rows, err := t.Query(ctx, "SELECT instance_id, profile_id, apply_order FROM instances_profiles")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type entry struct{ profile, order int64 }
	lists := map[int64][]entry{}
	for rows.Next() {
		var inst int64
		var e entry
		if err := rows.Scan(&inst, &e.profile, &e.order); err != nil {
			return nil, err
		}
		lists[inst] = append(lists[inst], e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[int64][]int64, len(lists))
	for inst, l := range lists {
		sort.Slice(l, func(i, j int) bool { return l[i].order < l[j].order })
		for _, e := range l {
			out[inst] = append(out[inst], e.profile)
		}
	}
	return out, nil
}

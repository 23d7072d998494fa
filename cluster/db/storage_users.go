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
// profiles first, each ordered by project and name (DeviceUsers, in the
// storage service's shape).
func (t *Tx) DeviceHolders(ctx context.Context) ([]DeviceHolder, error) {
	users, err := t.DeviceUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DeviceHolder, 0, len(users))
	for _, u := range users {
		out = append(out, DeviceHolder{Kind: u.Kind, Project: u.Project, Name: u.Name, Devices: u.Devices})
	}
	return out, nil
}

package db

import (
	"context"

	"github.com/lxdng/lxd/shared/api"
)

// CreateProject inserts a project; 409 `This "projects" entry already
// exists` on a duplicate name (LXD's text).
func (t *Tx) CreateProject(ctx context.Context, p Project) (int64, error) {
	res, err := t.Exec(ctx, "INSERT INTO projects (name, description, config) VALUES (?, ?, ?)", p.Name, p.Description, p.Config)
	if isUnique(err) {
		return 0, api.Conflict(`This "projects" entry already exists`)
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// UpdateProject rewrites the description and config of project id.
func (t *Tx) UpdateProject(ctx context.Context, id int64, description string, config JSONMap) error {
	return t.execOne(ctx, api.NotFound("Project not found"),
		"UPDATE projects SET description = ?, config = ? WHERE id = ?", description, config, id)
}

// RenameProject renames project id; 409 when the name is taken.
func (t *Tx) RenameProject(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, api.NotFound("Project not found"), "UPDATE projects SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict(`This "projects" entry already exists`)
	}
	return err
}

// DeleteProject removes project id and, by cascade, what is left in it.
func (t *Tx) DeleteProject(ctx context.Context, id int64) error {
	return t.execOne(ctx, api.NotFound("Project not found"), "DELETE FROM projects WHERE id = ?", id)
}

// InstanceUsage is what project limits and used_by need of an instance:
// its own config and devices and its profiles in apply order.
type InstanceUsage struct {
	ID       int64
	Name     string
	Type     string
	Config   JSONMap
	Devices  JSONDevices
	Profiles []Profile
}

// ProjectInstances lists the instances of project with their profiles,
// ordered by name.
func (t *Tx) ProjectInstances(ctx context.Context, project string) ([]InstanceUsage, error) {
	rows, err := t.Query(ctx, `SELECT instances.id, instances.name, instances.type, instances.config, instances.devices
		FROM instances JOIN projects ON projects.id = instances.project_id
		WHERE projects.name = ? ORDER BY instances.name`, project)
	if err != nil {
		return nil, err
	}
	var out []InstanceUsage
	index := map[int64]int{}
	for rows.Next() {
		var u InstanceUsage
		if err := rows.Scan(&u.ID, &u.Name, &u.Type, &u.Config, &u.Devices); err != nil {
			rows.Close()
			return nil, err
		}
		index[u.ID] = len(out)
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, t.attachProfiles(ctx, project, out, index)
}

// attachProfiles fills the Profiles of each instance of project in one
// query.
func (t *Tx) attachProfiles(ctx context.Context, project string, out []InstanceUsage, index map[int64]int) error {
	rows, err := t.Query(ctx, `SELECT instances_profiles.instance_id, `+profileColumns+`
		JOIN instances_profiles ON instances_profiles.profile_id = profiles.id
		JOIN instances ON instances.id = instances_profiles.instance_id
		JOIN projects AS ip ON ip.id = instances.project_id
		WHERE ip.name = ? ORDER BY instances_profiles.instance_id, instances_profiles.apply_order`, project)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var instID int64
		var p Profile
		if err := rows.Scan(&instID, &p.ID, &p.ProjectID, &p.Project, &p.Name, &p.Description, &p.Config, &p.Devices); err != nil {
			return err
		}
		if i, ok := index[instID]; ok {
			out[i].Profiles = append(out[i].Profiles, p)
		}
	}
	return rows.Err()
}

// VolumeUsage is a custom volume of a project.
type VolumeUsage struct {
	Pool   string
	Name   string
	Config JSONMap
}

// ProjectCustomVolumes lists the custom volumes of project, by pool then
// name.
func (t *Tx) ProjectCustomVolumes(ctx context.Context, project string) ([]VolumeUsage, error) {
	rows, err := t.Query(ctx, `SELECT storage_pools.name, storage_volumes.name, storage_volumes.config
		FROM storage_volumes JOIN storage_pools ON storage_pools.id = storage_volumes.pool_id
		JOIN projects ON projects.id = storage_volumes.project_id
		WHERE projects.name = ? AND storage_volumes.type = 'custom'
		ORDER BY storage_pools.name, storage_volumes.name`, project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VolumeUsage
	for rows.Next() {
		var v VolumeUsage
		if err := rows.Scan(&v.Pool, &v.Name, &v.Config); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ProjectImages lists the fingerprints of the images of project.
func (t *Tx) ProjectImages(ctx context.Context, project string) ([]string, error) {
	return t.QueryStrings(ctx, `SELECT images.fingerprint FROM images JOIN projects ON projects.id = images.project_id
		WHERE projects.name = ? ORDER BY images.fingerprint`, project)
}

// ProjectNetworks lists the names of the networks of project.
func (t *Tx) ProjectNetworks(ctx context.Context, project string) ([]string, error) {
	return t.QueryStrings(ctx, `SELECT networks.name FROM networks JOIN projects ON projects.id = networks.project_id
		WHERE projects.name = ? ORDER BY networks.name`, project)
}

// ProjectInstanceNames lists the names of the instances of project.
func (t *Tx) ProjectInstanceNames(ctx context.Context, project string) ([]string, error) {
	return t.QueryStrings(ctx, `SELECT instances.name FROM instances JOIN projects ON projects.id = instances.project_id
		WHERE projects.name = ? ORDER BY instances.name`, project)
}

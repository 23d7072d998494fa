package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lxdng/lxd/shared/api"
)

// Profile is a profiles row with its project's name.
type Profile struct {
	ID          int64
	ProjectID   int64
	Project     string
	Name        string
	Description string
	Config      JSONMap
	Devices     JSONDevices
}

const profileColumns = `profiles.id, profiles.project_id, projects.name, profiles.name, profiles.description,
	profiles.config, profiles.devices FROM profiles JOIN projects ON projects.id = profiles.project_id`

func scanProfile(row interface{ Scan(...any) error }) (Profile, error) {
	var p Profile
	err := row.Scan(&p.ID, &p.ProjectID, &p.Project, &p.Name, &p.Description, &p.Config, &p.Devices)
	return p, err
}

// Profiles lists the profiles of a project, ordered by name.
func (t *Tx) Profiles(ctx context.Context, project string) ([]Profile, error) {
	rows, err := t.Query(ctx, "SELECT "+profileColumns+" WHERE projects.name = ? ORDER BY profiles.name", project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Profile{}
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Profile loads one profile; 404 "Profile not found" if unknown.
func (t *Tx) Profile(ctx context.Context, project, name string) (Profile, error) {
	p, err := scanProfile(t.QueryRow(ctx, "SELECT "+profileColumns+" WHERE projects.name = ? AND profiles.name = ?", project, name))
	if errors.Is(err, sql.ErrNoRows) {
		return p, api.NotFound("Profile not found")
	}
	return p, err
}

// CreateProfile inserts p into project p.ProjectID; 409 "The profile
// already exists" on a duplicate name.
func (t *Tx) CreateProfile(ctx context.Context, p Profile) (int64, error) {
	res, err := t.Exec(ctx, "INSERT INTO profiles (project_id, name, description, config, devices) VALUES (?, ?, ?, ?, ?)",
		p.ProjectID, p.Name, p.Description, p.Config, p.Devices)
	if isUnique(err) {
		return 0, api.Conflict("The profile already exists")
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// UpdateProfile rewrites the description, config and devices of profile id.
func (t *Tx) UpdateProfile(ctx context.Context, id int64, description string, config JSONMap, devices JSONDevices) error {
	return t.execOne(ctx, api.NotFound("Profile not found"),
		"UPDATE profiles SET description = ?, config = ?, devices = ? WHERE id = ?", description, config, devices, id)
}

// RenameProfile renames profile id; 409 when the name is taken.
func (t *Tx) RenameProfile(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, api.NotFound("Profile not found"), "UPDATE profiles SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict("The profile already exists")
	}
	return err
}

// DeleteProfile removes profile id (its instance links go with it).
func (t *Tx) DeleteProfile(ctx context.Context, id int64) error {
	return t.execOne(ctx, api.NotFound("Profile not found"), "DELETE FROM profiles WHERE id = ?", id)
}

// InstanceRef names an instance and its project.
type InstanceRef struct {
	Project string
	Name    string
}

// ProfileUsers lists the instances that use profile id, ordered by project
// then name. Instances of any project may use a profile of the default
// project (projects without features.profiles).
func (t *Tx) ProfileUsers(ctx context.Context, id int64) ([]InstanceRef, error) {
	rows, err := t.Query(ctx, `SELECT projects.name, instances.name FROM instances_profiles
		JOIN instances ON instances.id = instances_profiles.instance_id
		JOIN projects ON projects.id = instances.project_id
		WHERE instances_profiles.profile_id = ? ORDER BY projects.name <> 'default', projects.name, instances.name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []InstanceRef{}
	for rows.Next() {
		var r InstanceRef
		if err := rows.Scan(&r.Project, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ProfileUsersByProject returns ProfileUsers for every profile of project,
// keyed by profile id, in one query.
func (t *Tx) ProfileUsersByProject(ctx context.Context, project string) (map[int64][]InstanceRef, error) {
	rows, err := t.Query(ctx, `SELECT instances_profiles.profile_id, ip.name, instances.name FROM instances_profiles
		JOIN profiles ON profiles.id = instances_profiles.profile_id
		JOIN projects AS pp ON pp.id = profiles.project_id
		JOIN instances ON instances.id = instances_profiles.instance_id
		JOIN projects AS ip ON ip.id = instances.project_id
		WHERE pp.name = ? ORDER BY ip.name <> 'default', ip.name, instances.name`, project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]InstanceRef{}
	for rows.Next() {
		var id int64
		var r InstanceRef
		if err := rows.Scan(&id, &r.Project, &r.Name); err != nil {
			return nil, err
		}
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}

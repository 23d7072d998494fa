package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// Instance is an instances row with its project name, member name and
// ordered profile names.
type Instance struct {
	ID           int64
	Project      string
	Name         string
	MemberID     int64
	Member       string // member name ("none" when standalone)
	Type         string
	Architecture string
	Ephemeral    bool
	Stateful     bool
	Description  string
	CreatedAt    time.Time
	LastUsedAt   NullTime
	ExpiresAt    NullTime
	Config       JSONMap
	Devices      JSONDevices
	Profiles     []string // in apply order
}

// InstanceFilter selects instances; zero fields match everything.
type InstanceFilter struct {
	Project  string
	Name     string
	MemberID int64
}

const instanceColumns = `instances.id, projects.name, instances.name, instances.member_id, members.name,
	instances.type, instances.architecture, instances.ephemeral, instances.stateful, instances.description,
	instances.created_at, instances.last_used_at, instances.expires_at, instances.config, instances.devices`

const instanceFrom = ` FROM instances JOIN projects ON projects.id = instances.project_id
	JOIN members ON members.id = instances.member_id`

func scanInstance(sc interface{ Scan(...any) error }) (Instance, error) {
	var i Instance
	var created NullTime
	err := sc.Scan(&i.ID, &i.Project, &i.Name, &i.MemberID, &i.Member, &i.Type, &i.Architecture, &i.Ephemeral,
		&i.Stateful, &i.Description, &created, &i.LastUsedAt, &i.ExpiresAt, &i.Config, &i.Devices)
	i.CreatedAt = created.Time
	return i, err
}

// where is f as SQL conditions over the instances and projects tables
// (joined as in every instance query), with their arguments: at most three
// parameters whatever the number of instances (dqlite allows 255).
func (f InstanceFilter) where() ([]string, []any) {
	var where []string
	var args []any
	if f.Project != "" {
		where, args = append(where, "projects.name = ?"), append(args, f.Project)
	}
	if f.Name != "" {
		where, args = append(where, "instances.name = ?"), append(args, f.Name)
	}
	if f.MemberID != 0 {
		where, args = append(where, "instances.member_id = ?"), append(args, f.MemberID)
	}
	return where, args
}

// Instances lists the instances matching f ordered by project and name,
// with their profiles: two queries whatever the number of instances.
func (t *Tx) Instances(ctx context.Context, f InstanceFilter) ([]Instance, error) {
	where, args := f.where()
	q := "SELECT " + instanceColumns + instanceFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := t.Query(ctx, q+" ORDER BY projects.name, instances.name", args...)
	if err != nil {
		return nil, err
	}
	var out []Instance
	index := map[int64]int{}
	for rows.Next() {
		i, err := scanInstance(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[i.ID] = len(out)
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, t.attachInstanceProfiles(ctx, out, index, where, args)
}

// attachInstanceProfiles fills Profiles of out with one query restricted
// like the instance query.
func (t *Tx) attachInstanceProfiles(ctx context.Context, out []Instance, index map[int64]int, where []string, args []any) error {
	if len(out) == 0 {
		return nil
	}
	q := `SELECT instances_profiles.instance_id, profiles.name FROM instances_profiles
		JOIN profiles ON profiles.id = instances_profiles.profile_id
		JOIN instances ON instances.id = instances_profiles.instance_id
		JOIN projects ON projects.id = instances.project_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := t.Query(ctx, q+" ORDER BY instances_profiles.instance_id, instances_profiles.apply_order", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if n, ok := index[id]; ok {
			out[n].Profiles = append(out[n].Profiles, name)
		}
	}
	for n := range out {
		if out[n].Profiles == nil {
			out[n].Profiles = []string{}
		}
	}
	return rows.Err()
}

// Instance loads one instance; 404 "Instance not found" if unknown.
func (t *Tx) Instance(ctx context.Context, project, name string) (Instance, error) {
	list, err := t.Instances(ctx, InstanceFilter{Project: project, Name: name})
	if err != nil {
		return Instance{}, err
	}
	if len(list) == 0 {
		return Instance{}, api.NotFound("Instance not found")
	}
	return list[0], nil
}

// InstanceNames lists the instance names of a project.
func (t *Tx) InstanceNames(ctx context.Context, project string) ([]string, error) {
	return t.QueryStrings(ctx, `SELECT instances.name FROM instances JOIN projects ON projects.id = instances.project_id
		WHERE projects.name = ? ORDER BY instances.name`, project)
}

// CreateInstance inserts an instance with its profiles (looked up by name
// in profileProject) and returns its id. A taken name is LXD's error.
func (t *Tx) CreateInstance(ctx context.Context, i Instance, profileProject string) (int64, error) {
	p, err := t.Project(ctx, i.Project)
	if err != nil {
		return 0, err
	}
	created := i.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	profileIDs, err := t.profileIDs(ctx, profileProject, i.Profiles)
	if err != nil {
		return 0, err
	}
	res, err := t.Exec(ctx, `INSERT INTO instances (project_id, member_id, name, type, architecture, ephemeral,
		stateful, description, created_at, last_used_at, expires_at, config, devices)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, i.MemberID, i.Name, i.Type, i.Architecture, i.Ephemeral, i.Stateful, i.Description, created.UTC(),
		i.LastUsedAt, i.ExpiresAt, NonEmpty(i.Config), i.Devices)
	if isUnique(err) {
		return 0, api.Conflict(`Add instance info to the database: This "instances" entry already exists`)
	}
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	// A new instance has no profile rows to drop and its profile ids are
	// known: every statement here is a round trip on the read-write
	// connection the transaction holds.
	return id, t.insertInstanceProfiles(ctx, id, i.Profiles, profileIDs)
}

// SetInstanceProfiles replaces the profile list of an instance; a name
// missing from project is a 400 like LXD's.
func (t *Tx) SetInstanceProfiles(ctx context.Context, id int64, project string, profiles []string) error {
	ids, err := t.profileIDs(ctx, project, profiles)
	if err != nil {
		return err
	}
	if _, err := t.Exec(ctx, "DELETE FROM instances_profiles WHERE instance_id = ?", id); err != nil {
		return err
	}
	return t.insertInstanceProfiles(ctx, id, profiles, ids)
}

// insertInstanceProfiles adds the profile rows of instance id (profiles
// and their ids, in order).
func (t *Tx) insertInstanceProfiles(ctx context.Context, id int64, profiles []string, ids []int64) error {
	for n, pid := range ids {
		_, err := t.Exec(ctx, "INSERT INTO instances_profiles (instance_id, profile_id, apply_order) VALUES (?, ?, ?)", id, pid, n)
		if isUnique(err) {
			return api.BadRequest("Duplicate profile %q", profiles[n])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// profileIDs resolves profile names of project to ids, in order.
func (t *Tx) profileIDs(ctx context.Context, project string, profiles []string) ([]int64, error) {
	ids := make([]int64, 0, len(profiles))
	for _, name := range profiles {
		var pid int64
		err := t.QueryRow(ctx, `SELECT profiles.id FROM profiles JOIN projects ON projects.id = profiles.project_id
			WHERE projects.name = ? AND profiles.name = ?`, project, name).Scan(&pid)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, api.BadRequest("Requested profile %q doesn't exist", name)
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, pid)
	}
	return ids, nil
}

// InstanceUpdate is what an update replaces.
type InstanceUpdate struct {
	Architecture string
	Ephemeral    bool
	Description  string
	Config       JSONMap
	Devices      JSONDevices
}

// UpdateInstance replaces the writable columns of an instance.
func (t *Tx) UpdateInstance(ctx context.Context, id int64, u InstanceUpdate) error {
	return t.execOne(ctx, api.NotFound("Instance not found"), `UPDATE instances SET architecture = ?, ephemeral = ?,
		description = ?, config = ?, devices = ? WHERE id = ?`, u.Architecture, u.Ephemeral, u.Description, NonEmpty(u.Config), u.Devices, id)
}

// UpdateInstanceConfig sets (value != "") or removes (value == "") config
// keys of an instance inside the transaction, leaving the others alone.
func (t *Tx) UpdateInstanceConfig(ctx context.Context, id int64, changes map[string]string) error {
	var cfg JSONMap
	if err := t.QueryRow(ctx, "SELECT config FROM instances WHERE id = ?", id).Scan(&cfg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return api.NotFound("Instance not found")
		}
		return err
	}
	for k, v := range changes {
		if v == "" {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	_, err := t.Exec(ctx, "UPDATE instances SET config = ? WHERE id = ?", cfg, id)
	return err
}

// UpdateInstanceDescription sets only the description.
func (t *Tx) UpdateInstanceDescription(ctx context.Context, id int64, description string) error {
	return t.execOne(ctx, api.NotFound("Instance not found"), "UPDATE instances SET description = ? WHERE id = ?", description, id)
}

// SetInstanceLastUsed records when an instance last started.
func (t *Tx) SetInstanceLastUsed(ctx context.Context, id int64, at time.Time) error {
	_, err := t.Exec(ctx, "UPDATE instances SET last_used_at = ? WHERE id = ?", at.UTC(), id)
	return err
}

// RenameInstance renames an instance; a taken name is 409.
func (t *Tx) RenameInstance(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, api.NotFound("Instance not found"), "UPDATE instances SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict("Name %q already in use", name)
	}
	return err
}

// DeleteInstance deletes an instance row (profiles and snapshots cascade).
func (t *Tx) DeleteInstance(ctx context.Context, id int64) error {
	return t.execOne(ctx, api.NotFound("Instance not found"), "DELETE FROM instances WHERE id = ?", id)
}

// ProfileDetail is a profile as instances use it: for expansion and for
// the instance ETag (LXD hashes the full profile objects).
type ProfileDetail struct {
	ID          int64
	Project     string
	Name        string
	Description string
	Config      JSONMap
	Devices     JSONDevices
}

// maxInParams bounds the parameters of an IN list: dqlite allows 255 per
// statement. Longer lists select everything and filter in Go.
const maxInParams = 200

// ProfileDetails returns the profiles of the given projects (every
// project when none is given), keyed by "<project>/<name>", in one query.
func (t *Tx) ProfileDetails(ctx context.Context, projects ...string) (map[string]ProfileDetail, error) {
	q := `SELECT profiles.id, projects.name, profiles.name, profiles.description, profiles.config, profiles.devices
		FROM profiles JOIN projects ON projects.id = profiles.project_id`
	var args []any
	wanted := map[string]bool{}
	if len(projects) > 0 && len(projects) <= maxInParams {
		q += " WHERE projects.name IN (" + strings.TrimSuffix(strings.Repeat("?,", len(projects)), ",") + ")"
		for _, p := range projects {
			args = append(args, p)
		}
	}
	for _, p := range projects {
		wanted[p] = true
	}
	rows, err := t.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]ProfileDetail{}
	for rows.Next() {
		var p ProfileDetail
		if err := rows.Scan(&p.ID, &p.Project, &p.Name, &p.Description, &p.Config, &p.Devices); err != nil {
			return nil, err
		}
		if len(wanted) == 0 || wanted[p.Project] {
			out[p.Project+"/"+p.Name] = p
		}
	}
	return out, rows.Err()
}

// ProfileProject returns the project whose profiles instances of project
// use: the project itself with features.profiles=true, else "default".
func (t *Tx) ProfileProject(ctx context.Context, project string) (string, error) {
	if project == "" || project == "default" {
		return "default", nil
	}
	p, err := t.Project(ctx, project)
	if err != nil {
		return "", err
	}
	if p.Config["features.profiles"] == "true" {
		return project, nil
	}
	return "default", nil
}

// instanceIDOf returns the id of an instance, 404 if unknown.
func (t *Tx) instanceIDOf(ctx context.Context, project, name string) (int64, error) {
	var id int64
	err := t.QueryRow(ctx, `SELECT instances.id FROM instances JOIN projects ON projects.id = instances.project_id
		WHERE projects.name = ? AND instances.name = ?`, project, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, api.NotFound("Instance not found")
	}
	if err != nil {
		return 0, fmt.Errorf("Failed to load instance %q: %w", name, err)
	}
	return id, nil
}

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

// InstanceSnapshot is an instances_snapshots row: a frozen copy of the
// instance's config, devices and profile list.
type InstanceSnapshot struct {
	ID          int64
	InstanceID  int64
	Project     string // the instance's project
	Instance    string // the instance's name
	Name        string
	Description string
	Stateful    bool
	CreatedAt   time.Time
	ExpiresAt   NullTime
	Config      JSONMap
	Devices     JSONDevices
	Profiles    JSONList
}

const snapshotColumns = `instances_snapshots.id, instances_snapshots.instance_id, projects.name, instances.name,
	instances_snapshots.name, instances_snapshots.description, instances_snapshots.stateful,
	instances_snapshots.created_at, instances_snapshots.expires_at, instances_snapshots.config,
	instances_snapshots.devices, instances_snapshots.profiles`

const snapshotFrom = ` FROM instances_snapshots JOIN instances ON instances.id = instances_snapshots.instance_id
	JOIN projects ON projects.id = instances.project_id`

func (t *Tx) queryInstanceSnapshots(ctx context.Context, where string, args ...any) ([]InstanceSnapshot, error) {
	q := "SELECT " + snapshotColumns + snapshotFrom
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := t.Query(ctx, q+" ORDER BY instances_snapshots.instance_id, instances_snapshots.created_at, instances_snapshots.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InstanceSnapshot
	for rows.Next() {
		var s InstanceSnapshot
		var created NullTime
		if err := rows.Scan(&s.ID, &s.InstanceID, &s.Project, &s.Instance, &s.Name, &s.Description, &s.Stateful,
			&created, &s.ExpiresAt, &s.Config, &s.Devices, &s.Profiles); err != nil {
			return nil, err
		}
		s.CreatedAt = created.Time
		out = append(out, s)
	}
	return out, rows.Err()
}

// InstanceSnapshots lists the snapshots of one instance, oldest first.
func (t *Tx) InstanceSnapshots(ctx context.Context, instanceID int64) ([]InstanceSnapshot, error) {
	return t.queryInstanceSnapshots(ctx, "instances_snapshots.instance_id = ?", instanceID)
}

// InstanceSnapshotsOf lists the snapshots of the instances matching f in
// one query, keyed by instance id. It selects by the filter, not by a list
// of ids, so that any number of instances fits (dqlite allows 255
// parameters per statement).
func (t *Tx) InstanceSnapshotsOf(ctx context.Context, f InstanceFilter) (map[int64][]InstanceSnapshot, error) {
	where, args := f.where()
	list, err := t.queryInstanceSnapshots(ctx, strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, err
	}
	out := map[int64][]InstanceSnapshot{}
	for _, s := range list {
		out[s.InstanceID] = append(out[s.InstanceID], s)
	}
	return out, nil
}

// AllInstanceSnapshots lists every snapshot of the instances of member.
func (t *Tx) AllInstanceSnapshots(ctx context.Context, memberID int64) ([]InstanceSnapshot, error) {
	return t.queryInstanceSnapshots(ctx, "instances.member_id = ?", memberID)
}

// InstanceSnapshot loads one snapshot with LXD's 404 text.
func (t *Tx) InstanceSnapshot(ctx context.Context, project, instance, name string) (InstanceSnapshot, error) {
	list, err := t.queryInstanceSnapshots(ctx, "projects.name = ? AND instances.name = ? AND instances_snapshots.name = ?",
		project, instance, name)
	if err != nil {
		return InstanceSnapshot{}, err
	}
	if len(list) == 0 {
		return InstanceSnapshot{}, api.NotFound("Failed to fetch snapshot %q of instance %q in project %q: InstanceSnapshot not found",
			name, instance, project)
	}
	return list[0], nil
}

// CreateInstanceSnapshot inserts a snapshot; a taken name is LXD's error.
func (t *Tx) CreateInstanceSnapshot(ctx context.Context, s InstanceSnapshot) (int64, error) {
	created := s.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	res, err := t.Exec(ctx, `INSERT INTO instances_snapshots (instance_id, name, description, stateful, created_at,
		expires_at, config, devices, profiles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.InstanceID, s.Name, s.Description, s.Stateful, created.UTC(), s.ExpiresAt, s.Config, s.Devices, s.Profiles)
	if isUnique(err) {
		return 0, api.Conflict(`Failed creating instance snapshot record %q: Add snapshot info to the database: This "instances_snapshots" entry already exists`, s.Name)
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// RenameInstanceSnapshot renames a snapshot; a taken name is 409.
func (t *Tx) RenameInstanceSnapshot(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, api.NotFound("Snapshot not found"), "UPDATE instances_snapshots SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict("Name %q already in use", name)
	}
	return err
}

// UpdateInstanceSnapshot sets a snapshot's description and expiry.
func (t *Tx) UpdateInstanceSnapshot(ctx context.Context, id int64, description string, expiresAt time.Time) error {
	return t.execOne(ctx, api.NotFound("Snapshot not found"), "UPDATE instances_snapshots SET description = ?, expires_at = ? WHERE id = ?",
		description, NullTime{Time: expiresAt}, id)
}

// DeleteInstanceSnapshot deletes a snapshot row.
func (t *Tx) DeleteInstanceSnapshot(ctx context.Context, id int64) error {
	return t.execOne(ctx, api.NotFound("Snapshot not found"), "DELETE FROM instances_snapshots WHERE id = ?", id)
}

// InstanceSnapshotNames lists the snapshot names of an instance.
func (t *Tx) InstanceSnapshotNames(ctx context.Context, project, instance string) ([]string, error) {
	id, err := t.instanceIDOf(ctx, project, instance)
	if err != nil {
		return nil, err
	}
	return t.QueryStrings(ctx, "SELECT name FROM instances_snapshots WHERE instance_id = ? ORDER BY created_at, id", id)
}

// InstanceSnapshotExists reports whether a snapshot name exists.
func (t *Tx) InstanceSnapshotExists(ctx context.Context, instanceID int64, name string) (bool, error) {
	var n int
	err := t.QueryRow(ctx, "SELECT 1 FROM instances_snapshots WHERE instance_id = ? AND name = ?", instanceID, name).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("Failed to check snapshot %q: %w", name, err)
	}
	return true, nil
}

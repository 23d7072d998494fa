package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// StorageVolume is a storage_volumes row, with the names of its pool and
// project filled by the queries.
type StorageVolume struct {
	ID          int64
	PoolID      int64
	PoolName    string
	MemberID    int64
	ProjectID   int64
	Project     string
	Type        string
	Name        string
	Description string
	ContentType string
	CreatedAt   time.Time
	Config      JSONMap
}

// ErrStorageVolumeNotFound is LXD's 404 for an unknown volume.
var ErrStorageVolumeNotFound = api.NotFound("Storage pool volume not found")

// VolumeFilter selects volumes; zero fields match everything.
type VolumeFilter struct {
	PoolID   int64
	MemberID int64
	Project  string
	Type     string
	Name     string
}

const volumeSelect = `SELECT v.id, v.pool_id, pools.name, v.member_id, v.project_id, projects.name, v.type, v.name,
	v.description, v.content_type, v.created_at, v.config
	FROM storage_volumes v
	JOIN storage_pools pools ON pools.id = v.pool_id
	JOIN projects ON projects.id = v.project_id`

func scanVolume(sc interface{ Scan(...any) error }) (StorageVolume, error) {
	var v StorageVolume
	var created NullTime
	err := sc.Scan(&v.ID, &v.PoolID, &v.PoolName, &v.MemberID, &v.ProjectID, &v.Project, &v.Type, &v.Name,
		&v.Description, &v.ContentType, &created, &v.Config)
	v.CreatedAt = created.Time
	return v, err
}

// StorageVolumes lists the volumes matching f, ordered by pool, project,
// type and name.
func (t *Tx) StorageVolumes(ctx context.Context, f VolumeFilter) ([]StorageVolume, error) {
	var where []string
	var args []any
	add := func(clause string, v any) {
		where = append(where, clause)
		args = append(args, v)
	}
	if f.PoolID != 0 {
		add("v.pool_id = ?", f.PoolID)
	}
	if f.MemberID != 0 {
		add("v.member_id = ?", f.MemberID)
	}
	if f.Project != "" {
		add("projects.name = ?", f.Project)
	}
	if f.Type != "" {
		add("v.type = ?", f.Type)
	}
	if f.Name != "" {
		add("v.name = ?", f.Name)
	}
	q := volumeSelect
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY pools.name, projects.name, v.type, v.name"
	rows, err := t.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StorageVolume
	for rows.Next() {
		v, err := scanVolume(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// StorageVolume loads one volume; 404 "Storage pool volume not found" when
// unknown.
func (t *Tx) StorageVolume(ctx context.Context, poolID, memberID int64, project, volType, name string) (StorageVolume, error) {
	vols, err := t.StorageVolumes(ctx, VolumeFilter{PoolID: poolID, MemberID: memberID, Project: project, Type: volType, Name: name})
	if err != nil {
		return StorageVolume{}, err
	}
	if len(vols) == 0 {
		return StorageVolume{}, ErrStorageVolumeNotFound
	}
	return vols[0], nil
}

// StorageVolumeByID loads one volume by id.
func (t *Tx) StorageVolumeByID(ctx context.Context, id int64) (StorageVolume, error) {
	v, err := scanVolume(t.QueryRow(ctx, volumeSelect+" WHERE v.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrStorageVolumeNotFound
	}
	return v, err
}

// CreateStorageVolume inserts a volume (v.Project names its project) and
// returns its id; 409 "Volume by that name already exists" when taken.
func (t *Tx) CreateStorageVolume(ctx context.Context, v StorageVolume) (int64, error) {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = time.Now()
	}
	if v.ContentType == "" {
		v.ContentType = "filesystem"
	}
	res, err := t.Exec(ctx, `INSERT INTO storage_volumes
		(pool_id, member_id, project_id, type, name, description, content_type, created_at, config)
		SELECT ?, ?, projects.id, ?, ?, ?, ?, ?, ? FROM projects WHERE projects.name = ?`,
		v.PoolID, v.MemberID, v.Type, v.Name, v.Description, v.ContentType, NullTime{v.CreatedAt}, NonEmpty(v.Config), v.Project)
	if isUnique(err) {
		return 0, api.Conflict("Volume by that name already exists")
	}
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, api.NotFound("Project not found")
	}
	return res.LastInsertId()
}

// UpdateStorageVolume replaces a volume's description and config.
func (t *Tx) UpdateStorageVolume(ctx context.Context, id int64, description string, config map[string]string) error {
	return t.execOne(ctx, ErrStorageVolumeNotFound, "UPDATE storage_volumes SET description = ?, config = ? WHERE id = ?",
		description, NonEmpty(config), id)
}

// RenameStorageVolume renames a volume; 409 when the name is taken.
func (t *Tx) RenameStorageVolume(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, ErrStorageVolumeNotFound, "UPDATE storage_volumes SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict("Volume by that name already exists")
	}
	return err
}

// DeleteStorageVolume removes a volume and its snapshot rows.
func (t *Tx) DeleteStorageVolume(ctx context.Context, id int64) error {
	return t.execOne(ctx, ErrStorageVolumeNotFound, "DELETE FROM storage_volumes WHERE id = ?", id)
}

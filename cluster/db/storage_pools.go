package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lxdng/lxd/shared/api"
)

// Storage pool states (storage_pools.state and storage_pools_members.state).
const (
	StoragePoolPending = 0
	StoragePoolCreated = 1
	StoragePoolErrored = 2
)

// StoragePool is a storage_pools row: the cluster-wide part of a pool.
type StoragePool struct {
	ID          int64
	Name        string
	Driver      string
	Description string
	State       int
	Config      JSONMap
}

// StoragePoolMember is a storage_pools_members row: one member's state of a
// pool and its member-specific keys (source, size, ...).
type StoragePoolMember struct {
	PoolID     int64
	MemberID   int64
	MemberName string // filled by StoragePoolMembers
	State      int
	Message    string
	Config     JSONMap
}

// ErrStoragePoolNotFound is LXD's 404 for an unknown pool.
var ErrStoragePoolNotFound = api.NotFound("Storage pool not found")

const poolColumns = "id, name, driver, description, state, config"

func scanPool(sc interface{ Scan(...any) error }) (StoragePool, error) {
	var p StoragePool
	err := sc.Scan(&p.ID, &p.Name, &p.Driver, &p.Description, &p.State, &p.Config)
	return p, err
}

// StoragePools lists every pool ordered by name.
func (t *Tx) StoragePools(ctx context.Context) ([]StoragePool, error) {
	rows, err := t.Query(ctx, "SELECT "+poolColumns+" FROM storage_pools ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoragePool
	for rows.Next() {
		p, err := scanPool(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// StoragePool loads one pool by name, 404 if unknown.
func (t *Tx) StoragePool(ctx context.Context, name string) (StoragePool, error) {
	p, err := scanPool(t.QueryRow(ctx, "SELECT "+poolColumns+" FROM storage_pools WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrStoragePoolNotFound
	}
	return p, err
}

// StoragePoolByID loads one pool by id, 404 if unknown.
func (t *Tx) StoragePoolByID(ctx context.Context, id int64) (StoragePool, error) {
	p, err := scanPool(t.QueryRow(ctx, "SELECT "+poolColumns+" FROM storage_pools WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrStoragePoolNotFound
	}
	return p, err
}

// CreateStoragePool inserts a pool and returns its id; 409 in LXD's words
// when the name is taken.
func (t *Tx) CreateStoragePool(ctx context.Context, p StoragePool) (int64, error) {
	res, err := t.Exec(ctx, "INSERT INTO storage_pools (name, driver, description, state, config) VALUES (?, ?, ?, ?, ?)",
		p.Name, p.Driver, p.Description, p.State, NonEmpty(p.Config))
	if isUnique(err) {
		return 0, api.Conflict("The storage pool already exists: The record already exists")
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// UpdateStoragePool replaces a pool's description and global config.
func (t *Tx) UpdateStoragePool(ctx context.Context, id int64, description string, config map[string]string) error {
	return t.execOne(ctx, ErrStoragePoolNotFound, "UPDATE storage_pools SET description = ?, config = ? WHERE id = ?",
		description, NonEmpty(config), id)
}

// SetStoragePoolState records the cluster-wide state of a pool.
func (t *Tx) SetStoragePoolState(ctx context.Context, id int64, state int) error {
	return t.execOne(ctx, ErrStoragePoolNotFound, "UPDATE storage_pools SET state = ? WHERE id = ?", state, id)
}

// DeleteStoragePool removes a pool with its member rows, volumes and
// snapshots (cascade).
func (t *Tx) DeleteStoragePool(ctx context.Context, id int64) error {
	return t.execOne(ctx, ErrStoragePoolNotFound, "DELETE FROM storage_pools WHERE id = ?", id)
}

// StoragePoolMembers lists the member rows of a pool with member names,
// ordered by member id.
func (t *Tx) StoragePoolMembers(ctx context.Context, poolID int64) ([]StoragePoolMember, error) {
	rows, err := t.Query(ctx, `SELECT m.pool_id, m.member_id, members.name, m.state, m.message, m.config
		FROM storage_pools_members m JOIN members ON members.id = m.member_id
		WHERE m.pool_id = ? ORDER BY m.member_id`, poolID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoragePoolMember
	for rows.Next() {
		var m StoragePoolMember
		if err := rows.Scan(&m.PoolID, &m.MemberID, &m.MemberName, &m.State, &m.Message, &m.Config); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// StoragePoolMember loads one member's row of a pool; 404 when the member
// has no row for it.
func (t *Tx) StoragePoolMember(ctx context.Context, poolID, memberID int64) (StoragePoolMember, error) {
	m := StoragePoolMember{PoolID: poolID, MemberID: memberID}
	err := t.QueryRow(ctx, `SELECT m.state, m.message, m.config, members.name
		FROM storage_pools_members m JOIN members ON members.id = m.member_id
		WHERE m.pool_id = ? AND m.member_id = ?`, poolID, memberID).Scan(&m.State, &m.Message, &m.Config, &m.MemberName)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrStoragePoolNotFound
	}
	return m, err
}

// PutStoragePoolMember inserts or replaces one member's row of a pool.
func (t *Tx) PutStoragePoolMember(ctx context.Context, m StoragePoolMember) error {
	_, err := t.Exec(ctx, `INSERT INTO storage_pools_members (pool_id, member_id, state, message, config)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (pool_id, member_id) DO UPDATE SET state = excluded.state, message = excluded.message,
		config = excluded.config`, m.PoolID, m.MemberID, m.State, m.Message, NonEmpty(m.Config))
	return err
}

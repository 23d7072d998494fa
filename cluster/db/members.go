package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// Member states.
const (
	MemberCreated   = 0
	MemberPending   = 1
	MemberEvacuated = 2
)

// Member is one row of the members table.
type Member struct {
	ID            int64
	Name          string
	Address       string
	Description   string
	SchemaVersion int
	APIExtensions int
	Architecture  string
	FailureDomain string
	State         int
	Heartbeat     time.Time
	Config        JSONMap
	Roles         JSONList
	Groups        JSONList
}

const memberColumns = `id, name, address, description, schema_version, api_extensions, architecture,
	failure_domain, state, heartbeat, config, roles, groups`

func scanMember(sc interface{ Scan(...any) error }) (Member, error) {
	var m Member
	var hb NullTime
	err := sc.Scan(&m.ID, &m.Name, &m.Address, &m.Description, &m.SchemaVersion, &m.APIExtensions,
		&m.Architecture, &m.FailureDomain, &m.State, &hb, &m.Config, &m.Roles, &m.Groups)
	m.Heartbeat = hb.Time
	return m, err
}

// Members lists every member ordered by id.
func (t *Tx) Members(ctx context.Context) ([]Member, error) {
	rows, err := t.Query(ctx, "SELECT "+memberColumns+" FROM members ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MemberByName loads a member, 404 if unknown.
func (t *Tx) MemberByName(ctx context.Context, name string) (Member, error) {
	m, err := scanMember(t.QueryRow(ctx, "SELECT "+memberColumns+" FROM members WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return m, api.NotFound("Cluster member not found")
	}
	return m, err
}

// MemberByID loads a member by id, 404 if unknown.
func (t *Tx) MemberByID(ctx context.Context, id int64) (Member, error) {
	m, err := scanMember(t.QueryRow(ctx, "SELECT "+memberColumns+" FROM members WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, api.NotFound("Cluster member not found")
	}
	return m, err
}

// MemberByAddress loads a member by its cluster address, 404 if unknown.
func (t *Tx) MemberByAddress(ctx context.Context, address string) (Member, error) {
	m, err := scanMember(t.QueryRow(ctx, "SELECT "+memberColumns+" FROM members WHERE address = ?", address))
	if errors.Is(err, sql.ErrNoRows) {
		return m, api.NotFound("Cluster member not found")
	}
	return m, err
}

// CreateMember inserts a member and returns its id.
func (t *Tx) CreateMember(ctx context.Context, m Member) (int64, error) {
	if m.FailureDomain == "" {
		m.FailureDomain = "default"
	}
	if m.Groups == nil {
		m.Groups = JSONList{"default"}
	}
	res, err := t.Exec(ctx, `INSERT INTO members (name, address, description, schema_version, api_extensions,
		architecture, failure_domain, state, heartbeat, config, roles, groups)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Name, m.Address, m.Description, m.SchemaVersion, m.APIExtensions, m.Architecture, m.FailureDomain,
		m.State, time.Now().UTC(), m.Config, m.Roles, m.Groups)
	if isUnique(err) {
		return 0, api.Conflict("The cluster member already exists")
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// UpdateMember writes every editable column of m (matched by id).
func (t *Tx) UpdateMember(ctx context.Context, m Member) error {
	return t.execOne(ctx, api.NotFound("Cluster member not found"), `UPDATE members SET name = ?, address = ?,
		description = ?, schema_version = ?, api_extensions = ?, architecture = ?, failure_domain = ?,
		state = ?, config = ?, roles = ?, groups = ? WHERE id = ?`,
		m.Name, m.Address, m.Description, m.SchemaVersion, m.APIExtensions, m.Architecture, m.FailureDomain,
		m.State, m.Config, m.Roles, m.Groups, m.ID)
}

// SetHeartbeat records that a member answered at time at.
func (t *Tx) SetHeartbeat(ctx context.Context, address string, at time.Time) error {
	_, err := t.Exec(ctx, "UPDATE members SET heartbeat = ? WHERE address = ?", at.UTC(), address)
	return err
}

// DeleteMember removes a member row.
func (t *Tx) DeleteMember(ctx context.Context, id int64) error {
	return t.execOne(ctx, api.NotFound("Cluster member not found"), "DELETE FROM members WHERE id = ?", id)
}

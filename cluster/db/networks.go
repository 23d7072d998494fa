package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lxdng/lxd/shared/api"
)

// Network states, in networks.state (cluster-wide) and networks_members.state
// (this member's view), with LXD's values.
const (
	NetworkPending = 0
	NetworkCreated = 1
	NetworkErrored = 2
)

// Network is a networks row. Config holds the cluster-wide keys; the
// member-specific ones (parent, bridge.external_interfaces) live in
// NetworkMember.Config.
type Network struct {
	ID          int64
	ProjectID   int64
	Project     string // projects.name (read only)
	Name        string
	Type        string
	Description string
	State       int
	Config      JSONMap
}

// NetworkMember is a networks_members row: one member's state and
// member-specific config of a network.
type NetworkMember struct {
	NetworkID  int64
	MemberID   int64
	MemberName string // members.name (read only)
	State      int
	Message    string
	Config     JSONMap
}

// NetworkFilter selects networks; zero fields match everything.
type NetworkFilter struct {
	Project string
	Name    string
}

const networkColumns = `networks.id, networks.project_id, projects.name, networks.name, networks.type,
	networks.description, networks.state, networks.config`

// Networks lists networks ordered by project and name.
func (t *Tx) Networks(ctx context.Context, f NetworkFilter) ([]Network, error) {
	q := "SELECT " + networkColumns + " FROM networks JOIN projects ON projects.id = networks.project_id WHERE 1=1"
	var args []any
	if f.Project != "" {
		q += " AND projects.name = ?"
		args = append(args, f.Project)
	}
	if f.Name != "" {
		q += " AND networks.name = ?"
		args = append(args, f.Name)
	}
	rows, err := t.Query(ctx, q+" ORDER BY projects.name, networks.name", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Network
	for rows.Next() {
		var n Network
		if err := rows.Scan(&n.ID, &n.ProjectID, &n.Project, &n.Name, &n.Type, &n.Description, &n.State, &n.Config); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Network loads one network, 404 "Network not found" if unknown.
func (t *Tx) Network(ctx context.Context, project, name string) (Network, error) {
	nets, err := t.Networks(ctx, NetworkFilter{Project: project, Name: name})
	if err != nil {
		return Network{}, err
	}
	if len(nets) == 0 {
		return Network{}, api.NotFound("Network not found")
	}
	return nets[0], nil
}

// CreateNetwork inserts a network row in project (by name) and returns its
// id; a duplicate name is a 409.
func (t *Tx) CreateNetwork(ctx context.Context, n Network) (int64, error) {
	p, err := t.Project(ctx, n.Project)
	if err != nil {
		return 0, err
	}
	res, err := t.Exec(ctx, `INSERT INTO networks (project_id, name, type, description, state, config)
		VALUES (?, ?, ?, ?, ?, ?)`, p.ID, n.Name, n.Type, n.Description, n.State, n.Config)
	if isUnique(err) {
		return 0, api.Conflict("The network already exists")
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// UpdateNetwork replaces a network's description and cluster-wide config.
func (t *Tx) UpdateNetwork(ctx context.Context, id int64, description string, config JSONMap) error {
	return t.execOne(ctx, api.NotFound("Network not found"),
		"UPDATE networks SET description = ?, config = ? WHERE id = ?", description, config, id)
}

// SetNetworkState sets the cluster-wide state of a network.
func (t *Tx) SetNetworkState(ctx context.Context, id int64, state int) error {
	return t.execOne(ctx, api.NotFound("Network not found"), "UPDATE networks SET state = ? WHERE id = ?", state, id)
}

// RenameNetwork renames a network; a taken name is a 409.
func (t *Tx) RenameNetwork(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, api.NotFound("Network not found"), "UPDATE networks SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict("Network %q already exists", name)
	}
	return err
}

// DeleteNetwork removes a network and (by cascade) its member rows.
func (t *Tx) DeleteNetwork(ctx context.Context, id int64) error {
	return t.execOne(ctx, api.NotFound("Network not found"), "DELETE FROM networks WHERE id = ?", id)
}

// NetworkMembers lists the member rows of a network ordered by member id.
func (t *Tx) NetworkMembers(ctx context.Context, networkID int64) ([]NetworkMember, error) {
	rows, err := t.Query(ctx, `SELECT nm.network_id, nm.member_id, members.name, nm.state, nm.message, nm.config
		FROM networks_members AS nm JOIN members ON members.id = nm.member_id
		WHERE nm.network_id = ? ORDER BY nm.member_id`, networkID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NetworkMember
	for rows.Next() {
		var m NetworkMember
		if err := rows.Scan(&m.NetworkID, &m.MemberID, &m.MemberName, &m.State, &m.Message, &m.Config); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// NetworkMember loads one member row, 404 if the network has none for the member.
func (t *Tx) NetworkMember(ctx context.Context, networkID, memberID int64) (NetworkMember, error) {
	m := NetworkMember{NetworkID: networkID, MemberID: memberID}
	err := t.QueryRow(ctx, `SELECT members.name, nm.state, nm.message, nm.config
		FROM networks_members AS nm JOIN members ON members.id = nm.member_id
		WHERE nm.network_id = ? AND nm.member_id = ?`, networkID, memberID).
		Scan(&m.MemberName, &m.State, &m.Message, &m.Config)
	if errors.Is(err, sql.ErrNoRows) {
		return m, api.NotFound("Network not found on this member")
	}
	return m, err
}

// PutNetworkMember inserts or replaces a member row.
func (t *Tx) PutNetworkMember(ctx context.Context, m NetworkMember) error {
	_, err := t.Exec(ctx, `INSERT INTO networks_members (network_id, member_id, state, message, config)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (network_id, member_id) DO UPDATE SET
		state = excluded.state, message = excluded.message, config = excluded.config`,
		m.NetworkID, m.MemberID, m.State, m.Message, m.Config)
	return err
}

// SetNetworkMemberState records a member's state and message (an error
// text when errored).
func (t *Tx) SetNetworkMemberState(ctx context.Context, networkID, memberID int64, state int, message string) error {
	return t.execOne(ctx, api.NotFound("Network not found on this member"),
		"UPDATE networks_members SET state = ?, message = ? WHERE network_id = ? AND member_id = ?",
		state, message, networkID, memberID)
}

package cluster

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

// ConfigGetter reads server config keys (daemon/config.Snapshot satisfies
// it; unset keys return their defaults).
type ConfigGetter interface {
	Get(key string) string
}

// HeartbeatEnv is the hidden environment variable that shortens the
// heartbeat interval (a Go duration, e.g. "1s") so that tests run fast.
const HeartbeatEnv = "LXD_CLUSTER_HEARTBEAT_INTERVAL"

// DefaultHeartbeatInterval is LXD's.
const DefaultHeartbeatInterval = 10 * time.Second

// NetworkLatency is the latency members' database nodes assume: raft
// elects a new leader 1.5 to 3s after losing one (dqlite's default, 3 to
// 6s, made a leader loss visible for too long).
var NetworkLatency = 100 * time.Millisecond

// HeartbeatInterval returns the interval in effect.
func HeartbeatInterval() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(HeartbeatEnv)); err == nil && d > 0 {
		return d
	}
	return DefaultHeartbeatInterval
}

// Manager owns this member's membership: the database node's transport
// and options, bootstrap, accepting and joining, member records, removal
// and heartbeats. The daemon wires it to its certificate, listeners,
// config and trust store.
type Manager struct {
	Store     *db.Store
	Transport *Transport
	Hooks     *Hooks
	Config    func() ConfigGetter
	Log       *logrus.Entry
	Interval  time.Duration
	Version   Version

	mu        sync.RWMutex
	self      db.Member
	clustered bool
}

// Self returns this member's row and whether it is clustered.
func (m *Manager) Self() (db.Member, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.self, m.clustered
}

// SetSelf records this member's row.
func (m *Manager) SetSelf(self db.Member, clustered bool) {
	m.mu.Lock()
	m.self, m.clustered = self, clustered
	m.mu.Unlock()
}

// Threshold is cluster.offline_threshold.
func (m *Manager) Threshold() time.Duration {
	n, err := strconv.Atoi(m.Config().Get("cluster.offline_threshold"))
	if err != nil || n <= 0 {
		n = 20
	}
	return time.Duration(n) * time.Second
}

func (m *Manager) configInt(key string, def int) int {
	if n, err := strconv.Atoi(m.Config().Get(key)); err == nil {
		return n
	}
	return def
}

// DatabaseOptions are the options of a clustered database node at address
// (join: addresses of existing nodes, for a first start that joins). The
// voter and stand-by counts are read now: dqlite keeps them until the node
// restarts.
func (m *Manager) DatabaseOptions(address string, join []string) db.Options {
	return db.Options{
		Address: address, Join: join,
		Dial: m.Transport.Dial, Accept: m.Transport.NewAcceptChannel(),
		Voters: m.configInt("cluster.max_voters", 3), StandBys: m.configInt("cluster.max_standby", 2),
		RolesFrequency: m.Interval, NetworkLatency: NetworkLatency, Log: m.Log.WithField("component", "db"),
	}
}

// Bootstrap turns this standalone server into the first member of a
// cluster, keeping its database: the member row gets the name and address,
// and the database node moves from its private socket to address, reached
// through the HTTPS listener.
func (m *Manager) Bootstrap(ctx context.Context, name, address string) error {
	self, clustered := m.Self()
	if clustered {
		return api.BadRequest("This server is already clustered")
	}
	self.Name, self.Address = name, address
	err := m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.UpdateMember(ctx, self) })
	if err != nil {
		return fmt.Errorf("Failed to update cluster member: %w", err)
	}
	err = m.Store.Restart(ctx, m.DatabaseOptions(address, nil), func(dir string) error { return db.MoveNode(dir, address) })
	if err != nil {
		return fmt.Errorf("Failed to restart the database on %s: %w", address, err)
	}
	err = m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.SetHeartbeat(ctx, address, time.Now()) })
	if err != nil {
		return err
	}
	m.SetSelf(self, true)
	return nil
}

// CheckJoiner refuses a join when this standalone server holds objects the
// join would discard (its database is replaced by the cluster's).
func (m *Manager) CheckJoiner(ctx context.Context) error {
	var held []string
	self, _ := m.Self()
	err := m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if held, err = standaloneObjects(ctx, tx); err != nil {
			return err
		}
		more, err := m.Hooks.Holdings(ctx, tx, self.ID)
		held = append(held, more...)
		return err
	})
	if err != nil {
		return err
	}
	if len(held) > 0 {
		return api.BadRequest("This server can't join a cluster because it isn't empty: it has %s", joinNames(dedupe(held)))
	}
	return nil
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Join replaces this server's database with the cluster's: the node is
// stopped, wiped, and started at address joining through nodes. It returns
// this member's row in the cluster database.
func (m *Manager) Join(ctx context.Context, address string, nodes []string) (db.Member, error) {
	err := m.Store.Restart(ctx, m.DatabaseOptions(address, nodes), db.Wipe)
	if err != nil {
		return db.Member{}, fmt.Errorf("Failed to join the cluster database: %w", err)
	}
	var self db.Member
	err = m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if self, err = tx.MemberByAddress(ctx, address); err != nil {
			return err
		}
		self.SchemaVersion, self.APIExtensions = m.Version.Schema, m.Version.APIExtensions
		if err := tx.UpdateMember(ctx, self); err != nil {
			return err
		}
		return tx.SetHeartbeat(ctx, address, time.Now())
	})
	if err != nil {
		return self, err
	}
	m.SetSelf(self, true)
	m.Hooks.runJoined(ctx, self)
	return self, nil
}

// Members lists the members as the API renders them.
func (m *Manager) Members(ctx context.Context) ([]api.ClusterMember, error) {
	rows, err := m.rows(ctx)
	if err != nil {
		return nil, err
	}
	nodes, leader, err := m.Store.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	now, threshold := time.Now(), m.Threshold()
	out := make([]api.ClusterMember, 0, len(rows))
	for _, r := range rows {
		out = append(out, RenderMember(r, nodes, leader, now, threshold))
	}
	return out, nil
}

// Member renders one member (404 "Cluster member not found").
func (m *Manager) Member(ctx context.Context, name string) (api.ClusterMember, db.Member, error) {
	row, err := m.row(ctx, name)
	if err != nil {
		return api.ClusterMember{}, row, err
	}
	nodes, leader, err := m.Store.Nodes(ctx)
	if err != nil {
		return api.ClusterMember{}, row, err
	}
	return RenderMember(row, nodes, leader, time.Now(), m.Threshold()), row, nil
}

func (m *Manager) rows(ctx context.Context) ([]db.Member, error) {
	var rows []db.Member
	err := m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		rows, err = tx.Members(ctx)
		return err
	})
	return rows, err
}

func (m *Manager) row(ctx context.Context, name string) (db.Member, error) {
	var row db.Member
	err := m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		row, err = tx.MemberByName(ctx, name)
		return err
	})
	return row, err
}

// OnlinePeers returns the other members heard from within the offline
// threshold.
func (m *Manager) OnlinePeers(ctx context.Context) ([]db.Member, error) {
	rows, err := m.rows(ctx)
	if err != nil {
		return nil, err
	}
	self, _ := m.Self()
	now, threshold := time.Now(), m.Threshold()
	var out []db.Member
	for _, r := range rows {
		if r.ID != self.ID && Online(r, now, threshold) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Peers returns every other member, online or not.
func (m *Manager) Peers(ctx context.Context) ([]db.Member, error) {
	rows, err := m.rows(ctx)
	if err != nil {
		return nil, err
	}
	self, _ := m.Self()
	var out []db.Member
	for _, r := range rows {
		if r.ID != self.ID {
			out = append(out, r)
		}
	}
	return out, nil
}

// UpdateMember applies the editable fields of put to a member;
// current is the member as rendered before the change (its database
// roles). Only the "default" group exists (no cluster groups API yet).
func (m *Manager) UpdateMember(ctx context.Context, current api.ClusterMember, put api.ClusterMemberPut) error {
	roles, err := EditRoles(current.Roles, put.Roles)
	if err != nil {
		return err
	}
	if len(put.Groups) == 0 {
		return api.BadRequest("Cluster members need to belong to at least one group")
	}
	for _, g := range put.Groups {
		if g != "default" {
			return api.NotFound("Cluster group not found")
		}
	}
	if put.FailureDomain == "" {
		return api.InternalError("Update failure domain: Failure domain name can't be empty")
	}
	if err := validateMemberConfig(put.Config); err != nil {
		return err
	}
	return m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		row, err := tx.MemberByName(ctx, current.ServerName)
		if err != nil {
			return err
		}
		row.Description, row.FailureDomain, row.Roles, row.Groups = put.Description, put.FailureDomain, roles, put.Groups
		// An empty value unsets the key (`lxc cluster unset` sends "").
		row.Config = db.JSONMap{}
		for k, v := range put.Config {
			if v != "" {
				row.Config[k] = v
			}
		}
		return tx.UpdateMember(ctx, row)
	})
}

// RenameMember renames a member.
func (m *Manager) RenameMember(ctx context.Context, name, newName string) error {
	if newName == "" {
		return api.BadRequest("No name provided")
	}
	err := m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		row, err := tx.MemberByName(ctx, name)
		if err != nil {
			return err
		}
		if _, err := tx.MemberByName(ctx, newName); err == nil {
			return api.Conflict("Conflict") // LXD 5.0.2's bare answer
		}
		row.Name = newName
		return tx.UpdateMember(ctx, row)
	})
	if err != nil {
		return err
	}
	if self, clustered := m.Self(); self.Name == name {
		self.Name = newName
		m.SetSelf(self, clustered)
	}
	return nil
}

// validateMemberConfig checks a member's config keys: scheduler.instance
// (all, manual or group) and free-form user.* keys, in LXD's words.
func validateMemberConfig(cfg map[string]string) error {
	for k, v := range cfg {
		switch {
		case strings.HasPrefix(k, "user."):
		case k == "scheduler.instance":
			if v != "" && v != "all" && v != "manual" && v != "group" {
				return api.BadRequest("Invalid cluster configuration key %q value", k)
			}
		default:
			return api.BadRequest("Invalid cluster configuration key %q", k)
		}
	}
	return nil
}

package cluster

import (
	"fmt"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

// MemberStatus is LXD's status and message for a member whose last
// heartbeat was at m.Heartbeat.
func MemberStatus(m db.Member, now time.Time, threshold time.Duration) (status, message string) {
	if m.State == db.MemberEvacuated {
		return api.ClusterMemberEvacuated, "Unavailable due to maintenance"
	}
	if since := now.Sub(m.Heartbeat); since > threshold {
		return api.ClusterMemberOffline, fmt.Sprintf("No heartbeat for %s (%s)", since, m.Heartbeat.UTC())
	}
	return api.ClusterMemberOnline, "Fully operational"
}

// Online reports whether m was heard from within threshold.
func Online(m db.Member, now time.Time, threshold time.Duration) bool {
	return now.Sub(m.Heartbeat) <= threshold
}

// RenderMember builds the API view of a member from its row and the raft
// configuration.
func RenderMember(m db.Member, nodes []db.Node, leader string, now time.Time, threshold time.Duration) api.ClusterMember {
	var node *db.Node
	for i := range nodes {
		if nodes[i].Address == m.Address {
			node = &nodes[i]
		}
	}
	dbRoles, database := DatabaseRoles(node, leader != "" && leader == m.Address)
	// LXD lists the stored (user) roles first.
	roles := []string{}
	for _, r := range m.Roles {
		if !isDatabaseRole(r) {
			roles = append(roles, r)
		}
	}
	roles = append(roles, dbRoles...)
	status, message := MemberStatus(m, now, threshold)
	cfg := map[string]string{}
	for k, v := range m.Config {
		cfg[k] = v
	}
	groups := []string(m.Groups)
	if len(groups) == 0 {
		groups = []string{"default"}
	}
	fd := m.FailureDomain
	if fd == "" {
		fd = "default"
	}
	return api.ClusterMember{
		ClusterMemberPut: api.ClusterMemberPut{Roles: roles, FailureDomain: fd, Description: m.Description,
			Config: cfg, Groups: groups},
		ServerName: m.Name, URL: "https://" + m.Address, Database: database,
		Status: status, Message: message, Architecture: m.Architecture,
	}
}

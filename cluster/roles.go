package cluster

import (
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

// UserRoles are the member roles an administrator may set; the database
// roles follow the raft configuration and are never stored.
var UserRoles = []string{"event-hub", "ovn-chassis"}

// DatabaseRoles renders a member's raft role as LXD lists it, and whether
// it counts as a database member (voter or stand-by).
func DatabaseRoles(node *db.Node, leader bool) (roles []string, database bool) {
	if node == nil {
		return []string{}, false
	}
	switch node.Role {
	case db.RoleVoter:
		if leader {
			return []string{api.ClusterRoleDatabaseLeader, api.ClusterRoleDatabase}, true
		}
		return []string{api.ClusterRoleDatabase}, true
	case db.RoleStandBy:
		return []string{api.ClusterRoleDatabaseStandBy}, true
	}
	return []string{}, false
}

func isDatabaseRole(r string) bool {
	return r == api.ClusterRoleDatabase || r == api.ClusterRoleDatabaseLeader || r == api.ClusterRoleDatabaseStandBy
}

// EditRoles validates the roles of a member update against the member's
// current database roles and returns the user roles to store. As LXD does,
// the "database" role must be kept when the member has it and can't be
// asked for when it does not (the cluster assigns it); the leader and
// stand-by roles are informational and ignored; any other role must be one
// of UserRoles.
func EditRoles(current, requested []string) ([]string, error) {
	had, wants := contains(current, api.ClusterRoleDatabase), contains(requested, api.ClusterRoleDatabase)
	if had && !wants {
		return nil, api.BadRequest("The %q role cannot be dropped at this time", api.ClusterRoleDatabase)
	}
	if !had && wants {
		return nil, api.BadRequest("The %q role cannot be added at this time", api.ClusterRoleDatabase)
	}
	out := []string{}
	seen := map[string]bool{}
	for _, r := range requested {
		if isDatabaseRole(r) || seen[r] {
			continue
		}
		if !contains(UserRoles, r) {
			return nil, api.InternalError("Update roles: Invalid cluster role %q", r)
		}
		seen[r] = true
		out = append(out, r)
	}
	return out, nil
}

// StandByForPair is LXD's rule for a two-member cluster, which go-dqlite's
// role adjustment leaves alone: one voter (the leader), the second member a
// stand-by so that the database has a warm copy. A pair left with two
// voters (a third member removed) has the follower demoted, as LXD's
// rebalance does: two voters would lose quorum with either. It returns the
// address to change and its new role.
func StandByForPair(nodes []db.Node, leader string, online func(address string) bool, maxStandBy int) (string, db.NodeRole, bool) {
	if len(nodes) != 2 {
		return "", 0, false
	}
	want := db.RoleStandBy
	if maxStandBy < 1 {
		want = db.RoleSpare
	}
	for _, n := range nodes {
		if n.Address == leader || !online(n.Address) {
			continue
		}
		if n.Role == db.RoleVoter || (n.Role == db.RoleSpare && want == db.RoleStandBy) {
			return n.Address, want, true
		}
	}
	return "", 0, false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

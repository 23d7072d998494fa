package cluster

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lxdng/lxd/cluster/db"
)

func TestDatabaseRoles(t *testing.T) {
	tests := []struct {
		name   string
		node   *db.Node
		leader bool
		want   []string
		wantDB bool
	}{
		{"leader", &db.Node{Role: db.RoleVoter}, true, []string{"database-leader", "database"}, true},
		{"voter", &db.Node{Role: db.RoleVoter}, false, []string{"database"}, true},
		{"stand-by", &db.Node{Role: db.RoleStandBy}, false, []string{"database-standby"}, true},
		{"spare", &db.Node{Role: db.RoleSpare}, false, []string{}, false},
		{"not a node", nil, false, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, isDB := DatabaseRoles(tt.node, tt.leader)
			if !reflect.DeepEqual(got, tt.want) || isDB != tt.wantDB {
				t.Fatalf("got %v %v, want %v %v", got, isDB, tt.want, tt.wantDB)
			}
		})
	}
}

func TestEditRoles(t *testing.T) {
	voter := []string{"database-leader", "database"}
	tests := []struct {
		name    string
		current []string
		in      []string
		want    []string
		wantErr string
	}{
		{"database roles kept, nothing stored", voter, []string{"database-leader", "database"}, []string{}, ""},
		{"user role stored", voter, []string{"database", "event-hub", "event-hub"}, []string{"event-hub"}, ""},
		{"spare gets a user role", []string{}, []string{"ovn-chassis"}, []string{"ovn-chassis"}, ""},
		{"database dropped", voter, []string{"event-hub"}, nil, `The "database" role cannot be dropped at this time`},
		{"database added", []string{"database-standby"}, []string{"database"}, nil, `The "database" role cannot be added at this time`},
		{"unknown", voter, []string{"database", "nope"}, nil, `Update roles: Invalid cluster role "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EditRoles(tt.current, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v %v, want %v", got, err, tt.want)
			}
		})
	}
}

func TestStandByForPair(t *testing.T) {
	online := func(string) bool { return true }
	offline := func(string) bool { return false }
	pair := []db.Node{{ID: 1, Address: "a", Role: db.RoleVoter}, {ID: 2, Address: "b", Role: db.RoleSpare}}
	voters := []db.Node{{ID: 1, Address: "a", Role: db.RoleVoter}, {ID: 2, Address: "b", Role: db.RoleVoter}}
	tests := []struct {
		name   string
		nodes  []db.Node
		online func(string) bool
		max    int
		want   string
		role   db.NodeRole
		ok     bool
	}{
		{"promote spare", pair, online, 2, "b", db.RoleStandBy, true},
		{"offline spare", pair, offline, 2, "", 0, false},
		{"no stand-bys wanted", pair, online, 0, "", 0, false},
		{"already stand-by", []db.Node{{Address: "a", Role: db.RoleVoter}, {Address: "b", Role: db.RoleStandBy}}, online, 2, "", 0, false},
		{"three members: dqlite decides", append(pair, db.Node{Address: "c", Role: db.RoleSpare}), online, 2, "", 0, false},
		{"two voters: follower demoted", voters, online, 2, "b", db.RoleStandBy, true},
		{"two voters, no stand-bys wanted", voters, online, 0, "b", db.RoleSpare, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, role, ok := StandByForPair(tt.nodes, "a", tt.online, tt.max)
			if got != tt.want || role != tt.role || ok != tt.ok {
				t.Fatalf("got %q %v %v, want %q %v %v", got, role, ok, tt.want, tt.role, tt.ok)
			}
		})
	}
}

package db

import (
	"context"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func addMember(t *testing.T, s *Store) int64 {
	t.Helper()
	var id int64
	err := s.Tx(context.Background(), func(ctx context.Context, tx *Tx) error {
		var err error
		id, err = tx.CreateMember(ctx, Member{Name: "none", Address: "0.0.0.0", Architecture: "x86_64"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestNetworkRows(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	member := addMember(t, s)
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		id, err := tx.CreateNetwork(ctx, Network{Project: "default", Name: "br0", Type: "bridge", Config: JSONMap{"ipv4.address": "10.0.0.1/24"}})
		if err != nil {
			return err
		}
		if _, err := tx.CreateNetwork(ctx, Network{Project: "default", Name: "br0", Type: "bridge"}); !api.IsStatus(err, 409) {
			t.Errorf("duplicate: %v", err)
		}
		if _, err := tx.CreateNetwork(ctx, Network{Project: "nosuch", Name: "br1"}); !api.IsStatus(err, 404) {
			t.Errorf("unknown project: %v", err)
		}
		if err := tx.PutNetworkMember(ctx, NetworkMember{NetworkID: id, MemberID: member, Config: JSONMap{"bridge.external_interfaces": "eth1"}}); err != nil {
			return err
		}
		if err := tx.SetNetworkMemberState(ctx, id, member, NetworkErrored, "boom"); err != nil {
			return err
		}
		if err := tx.UpdateNetwork(ctx, id, "desc", JSONMap{"ipv4.address": "10.0.1.1/24"}); err != nil {
			return err
		}
		if err := tx.RenameNetwork(ctx, id, "br2"); err != nil {
			return err
		}
		n, err := tx.Network(ctx, "default", "br2")
		if err != nil || n.Description != "desc" || n.Config["ipv4.address"] != "10.0.1.1/24" || n.Project != "default" || n.State != NetworkPending {
			t.Errorf("loaded: %+v %v", n, err)
		}
		m, err := tx.NetworkMember(ctx, id, member)
		if err != nil || m.MemberName != "none" || m.State != NetworkErrored || m.Message != "boom" || m.Config["bridge.external_interfaces"] != "eth1" {
			t.Errorf("member row: %+v %v", m, err)
		}
		if err := tx.DeleteNetwork(ctx, id); err != nil {
			return err
		}
		if _, err := tx.Network(ctx, "default", "br2"); !api.IsStatus(err, 404) || err.Error() != "Network not found" {
			t.Errorf("deleted: %v", err)
		}
		if ms, err := tx.NetworkMembers(ctx, id); err != nil || len(ms) != 0 {
			t.Errorf("member rows not cascaded: %v %v", ms, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeviceUsersExpandsProfiles(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	member := addMember(t, s)
	stmts := []string{
		`INSERT INTO profiles (project_id, name, devices) VALUES (1, 'a', '{"eth0":{"type":"nic","network":"n1"},"eth1":{"type":"nic","network":"n1"}}')`,
		`INSERT INTO profiles (project_id, name, devices) VALUES (1, 'b', '{"eth0":{"type":"nic","network":"n2"}}')`,
		`INSERT INTO instances (project_id, member_id, name, architecture, config, devices) VALUES (1, ?, 'c1', 'x86_64', '{"volatile.eth0.hwaddr":"00:16:3e:00:00:01"}', '{"eth1":{"type":"none"}}')`,
		`INSERT INTO instances_profiles (instance_id, profile_id, apply_order) SELECT i.id, p.id, CASE p.name WHEN 'a' THEN 0 ELSE 1 END FROM instances i, profiles p WHERE p.name IN ('a', 'b')`,
	}
	var users []DeviceUser
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		for _, q := range stmts {
			var args []any
			if q == stmts[2] {
				args = append(args, member)
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		var err error
		users, err = tx.DeviceUsers(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 4 || users[3].Kind != DeviceUserInstance || users[3].Name != "c1" {
		t.Fatalf("users: %+v", users)
	}
	c1 := users[3]
	// Profile b (applied after a) wins for eth0; the local eth1 overrides a's.
	if c1.Devices["eth0"]["network"] != "n2" || c1.Devices["eth1"]["type"] != "none" || c1.MemberID != member || c1.Config["volatile.eth0.hwaddr"] == "" {
		t.Fatalf("expanded: %+v", c1)
	}
}

package db

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// insertInstance adds a bare instances row linked to profiles in order.
func insertInstance(ctx context.Context, t *testing.T, tx *Tx, projectID int64, name string, cfg JSONMap, profileIDs ...int64) int64 {
	t.Helper()
	var member int64
	if err := tx.QueryRow(ctx, "SELECT id FROM members LIMIT 1").Scan(&member); err != nil {
		id, err := tx.CreateMember(ctx, Member{Name: "none", Address: "0.0.0.0", SchemaVersion: SchemaVersion(), Architecture: "x86_64"})
		if err != nil {
			t.Fatal(err)
		}
		member = id
	}
	res, err := tx.Exec(ctx, "INSERT INTO instances (project_id, member_id, name, architecture, config) VALUES (?, ?, ?, 'x86_64', ?)",
		projectID, member, name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	for i, p := range profileIDs {
		if _, err := tx.Exec(ctx, "INSERT INTO instances_profiles (instance_id, profile_id, apply_order) VALUES (?, ?, ?)", id, p, i); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func TestProfilesAndUsage(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		projID, err := tx.CreateProject(ctx, Project{Name: "p1", Config: JSONMap{"features.profiles": "true"}})
		if err != nil {
			return err
		}
		if _, err := tx.CreateProject(ctx, Project{Name: "p1"}); api.StatusOf(err) != http.StatusConflict {
			t.Fatalf("duplicate project: %v", err)
		}
		def, err := tx.Profile(ctx, "default", "default")
		if err != nil {
			return err
		}
		extraID, err := tx.CreateProfile(ctx, Profile{ProjectID: 1, Name: "extra", Config: JSONMap{"limits.cpu": "2"},
			Devices: JSONDevices{"root": {"type": "disk", "path": "/", "pool": "p"}}})
		if err != nil {
			return err
		}
		if _, err := tx.CreateProfile(ctx, Profile{ProjectID: 1, Name: "extra"}); err == nil || err.Error() != "The profile already exists" {
			t.Fatalf("duplicate profile: %v", err)
		}
		insertInstance(ctx, t, tx, 1, "c2", JSONMap{"user.a": "1"}, def.ID, extraID)
		insertInstance(ctx, t, tx, projID, "c1", nil, def.ID)
		insertInstance(ctx, t, tx, 1, "c1", nil, extraID)

		users, err := tx.ProfileUsers(ctx, def.ID)
		if err != nil {
			return err
		}
		want := []InstanceRef{{"default", "c2"}, {"p1", "c1"}}
		if !reflect.DeepEqual(users, want) {
			t.Fatalf("ProfileUsers = %v, want %v", users, want)
		}
		byProject, err := tx.ProfileUsersByProject(ctx, "default")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(byProject[def.ID], want) || len(byProject[extraID]) != 2 {
			t.Fatalf("ProfileUsersByProject = %v", byProject)
		}

		insts, err := tx.ProjectInstances(ctx, "default")
		if err != nil {
			return err
		}
		if len(insts) != 2 || insts[1].Name != "c2" || len(insts[1].Profiles) != 2 ||
			insts[1].Profiles[0].Name != "default" || insts[1].Profiles[1].Name != "extra" || insts[1].Config["user.a"] != "1" {
			t.Fatalf("ProjectInstances = %+v", insts)
		}

		if err := tx.RenameProfile(ctx, extraID, "default"); api.StatusOf(err) != http.StatusConflict {
			t.Fatalf("rename onto existing: %v", err)
		}
		if err := tx.RenameProfile(ctx, extraID, "other"); err != nil {
			return err
		}
		if err := tx.UpdateProfile(ctx, extraID, "d", JSONMap{"user.x": "y"}, nil); err != nil {
			return err
		}
		got, err := tx.Profile(ctx, "default", "other")
		if err != nil || got.Description != "d" || got.Config["user.x"] != "y" || len(got.Devices) != 0 {
			t.Fatalf("Profile after update = %+v, %v", got, err)
		}
		if err := tx.DeleteProfile(ctx, extraID); err != nil {
			return err
		}
		if _, err := tx.Profile(ctx, "default", "other"); api.StatusOf(err) != http.StatusNotFound {
			t.Fatalf("deleted profile still there: %v", err)
		}
		if users, _ := tx.ProfileUsers(ctx, extraID); len(users) != 0 {
			t.Fatalf("links of a deleted profile remain: %v", users)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestProjectWrites(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		id, err := tx.CreateProject(ctx, Project{Name: "a", Description: "x"})
		if err != nil {
			return err
		}
		if err := tx.UpdateProject(ctx, id, "y", JSONMap{"limits.cpu": "2"}); err != nil {
			return err
		}
		if err := tx.RenameProject(ctx, id, "default"); api.StatusOf(err) != http.StatusConflict {
			t.Fatalf("rename onto default: %v", err)
		}
		if err := tx.RenameProject(ctx, id, "b"); err != nil {
			return err
		}
		p, err := tx.Project(ctx, "b")
		if err != nil || p.Description != "y" || p.Config["limits.cpu"] != "2" {
			t.Fatalf("project = %+v %v", p, err)
		}
		for _, q := range []func(context.Context, string) ([]string, error){tx.ProjectImages, tx.ProjectNetworks, tx.ProjectInstanceNames} {
			if got, err := q(ctx, "b"); err != nil || len(got) != 0 {
				t.Fatalf("empty project lists %v %v", got, err)
			}
		}
		if vols, err := tx.ProjectCustomVolumes(ctx, "b"); err != nil || len(vols) != 0 {
			t.Fatalf("volumes %v %v", vols, err)
		}
		if err := tx.DeleteProject(ctx, id); err != nil {
			return err
		}
		if err := tx.DeleteProject(ctx, id); api.StatusOf(err) != http.StatusNotFound {
			t.Fatalf("second delete: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

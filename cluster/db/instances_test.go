package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

func TestInstanceRows(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	member := addMember(t, s)
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		row := Instance{Project: "default", Name: "c1", MemberID: member, Type: "container", Architecture: "x86_64",
			Config: JSONMap{"user.a": "b"}, Devices: JSONDevices{"root": {"type": "disk", "path": "/", "pool": "p"}},
			Profiles: []string{"default"}}
		id, err := tx.CreateInstance(ctx, row, "default")
		if err != nil {
			return err
		}
		if _, err := tx.CreateInstance(ctx, row, "default"); !api.IsStatus(err, 409) {
			t.Errorf("duplicate: %v", err)
		}
		row.Name, row.Profiles = "c2", []string{"nosuch"}
		if _, err := tx.CreateInstance(ctx, row, "default"); !api.IsStatus(err, 400) {
			t.Errorf("unknown profile: %v", err)
		}
		got, err := tx.Instance(ctx, "default", "c1")
		if err != nil {
			return err
		}
		if got.ID != id || got.Member != "none" || got.Config["user.a"] != "b" || len(got.Profiles) != 1 || got.LastUsedAt.Time.IsZero() != true {
			t.Errorf("instance %+v", got)
		}
		if err := tx.UpdateInstanceConfig(ctx, id, map[string]string{"user.a": "", "volatile.x": "y"}); err != nil {
			return err
		}
		if err := tx.SetInstanceLastUsed(ctx, id, time.Now()); err != nil {
			return err
		}
		if got, _ = tx.Instance(ctx, "default", "c1"); got.Config["user.a"] != "" || got.Config["volatile.x"] != "y" || got.LastUsedAt.Time.IsZero() {
			t.Errorf("after config update %+v", got)
		}
		if _, err := tx.Instance(ctx, "default", "nosuch"); !api.IsStatus(err, 404) {
			t.Errorf("unknown: %v", err)
		}
		snapID, err := tx.CreateInstanceSnapshot(ctx, InstanceSnapshot{InstanceID: id, Name: "snap0", Config: got.Config})
		if err != nil {
			return err
		}
		if _, err := tx.CreateInstanceSnapshot(ctx, InstanceSnapshot{InstanceID: id, Name: "snap0"}); !api.IsStatus(err, 409) {
			t.Errorf("duplicate snapshot: %v", err)
		}
		if err := tx.RenameInstance(ctx, id, "c3"); err != nil {
			return err
		}
		snaps, err := tx.InstanceSnapshotsOf(ctx, InstanceFilter{Project: "default"})
		if err != nil || len(snaps[id]) != 1 || snaps[id][0].Instance != "c3" || snaps[id][0].ID != snapID {
			t.Errorf("snapshots %+v %v", snaps, err)
		}
		_, err = tx.InstanceSnapshot(ctx, "default", "c3", "nosuch")
		if !api.IsStatus(err, 404) || err.Error() != `Failed to fetch snapshot "nosuch" of instance "c3" in project "default": InstanceSnapshot not found` {
			t.Errorf("unknown snapshot: %v", err)
		}
		if err := tx.DeleteInstance(ctx, id); err != nil {
			return err
		}
		list, err := tx.Instances(ctx, InstanceFilter{})
		if err != nil || len(list) != 0 {
			t.Errorf("after delete %v %v", list, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInstanceQueriesScaleBeyondParameterLimit proves the list queries
// work with more instances and projects than dqlite's 255 parameters.
func TestInstanceQueriesScaleBeyondParameterLimit(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	member := addMember(t, s)
	const count = 300
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		for n := 0; n < count; n++ {
			row := Instance{Project: "default", Name: fmt.Sprintf("c%d", n), MemberID: member, Type: "container",
				Architecture: "x86_64", Profiles: []string{"default"}}
			id, err := tx.CreateInstance(ctx, row, "default")
			if err != nil {
				return err
			}
			if _, err := tx.CreateInstanceSnapshot(ctx, InstanceSnapshot{InstanceID: id, Name: "snap0"}); err != nil {
				return err
			}
		}
		snaps, err := tx.InstanceSnapshotsOf(ctx, InstanceFilter{})
		if err != nil || len(snaps) != count {
			t.Errorf("snapshots of %d instances: got %d, %v", count, len(snaps), err)
		}
		projects := []string{"default"}
		for n := 0; n < count; n++ {
			projects = append(projects, fmt.Sprintf("p%d", n))
		}
		details, err := tx.ProfileDetails(ctx, projects...)
		if _, ok := details["default/default"]; err != nil || !ok || len(details) != 1 {
			t.Errorf("profiles of %d projects: %v %v", len(projects), details, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

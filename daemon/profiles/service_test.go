package profiles

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/projects"
	"github.com/lxdng/lxd/shared/api"
)

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) PublishLifecycle(project string, m api.EventLifecycle) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, project+" "+m.Action+" "+m.Source)
}

func newTestService(t *testing.T) (*Service, *projects.Service, *db.Store, *recorder) {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, t.TempDir(), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(ctx) })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proj := projects.New(store, nil)
	return New(store, proj, Options{Events: rec}), proj, store, rec
}

func checkErr(t *testing.T, err error, status int, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil || err.Error() != want || api.StatusOf(err) != status {
		t.Fatalf("error = %v (%d), want %d %q", err, api.StatusOf(err), status, want)
	}
}

// Statuses and texts are LXD 5.0.2's (400 on create, 500 on update).
func TestProfileCRUD(t *testing.T) {
	s, _, _, rec := newTestService(t)
	ctx := context.Background()
	create := func(name string, put api.ProfilePut) error {
		_, err := s.Create(ctx, "default", api.ProfilesPost{Name: name, ProfilePut: put})
		return err
	}
	checkErr(t, create("", api.ProfilePut{}), 400, "No name provided")
	checkErr(t, create("a/b", api.ProfilePut{}), 400, "Profile names may not contain slashes")
	checkErr(t, create("..", api.ProfilePut{}), 400, `Invalid profile name ".."`)
	checkErr(t, create("p", api.ProfilePut{Config: map[string]string{"limits.memory": "lots"}}), 400, "Invalid value: lots")
	checkErr(t, create("p", api.ProfilePut{Config: map[string]string{"volatile.x": "1"}}), 400, "Volatile keys can only be set on instances")
	checkErr(t, create("p", api.ProfilePut{Devices: map[string]map[string]string{"x": {"type": "disk"}}}), 400,
		`Device validation failed for "x": Disk entry is missing the required "source" or "path" property`)
	u, err := s.Create(ctx, "default", api.ProfilesPost{Name: "p", ProfilePut: api.ProfilePut{Config: map[string]string{"limits.cpu": "1", "user.empty": ""}}})
	if err != nil || u != "/1.0/profiles/p" {
		t.Fatalf("create: %s %v", u, err)
	}
	checkErr(t, create("p", api.ProfilePut{}), 500, `Error inserting "p" into database: The profile already exists`)

	_, p, err := s.Get(ctx, "default", "p")
	if err != nil || !reflect.DeepEqual(p.Config, map[string]string{"limits.cpu": "1"}) || len(p.Devices) != 0 || len(p.UsedBy) != 0 {
		t.Fatalf("get: %+v %v", p, err)
	}
	checkErr(t, func() error { _, _, err := s.Get(ctx, "default", "nope"); return err }(), 404, "Fetch profile: Profile not found")

	checkErr(t, s.Update(ctx, "default", "p", api.ProfilePut{Config: map[string]string{"bogus.key": "1"}}), 500, "Unknown configuration key: bogus.key")
	checkErr(t, s.Update(ctx, "default", "p", api.ProfilePut{Config: map[string]string{"user.a": "1"}, Description: "d"}), 0, "")
	checkErr(t, s.Update(ctx, "default", "nope", api.ProfilePut{}), 404, `Failed to retrieve profile "nope": Profile not found`)

	checkErr(t, func() error { _, err := s.Rename(ctx, "default", "default", "x"); return err }(), 403, `The "default" profile cannot be renamed`)
	checkErr(t, func() error { _, err := s.Rename(ctx, "default", "p", "default"); return err }(), 500, `Name "default" already in use`)
	checkErr(t, func() error { _, err := s.Rename(ctx, "default", "nope", "x"); return err }(), 500, "Query affected 0 rows instead of 1")
	checkErr(t, func() error { _, err := s.Rename(ctx, "default", "p", ""); return err }(), 400, "No name provided")
	if u, err := s.Rename(ctx, "default", "p", "q"); err != nil || u != "/1.0/profiles/q" {
		t.Fatalf("rename: %s %v", u, err)
	}
	checkErr(t, s.Delete(ctx, "default", "default"), 403, `The "default" profile cannot be deleted`)
	checkErr(t, s.Delete(ctx, "default", "nope"), 404, "Profile not found")
	checkErr(t, s.Delete(ctx, "default", "q"), 0, "")
	want := []string{
		"default profile-created /1.0/profiles/p", "default profile-updated /1.0/profiles/p",
		"default profile-renamed /1.0/profiles/q", "default profile-deleted /1.0/profiles/q",
	}
	if !reflect.DeepEqual(rec.events, want) {
		t.Fatalf("events = %v", rec.events)
	}
}

func TestProfilesFollowProjectFeature(t *testing.T) {
	s, proj, store, rec := newTestService(t)
	ctx := context.Background()
	if err := proj.Create(ctx, api.ProjectsPost{Name: "own", ProjectPut: api.ProjectPut{Config: map[string]string{}}}); err != nil {
		t.Fatal(err)
	}
	if err := proj.Create(ctx, api.ProjectsPost{Name: "shared", ProjectPut: api.ProjectPut{Config: map[string]string{"features.profiles": "false"}}}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.Create(ctx, "own", api.ProfilesPost{Name: "x"}); err != nil || u != "/1.0/profiles/x?project=own" {
		t.Fatalf("create in own: %s %v", u, err)
	}
	if u, err := s.Create(ctx, "shared", api.ProfilesPost{Name: "y"}); err != nil || u != "/1.0/profiles/y" {
		t.Fatalf("create in shared: %s %v", u, err)
	}
	eff, list, err := s.List(ctx, "own")
	if err != nil || eff != "own" || len(list) != 2 || list[0].Name != "default" || list[1].Name != "x" ||
		list[0].Description != "Default LXD profile for project own" {
		t.Fatalf("own list: %s %+v %v", eff, list, err)
	}
	eff, list, _ = s.List(ctx, "shared")
	if eff != "default" || len(list) != 2 || list[1].Name != "y" {
		t.Fatalf("shared list: %s %+v", eff, list)
	}
	if _, _, err := s.List(ctx, "nope"); err == nil || err.Error() != `Failed loading project "nope": Project not found` {
		t.Fatalf("unknown project: %v", err)
	}
	// used_by lists instances of every project using the profile.
	err = store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		member, err := tx.CreateMember(ctx, db.Member{Name: "none", Address: "0.0.0.0", Architecture: "x86_64"})
		if err != nil {
			return err
		}
		def, _ := tx.Profile(ctx, "default", "default")
		for _, inst := range []struct {
			project int64
			name    string
		}{{1, "c1"}, {3, "c2"}} {
			res, err := tx.Exec(ctx, "INSERT INTO instances (project_id, member_id, name, architecture) VALUES (?, ?, ?, 'x86_64')", inst.project, member, inst.name)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			if _, err := tx.Exec(ctx, "INSERT INTO instances_profiles VALUES (?, ?, 0)", id, def.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, p, _ := s.Get(ctx, "default", "default")
	if !reflect.DeepEqual(p.UsedBy, []string{"/1.0/instances/c1", "/1.0/instances/c2?project=shared"}) {
		t.Fatalf("used_by = %v", p.UsedBy)
	}
	checkErr(t, s.Delete(ctx, "shared", "y"), 0, "")
	if err := proj.Update(ctx, "default", api.ProjectPut{Config: map[string]string{"features.images": "true", "features.networks": "true",
		"features.profiles": "true", "features.storage.volumes": "true"}}); err != nil {
		t.Fatal(err)
	}
	if rec.events[len(rec.events)-1] != "default profile-deleted /1.0/profiles/y" {
		t.Fatalf("events = %v", rec.events)
	}
}

func TestProfileUpdateHooksAndRestrictions(t *testing.T) {
	s, proj, _, _ := newTestService(t)
	ctx := context.Background()
	if err := proj.Create(ctx, api.ProjectsPost{Name: "r", ProjectPut: api.ProjectPut{Config: map[string]string{"restricted": "true"}}}); err != nil {
		t.Fatal(err)
	}
	var calls []string
	s.OnUpdate(func(ctx context.Context, project, name string, _ api.ProfilePut) error {
		calls = append(calls, project+"/"+name)
		return nil
	})
	checkErr(t, s.Update(ctx, "r", "default", api.ProfilePut{Config: map[string]string{"limits.cpu": "1"}}), 0, "")
	checkErr(t, s.Update(ctx, "r", "default", api.ProfilePut{Config: map[string]string{"security.privileged": "true"}}), 500,
		`Failed checking if profile update allowed: Invalid value "true" for config "security.privileged" on  "default" of project "r": Privileged containers are forbidden`)
	_, err := s.Create(ctx, "r", api.ProfilesPost{Name: "n", ProfilePut: api.ProfilePut{Config: map[string]string{"security.nesting": "true"}}})
	checkErr(t, err, 400, `Failed checking if profile creation allowed: Invalid value "true" for config "security.nesting" on  "n" of project "r": Container nesting is forbidden`)
	if !reflect.DeepEqual(calls, []string{"r/default"}) {
		t.Fatalf("hook calls = %v", calls)
	}
	s.OnUpdate(func(ctx context.Context, project, name string, _ api.ProfilePut) error {
		return errors.New("apply failed")
	})
	err = s.Update(ctx, "r", "default", api.ProfilePut{})
	if err == nil || err.Error() != "apply failed" || api.StatusOf(err) != http.StatusInternalServerError {
		t.Fatalf("hook error not returned: %v", err)
	}
}

package projects

import (
	"context"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/lxdng/lxd/cluster/db"
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

func newTestService(t *testing.T) (*Service, *db.Store, *recorder) {
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
	return New(store, rec), store, rec
}

// addInstance inserts an instance row of project using the named profiles.
func addInstance(t *testing.T, store *db.Store, project, name string, cfg db.JSONMap, devices db.JSONDevices, profiles ...string) {
	t.Helper()
	err := store.Tx(context.Background(), func(ctx context.Context, tx *db.Tx) error {
		var member int64
		if err := tx.QueryRow(ctx, "SELECT id FROM members LIMIT 1").Scan(&member); err != nil {
			if member, err = tx.CreateMember(ctx, db.Member{Name: "none", Address: "0.0.0.0", Architecture: "x86_64"}); err != nil {
				return err
			}
		}
		p, err := tx.Project(ctx, project)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO instances (project_id, member_id, name, architecture, config, devices)
			VALUES (?, ?, ?, 'x86_64', ?, ?)`, p.ID, member, name, cfg, devices)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		for i, prof := range profiles {
			eff, err := EffectiveProjectTx(ctx, tx, project, FeatureProfiles)
			if err != nil {
				return err
			}
			pr, err := tx.Profile(ctx, eff, prof)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO instances_profiles VALUES (?, ?, ?)", id, pr.ID, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestProjectLifecycle(t *testing.T) {
	s, store, rec := newTestService(t)
	ctx := context.Background()
	if err := s.Create(ctx, api.ProjectsPost{Name: "p1", ProjectPut: api.ProjectPut{Config: map[string]string{"features.images": "false"}}}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Get(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := map[string]string{"features.images": "false", "features.profiles": "true", "features.storage.volumes": "true"}
	if !reflect.DeepEqual(p.Config, wantCfg) || !reflect.DeepEqual(p.UsedBy, []string{"/1.0/profiles/default?project=p1"}) {
		t.Fatalf("new project = %+v", p)
	}
	if err := s.Create(ctx, api.ProjectsPost{Name: "bare"}); err != nil {
		t.Fatal(err)
	}
	if bare, _ := s.Get(ctx, "bare"); len(bare.Config) != 0 || len(bare.UsedBy) != 0 {
		t.Fatalf("project with nil config got defaults: %+v", bare)
	}
	err = s.Create(ctx, api.ProjectsPost{Name: "p1"})
	if api.StatusOf(err) != http.StatusConflict || err.Error() != `Failed creating project "p1": Failed adding database record: This "projects" entry already exists` {
		t.Fatalf("duplicate: %v", err)
	}
	// Turning features.profiles off drops the project's default profile; on brings it back.
	cfg := map[string]string{"features.images": "false", "features.storage.volumes": "true"}
	if err := s.Update(ctx, "p1", api.ProjectPut{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	if eff, _ := s.EffectiveProject(ctx, "p1", FeatureProfiles); eff != "default" {
		t.Fatalf("effective project with features.profiles off = %s", eff)
	}
	cfg["features.profiles"] = "true"
	if err := s.Update(ctx, "p1", api.ProjectPut{Config: cfg, Description: "d"}); err != nil {
		t.Fatal(err)
	}
	if p, _ = s.Get(ctx, "p1"); len(p.UsedBy) != 1 || p.Description != "d" {
		t.Fatalf("after re-enabling profiles: %+v", p)
	}
	// Non-empty projects keep their features and cannot be renamed or deleted.
	addInstance(t, store, "p1", "c1", nil, nil, "default")
	cfg["features.profiles"] = "false"
	err = s.Update(ctx, "p1", api.ProjectPut{Config: cfg})
	checkErr(t, err, `Project feature "features.profiles" cannot be disabled on non-empty projects`)
	checkErr(t, s.Rename(ctx, "p1", "p2"), "Only empty projects can be renamed")
	checkErr(t, s.Delete(ctx, "p1"), "Only empty projects can be removed")
	if p, _ = s.Get(ctx, "p1"); !reflect.DeepEqual(p.UsedBy, []string{"/1.0/instances/c1?project=p1", "/1.0/profiles/default?project=p1"}) {
		t.Fatalf("used_by = %v", p.UsedBy)
	}
	checkErr(t, s.Update(ctx, "default", api.ProjectPut{Config: map[string]string{}}), "You can't change the features of the default project")
	checkErr(t, s.Delete(ctx, "default"), "The 'default' project cannot be deleted")
	checkErr(t, s.Rename(ctx, "default", "x"), "The 'default' project cannot be renamed")
	want := []string{"p1 project-created /1.0/projects/p1", "bare project-created /1.0/projects/bare", "p1 project-updated /1.0/projects/p1", "p1 project-updated /1.0/projects/p1"}
	if !reflect.DeepEqual(rec.events, want) {
		t.Fatalf("events = %v", rec.events)
	}
}

func TestProjectRenameDelete(t *testing.T) {
	s, _, rec := newTestService(t)
	ctx := context.Background()
	for _, n := range []string{"a", "b"} {
		if err := s.Create(ctx, api.ProjectsPost{Name: n, ProjectPut: api.ProjectPut{Config: map[string]string{}}}); err != nil {
			t.Fatal(err)
		}
	}
	checkErr(t, s.Rename(ctx, "a", "b"), `A project named "b" already exists`)
	checkErr(t, s.Rename(ctx, "nope", "c"), `Failed loading project "nope": Project not found`)
	checkErr(t, s.Rename(ctx, "a", "c/d"), "Project names may not contain slashes")
	if err := s.Rename(ctx, "a", "c"); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Get(ctx, "c"); err != nil || p.UsedBy[0] != "/1.0/profiles/default?project=c" {
		t.Fatalf("renamed project %+v %v", p, err)
	}
	if err := s.Delete(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	checkErr(t, s.Delete(ctx, "c"), `Fetch project "c": Project not found`)
	last := rec.events[len(rec.events)-2:]
	if last[0] != "c project-renamed /1.0/projects/c" || last[1] != "c project-deleted /1.0/projects/c" {
		t.Fatalf("events = %v", rec.events)
	}
}

func TestProjectLimitsAndState(t *testing.T) {
	s, store, _ := newTestService(t)
	ctx := context.Background()
	err := s.Create(ctx, api.ProjectsPost{Name: "lp", ProjectPut: api.ProjectPut{Config: map[string]string{"limits.instances": "2", "limits.cpu": "4"}}})
	if err != nil {
		t.Fatal(err)
	}
	root := db.JSONDevices{"root": {"type": "disk", "path": "/", "pool": "p", "size": "1GiB"}}
	addInstance(t, store, "lp", "c1", db.JSONMap{"limits.cpu": "3", "limits.memory": "512MiB"}, root, "default")
	add := func(name string, cfg map[string]string) error {
		return s.AllowInstanceCreation(ctx, "lp", InstanceCheck{Name: name, Type: "container", Config: cfg})
	}
	checkErr(t, add("c2", nil), `Failed checking if instance creation allowed: Failed getting usage of project entities: Instance "c2" in project "lp" has no "limits.cpu" config, either directly or via a profile`)
	checkErr(t, add("c2", map[string]string{"limits.cpu": "2"}), `Failed checking if instance creation allowed: Reached maximum aggregate value "4" for "limits.cpu" in project "lp"`)
	checkErr(t, add("c2", map[string]string{"limits.cpu": "0-1"}), `Failed checking if instance creation allowed: Failed getting usage of project entities: Failed parsing "limits.cpu" for instance "c2" in project "lp"`)
	checkErr(t, add("c2", map[string]string{"limits.cpu": "1"}), "")
	// Replacing c1 (an update) does not count it twice.
	checkErr(t, s.AllowInstanceUpdate(ctx, "lp", InstanceCheck{Name: "c1", Type: "container", Config: map[string]string{"limits.cpu": "4"}}), "")
	addInstance(t, store, "lp", "c2", db.JSONMap{"limits.cpu": "1"}, nil, "default")
	checkErr(t, add("c3", map[string]string{"limits.cpu": "0"}), `Failed checking if instance creation allowed: Reached maximum number of instances in project "lp"`)

	upd := func(cfg map[string]string) error {
		full := map[string]string{"features.images": "true", "features.profiles": "true", "features.storage.volumes": "true"}
		for k, v := range cfg {
			full[k] = v
		}
		return s.Update(ctx, "lp", api.ProjectPut{Config: full})
	}
	checkErr(t, upd(map[string]string{"limits.instances": "1"}), `Can't change limits.instances in project "lp": "limits.instances" is too low: there currently are 2 total instances in project "lp"`)
	checkErr(t, upd(map[string]string{"limits.containers": "1"}), `Can't change "limits.containers" in project "lp": "limits.containers" is too low: there currently are 2 instances of type container in project "lp"`)
	checkErr(t, upd(map[string]string{"limits.cpu": "3"}), `"limits.cpu" is too low: current total is "4"`)
	checkErr(t, upd(map[string]string{"limits.memory": "1GiB"}), `Instance "c2" in project "lp" has no "limits.memory" config, either directly or via a profile`)
	checkErr(t, upd(map[string]string{"limits.disk": "10GiB"}), `Instance "c2" in project "lp" has no "size" config set on the root device either directly or via a profile`)
	checkErr(t, upd(map[string]string{"limits.cpu": "4", "limits.processes": ""}), "")

	st, err := s.State(ctx, "lp")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]api.ProjectStateResource{
		"containers": {Limit: -1, Usage: 2}, "virtual-machines": {Limit: -1, Usage: 0}, "instances": {Limit: -1, Usage: 2},
		"cpu": {Limit: 4, Usage: 4}, "memory": {Limit: -1, Usage: 512 << 20}, "disk": {Limit: -1, Usage: 1 << 30},
		"processes": {Limit: -1, Usage: 0}, "networks": {Limit: -1, Usage: 0},
	}
	if !reflect.DeepEqual(st.Resources, want) {
		t.Fatalf("state = %+v", st.Resources)
	}
	checkErr(t, func() error { _, err := s.State(ctx, "nope"); return err }(), "Fetch project database object: Project not found")
}

func TestCheckLimitsVolumesAndNetworks(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	err := s.Create(ctx, api.ProjectsPost{Name: "dp", ProjectPut: api.ProjectPut{Config: map[string]string{"limits.disk": "10GiB", "limits.networks": "0"}}})
	if err != nil {
		t.Fatal(err)
	}
	checkErr(t, s.CheckLimits(ctx, "dp", Delta{Volume: &VolumeDelta{Pool: "p", Name: "v", Size: "5GiB"}}), "")
	checkErr(t, s.CheckLimits(ctx, "dp", Delta{Volume: &VolumeDelta{Pool: "p", Name: "v", Size: "20GiB"}}),
		`Reached maximum aggregate value "10GiB" for "limits.disk" in project "dp"`)
	checkErr(t, s.CheckLimits(ctx, "dp", Delta{Networks: 1}), `Reached maximum number of networks in project "dp"`)
}

func TestFormatAggregate(t *testing.T) {
	tests := []struct {
		key  string
		n    int64
		want string
	}{
		{"limits.memory", 1166016512, "1.1GiB"},
		{"limits.memory", 512 << 20, "512.0MiB"},
		{"limits.disk", 100, "100B"},
		{"limits.cpu", 3, "3"},
	}
	for _, tt := range tests {
		if got := formatAggregate(tt.key, tt.n); got != tt.want {
			t.Errorf("formatAggregate(%s, %d) = %s, want %s", tt.key, tt.n, got, tt.want)
		}
	}
}

func TestSnapshotBackupRestrictions(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	if err := s.Create(ctx, api.ProjectsPost{Name: "r", ProjectPut: api.ProjectPut{Config: map[string]string{"restricted": "true", "restricted.backups": "allow"}}}); err != nil {
		t.Fatal(err)
	}
	checkErr(t, s.CheckSnapshot(ctx, "r"), `Project "r" doesn't allow for snapshot creation`)
	checkErr(t, s.CheckBackup(ctx, "r"), "")
	checkErr(t, s.CheckSnapshot(ctx, "default"), "")
	checkErr(t, s.AllowProfileCreation(ctx, "r", "p", api.ProfilePut{Config: map[string]string{"security.privileged": "true"}}),
		`Failed checking if profile creation allowed: Invalid value "true" for config "security.privileged" on  "p" of project "r": Privileged containers are forbidden`)
	checkErr(t, s.AllowProfileUpdate(ctx, "r", "default", api.ProfilePut{Devices: map[string]map[string]string{"u": {"type": "usb"}}}),
		`Failed checking if profile update allowed: Invalid device "u" on profile "default" of project "r": USB devices are forbidden`)
	// With an instance using the profile, LXD checks the instance first.
	addInstance(t, s.db, "r", "r2", nil, nil, "default")
	checkErr(t, s.AllowProfileUpdate(ctx, "r", "default", api.ProfilePut{Config: map[string]string{"security.idmap.base": "1000"}}),
		`Failed checking if profile update allowed: Use of low-level config "security.idmap.base" on container "r2" of project "r" is forbidden`)
	checkErr(t, s.AllowProfileUpdate(ctx, "r", "default", api.ProfilePut{Config: map[string]string{"raw.qemu": "x"}}),
		`Failed checking if profile update allowed: Use of low-level config "raw.qemu" on profile "default" of project "r" is forbidden`)
}

func TestEffectiveProject(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	cfg := map[string]string{"features.images": "false", "features.networks": "true", "features.storage.volumes": "true"}
	if err := s.Create(ctx, api.ProjectsPost{Name: "mixed", ProjectPut: api.ProjectPut{Config: cfg}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ project, feature, want, wantErr string }{
		{"default", FeatureImages, "default", ""},
		{"mixed", FeatureImages, "default", ""},
		{"mixed", FeatureProfiles, "mixed", ""},
		{"mixed", FeatureStorageVolumes, "mixed", ""},
		{"mixed", FeatureNetworks, "mixed", ""},
		{"nope", FeatureImages, "", `Failed loading project "nope": Project not found`},
	}
	for _, tt := range tests {
		t.Run(tt.project+"/"+tt.feature, func(t *testing.T) {
			got, err := s.EffectiveProject(ctx, tt.project, tt.feature)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Fatalf("EffectiveProject = %q, want %q", got, tt.want)
			}
		})
	}
}

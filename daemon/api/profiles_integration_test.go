//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// lxcStdin runs the real lxc with stdin (for `lxc profile edit`).
func lxcStdin(t *testing.T, d *daemontest.Daemon, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("lxc", args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// wantError runs the real lxc, expecting it to fail with msg on stderr.
func wantLXCError(t *testing.T, d *daemontest.Daemon, msg string, args ...string) {
	t.Helper()
	r := d.LXC(t, args...)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, msg) {
		t.Fatalf("lxc %v: exit %d, stderr %q; want error %q", args, r.ExitCode, r.Stderr, msg)
	}
}

// wantStatus checks a raw response's status and error text.
func wantResp(t *testing.T, status int, resp api.Response, wantStatus int, wantErr string) {
	t.Helper()
	if status != wantStatus || !oneOf(resp.Error, strings.Split(wantErr, "|")) {
		t.Fatalf("got %d %q, want %d %q", status, resp.Error, wantStatus, wantErr)
	}
}

// collectLifecycle gathers lifecycle actions+sources until n arrived.
func collectLifecycle(t *testing.T, d *daemontest.Daemon) func(n int) []string {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := d.Client.GetEvents(ctx, true, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	primeLifecycle(t, d, ch)
	return func(n int) []string {
		var out []string
		deadline := time.After(15 * time.Second)
		for len(out) < n {
			select {
			case e := <-ch:
				var m api.EventLifecycle
				if json.Unmarshal(e.Metadata, &m) == nil && m.Action != "" {
					out = append(out, fmt.Sprintf("%s %s %s %v", e.Project, m.Action, m.Source, m.Context["old_name"]))
				}
			case <-deadline:
				t.Fatalf("only %d lifecycle events arrived: %v", len(out), out)
			}
		}
		return out
	}
}

func scenarioProfilesAPI(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	p := daemontest.Name(t, "lxdngpp-p")
	events := collectLifecycle(t, d)

	status, resp := rawQuery(t, d, "POST", "/1.0/profiles", `{"config":null,"description":"","devices":null,"name":"`+p+`"}`, nil)
	wantResp(t, status, resp, 201, "")
	prof, etag, err := d.Client.GetProfile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if etag != daemontest.ETag(t, []any{prof.Config, prof.Description, prof.Devices}) || len(prof.UsedBy) != 0 || prof.Config == nil || prof.Devices == nil {
		t.Fatalf("profile %+v etag %s", prof, etag)
	}
	status, resp = rawQuery(t, d, "POST", "/1.0/profiles", `{"name":"`+p+`"}`, nil)
	wantResp(t, status, resp, 500, fmt.Sprintf("Error inserting %q into database: The profile already exists", p))
	status, resp = rawQuery(t, d, "POST", "/1.0/profiles", `{"name":"x`+p+`","config":{"limits.memory":"lots"}}`, nil)
	wantResp(t, status, resp, 400, "Invalid value: lots")
	status, resp = rawQuery(t, d, "POST", "/1.0/profiles", `{"name":"x`+p+`","devices":{"x":{"type":"disk","path":"/"}}}`, nil)
	wantResp(t, status, resp, 400, `Device validation failed for "x": Root disk entry must have a "pool" property set`)
	status, resp = rawQuery(t, d, "PUT", "/1.0/profiles/"+p, `{"config":{}}`, map[string]string{"If-Match": `"deadbeef"`})
	wantResp(t, status, resp, 412, fmt.Sprintf("ETag doesn't match: %s vs deadbeef", etag))

	// PATCH merges keys and devices; an empty value unsets a key.
	if err := d.Client.PatchProfile(ctx, p, map[string]any{"config": map[string]string{"user.a": "1", "limits.cpu": "2"}}, etag); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"config": map[string]string{"user.a": ""}, "devices": map[string]any{"root": map[string]string{"type": "disk", "path": "/", "pool": "default"}}}
	if err := d.Client.PatchProfile(ctx, p, body, ""); err != nil {
		t.Fatal(err)
	}
	prof, _, _ = d.Client.GetProfile(ctx, p)
	if !reflect.DeepEqual(prof.Config, map[string]string{"limits.cpu": "2"}) || prof.Devices["root"]["pool"] != "default" {
		t.Fatalf("after PATCH: %+v", prof.ProfilePut)
	}

	status, resp = rawQuery(t, d, "POST", "/1.0/profiles/"+p, `{"name":"default"}`, nil)
	wantResp(t, status, resp, 500, `Name "default" already in use`)
	status, resp = rawQuery(t, d, "POST", "/1.0/profiles/default", `{"name":"x"}`, nil)
	wantResp(t, status, resp, 403, `The "default" profile cannot be renamed`)
	status, resp = rawQuery(t, d, "DELETE", "/1.0/profiles/default", "", nil)
	wantResp(t, status, resp, 403, `The "default" profile cannot be deleted`)
	for _, c := range []struct{ method, body, err string }{
		{"GET", "", "Fetch profile: Profile not found"},
		{"DELETE", "", "Profile not found"},
		{"PUT", "{}", `Failed to retrieve profile "lxdngpp-nope": Profile not found`},
		{"PATCH", "{}", `Failed to retrieve profile="lxdngpp-nope": Profile not found`},
	} {
		status, resp = rawQuery(t, d, c.method, "/1.0/profiles/lxdngpp-nope", c.body, nil)
		wantResp(t, status, resp, 404, c.err)
	}

	renamed := p + "r"
	status, resp = rawQuery(t, d, "POST", "/1.0/profiles/"+p, `{"name":"`+renamed+`"}`, nil)
	wantResp(t, status, resp, 201, "")
	if err := d.Client.DeleteProfile(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	got := events(5)
	want := []string{
		"default profile-created /1.0/profiles/" + p + " <nil>",
		"default profile-updated /1.0/profiles/" + p + " <nil>",
		"default profile-updated /1.0/profiles/" + p + " <nil>",
		"default profile-renamed /1.0/profiles/" + renamed + " " + p,
		"default profile-deleted /1.0/profiles/" + renamed + " <nil>",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lifecycle events:\n got %v\nwant %v", got, want)
	}
	// Checked after the events: LXD 5.0.2 sends profile-updated even for
	// this refused PATCH, which we do not copy.
	status, resp = rawQuery(t, d, "POST", "/1.0/profiles", `{"name":"`+p+`"}`, nil)
	wantResp(t, status, resp, 201, "")
	status, resp = rawQuery(t, d, "PATCH", "/1.0/profiles/"+p, `{"config":{"bogus.key":"1"}}`, nil)
	wantResp(t, status, resp, 500, "Unknown configuration key: bogus.key")
	if err := d.Client.DeleteProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
}

func TestProfilesAPI(t *testing.T) { scenarioProfilesAPI(t, daemontest.Start(t)) }

func TestReferenceProfilesAPI(t *testing.T) { scenarioProfilesAPI(t, daemontest.StartReference(t)) }

// scenarioProfilesCLI drives the real lxc 5.0.2 through every profile
// command.
func scenarioProfilesCLI(t *testing.T, d *daemontest.Daemon) {
	p := daemontest.Name(t, "lxdngpp-c")
	d.MustLXC(t, "profile", "create", p)
	d.MustLXC(t, "profile", "set", p, "limits.memory", "1GiB")
	d.MustLXC(t, "profile", "set", p, "user.note=hi")
	d.MustLXC(t, "profile", "device", "add", p, "root", "disk", "path=/", "pool=default")
	d.MustLXC(t, "profile", "device", "add", p, "web", "proxy", "listen=tcp:127.0.0.1:8080", "connect=tcp:127.0.0.1:80")
	if out := d.MustLXC(t, "profile", "get", p, "limits.memory"); strings.TrimSpace(out) != "1GiB" {
		t.Fatalf("profile get: %q", out)
	}
	show := d.MustLXC(t, "profile", "show", p)
	for _, want := range []string{"limits.memory: 1GiB", "user.note: hi", "pool: default", "listen: tcp:127.0.0.1:8080", "name: " + p} {
		if !strings.Contains(show, want) {
			t.Fatalf("profile show lacks %q:\n%s", want, show)
		}
	}
	wantLXCError(t, d, "Unknown configuration key: bogus.key", "profile", "set", p, "bogus.key", "1")
	wantLXCError(t, d, `Invalid device option "bogus"`, "profile", "device", "add", p, "d2", "disk", "source=/tmp", "path=/mnt", "bogus=1")
	wantLXCError(t, d, "Mismatch between listen port(s) and connect port(s) count", "profile", "device", "add", p, "px",
		"proxy", "listen=tcp:127.0.0.1:81", "connect=tcp:127.0.0.1:80-81")
	d.MustLXC(t, "profile", "unset", p, "user.note")
	d.MustLXC(t, "profile", "device", "remove", p, "web")
	if out, err := lxcStdin(t, d, "config:\n  limits.cpu: \"2\"\ndescription: edited\ndevices: {}\n", "profile", "edit", p); err != nil {
		t.Fatalf("profile edit: %v %s", err, out)
	}
	show = d.MustLXC(t, "profile", "show", p)
	if !strings.Contains(show, `limits.cpu: "2"`) || !strings.Contains(show, "description: edited") || strings.Contains(show, "limits.memory") {
		t.Fatalf("after edit:\n%s", show)
	}
	d.MustLXC(t, "profile", "copy", p, p+"-copy")
	list := d.MustLXC(t, "profile", "list", "--format=csv")
	if !strings.Contains(list, p+",edited,0") || !strings.Contains(list, p+"-copy,edited,0") {
		t.Fatalf("profile list:\n%s", list)
	}
	d.MustLXC(t, "profile", "rename", p+"-copy", p+"-moved")
	d.MustLXC(t, "profile", "delete", p+"-moved")
	d.MustLXC(t, "profile", "delete", p)
	wantLXCError(t, d, `The "default" profile cannot be deleted`, "profile", "delete", "default")
	if list := d.MustLXC(t, "profile", "list", "--format=csv"); strings.Contains(list, p) {
		t.Fatalf("profiles left:\n%s", list)
	}
}

func TestProfilesCLI(t *testing.T) { scenarioProfilesCLI(t, daemontest.Start(t)) }

func TestReferenceProfilesCLI(t *testing.T) { scenarioProfilesCLI(t, daemontest.StartReference(t)) }

// insertInstance adds an instance row (containers are another service's
// job) using the given profiles of the project that holds them.
func insertInstance(t *testing.T, d *daemontest.Daemon, project, profileProject, name, config string, profiles ...string) {
	t.Helper()
	d.SQL(t, fmt.Sprintf(`INSERT INTO instances (project_id, member_id, name, architecture, config)
		VALUES ((SELECT id FROM projects WHERE name = '%s'), (SELECT id FROM members LIMIT 1), '%s', 'x86_64', '%s')`,
		project, name, config))
	for i, prof := range profiles {
		d.SQL(t, fmt.Sprintf(`INSERT INTO instances_profiles (instance_id, profile_id, apply_order) VALUES (
			(SELECT instances.id FROM instances JOIN projects ON projects.id = instances.project_id WHERE projects.name = '%s' AND instances.name = '%s'),
			(SELECT profiles.id FROM profiles JOIN projects ON projects.id = profiles.project_id WHERE projects.name = '%s' AND profiles.name = '%s'), %d)`,
			project, name, profileProject, prof, i))
	}
	t.Cleanup(func() {
		d.SQL(t, fmt.Sprintf(`DELETE FROM instances WHERE name = '%s' AND project_id = (SELECT id FROM projects WHERE name = '%s')`, name, project))
	})
}

// TestProfileUsedBy: used_by lists the instances using a profile, with
// ?project= outside the default project (usedby_consistency), and an
// in-use profile cannot be deleted. Instances are inserted as rows.
func TestProfileUsedBy(t *testing.T) {
	d := daemontest.Start(t)
	ctx := context.Background()
	p := daemontest.Name(t, "lxdngpp-u")
	shared := daemontest.Name(t, "lxdngpp-s")
	d.MustLXC(t, "profile", "create", p)
	d.MustLXC(t, "project", "create", shared, "-c", "features.profiles=false")
	t.Cleanup(func() { d.LXC(t, "project", "delete", shared) })
	insertInstance(t, d, "default", "default", "c1", "{}", "default", p)
	insertInstance(t, d, shared, "default", "c2", "{}", p)

	prof, _, err := d.Client.GetProfile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/1.0/instances/c1", "/1.0/instances/c2?project=" + shared}
	if !reflect.DeepEqual(prof.UsedBy, want) {
		t.Fatalf("used_by = %v, want %v", prof.UsedBy, want)
	}
	all, err := d.Client.WithProject(shared).GetProfiles(ctx)
	if err != nil || len(all) != 2 || !reflect.DeepEqual(all[1].UsedBy, want) {
		t.Fatalf("profiles seen from %s: %+v %v", shared, all, err)
	}
	status, resp := rawQuery(t, d, "DELETE", "/1.0/profiles/"+p, "", nil)
	wantResp(t, status, resp, 500, "Profile is currently in use")
	if list := d.MustLXC(t, "profile", "list", "--format=csv"); !strings.Contains(list, p+",,2") {
		t.Fatalf("lxc profile list used-by count:\n%s", list)
	}
	proj, _, _ := d.Client.GetProject(ctx, shared)
	if !reflect.DeepEqual(proj.UsedBy, []string{"/1.0/instances/c2?project=" + shared}) {
		t.Fatalf("project used_by = %v", proj.UsedBy)
	}
}

func oneOf(s string, options []string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// primeLifecycle makes sure the event subscription is live before the test
// acts: LXD registers a listener only after the websocket upgrade, so the
// first events after GetEvents returns can otherwise be missed. It creates
// and deletes a throwaway profile and waits for the deletion event.
func primeLifecycle(t *testing.T, d *daemontest.Daemon, ch <-chan api.Event) {
	t.Helper()
	name := daemontest.Name(t, "lxdngpp-prime")
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		rawQuery(t, d, "POST", "/1.0/profiles", `{"name":"`+name+`"}`, nil)
		rawQuery(t, d, "DELETE", "/1.0/profiles/"+name, "", nil)
		for waiting := true; waiting; {
			select {
			case e := <-ch:
				var m api.EventLifecycle
				if json.Unmarshal(e.Metadata, &m) == nil && m.Action == "profile-deleted" && strings.HasSuffix(m.Source, "/"+name) {
					return
				}
			case <-tick.C:
				waiting = false
			case <-deadline:
				t.Fatal("the event stream never delivered the priming event")
			}
		}
	}
}

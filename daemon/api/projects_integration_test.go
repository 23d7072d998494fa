//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

func scenarioProjectsAPI(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	p := daemontest.Name(t, "lxdngpp-j")
	events := collectLifecycle(t, d)
	status, resp := rawQuery(t, d, "POST", "/1.0/projects", `{"config":{"features.images":"false","limits.instances":"5"},"description":"","name":"`+p+`"}`, nil)
	wantResp(t, status, resp, 201, "")
	t.Cleanup(func() { _ = d.Client.DeleteProject(ctx, p) })
	proj, etag, err := d.Client.GetProject(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := map[string]string{"features.images": "false", "features.profiles": "true", "features.storage.volumes": "true", "limits.instances": "5"}
	if !reflect.DeepEqual(proj.Config, wantCfg) || !reflect.DeepEqual(proj.UsedBy, []string{"/1.0/profiles/default?project=" + p}) {
		t.Fatalf("project %+v", proj)
	}
	if etag != daemontest.ETag(t, []any{proj.Description, proj.Config}) {
		t.Fatalf("etag %s", etag)
	}
	def, _, err := d.Client.WithProject(p).GetProfile(ctx, "default")
	if err != nil || def.Description != "Default LXD profile for project "+p || len(def.Devices) != 0 {
		t.Fatalf("project default profile %+v %v", def, err)
	}

	status, resp = rawQuery(t, d, "POST", "/1.0/projects", `{"name":"`+p+`"}`, nil)
	wantResp(t, status, resp, 409, fmt.Sprintf(`Failed creating project %q: Failed adding database record: This "projects" entry already exists`, p))
	// "config": null (not an absent config) gets no default features.
	status, resp = rawQuery(t, d, "POST", "/1.0/projects", `{"name":"`+p+`n","config":null}`, nil)
	wantResp(t, status, resp, 201, "")
	if pn, _, err := d.Client.GetProject(ctx, p+"n"); err != nil || len(pn.Config) != 0 || len(pn.UsedBy) != 0 {
		t.Fatalf("project created with null config: %+v %v", pn, err)
	}
	if err := d.Client.DeleteProject(ctx, p+"n"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ body, err string }{
		{`{"name":""}`, "No name provided"},
		{`{"name":"a/b"}`, "Project names may not contain slashes"},
		{`{"name":"a b"}`, "Project names may not contain spaces"},
		{`{"name":"a_b"}`, "Project names may not contain underscores"},
		{`{"name":"x","config":{"bogus":"1"}}`, `Invalid project configuration key "bogus"`},
		{`{"name":"x","config":{"limits.instances":"x"}}`, `Invalid project configuration key "limits.instances" value: Invalid value for uint32 "x": strconv.ParseUint: parsing "x": invalid syntax`},
		{`{"name":"x","config":{"restricted.containers.privilege":"x"}}`, `Invalid project configuration key "restricted.containers.privilege" value: Invalid value "x" (not one of [allow unprivileged isolated])`},
		{`{"name":"x","config":{"features.profiles":"false","restricted":"true"}}`, "Projects without their own profiles cannot be restricted"},
	} {
		status, resp = rawQuery(t, d, "POST", "/1.0/projects", c.body, nil)
		wantResp(t, status, resp, 400, c.err)
	}
	status, resp = rawQuery(t, d, "PUT", "/1.0/projects/"+p, `{"config":{}}`, map[string]string{"If-Match": `"deadbeef"`})
	wantResp(t, status, resp, 412, fmt.Sprintf("ETag doesn't match: %s vs deadbeef", etag))
	status, resp = rawQuery(t, d, "DELETE", "/1.0/projects/default", "", nil)
	wantResp(t, status, resp, 403, "The 'default' project cannot be deleted")
	status, resp = rawQuery(t, d, "POST", "/1.0/projects/default", `{"name":"x"}`, nil)
	wantResp(t, status, resp, 403, "The 'default' project cannot be renamed")
	status, resp = rawQuery(t, d, "GET", "/1.0/projects/lxdngpp-nope", "", nil)
	wantResp(t, status, resp, 404, "Project not found")
	status, resp = rawQuery(t, d, "DELETE", "/1.0/projects/lxdngpp-nope", "", nil)
	wantResp(t, status, resp, 404, `Fetch project "lxdngpp-nope": Project not found`)
	status, resp = rawQuery(t, d, "GET", "/1.0/projects/lxdngpp-nope/state", "", nil)
	wantResp(t, status, resp, 404, "Fetch project database object: Project not found")
	status, resp = rawQuery(t, d, "GET", "/1.0/profiles?project=lxdngpp-nope", "", nil)
	wantResp(t, status, resp, 404, `Failed loading project "lxdngpp-nope": Project not found`)

	// A non-empty project keeps its features and its name.
	if err := d.Client.WithProject(p).CreateProfile(ctx, api.ProfilesPost{Name: "extra"}); err != nil {
		t.Fatal(err)
	}
	put := api.ProjectPut{Config: map[string]string{"features.images": "false", "features.profiles": "false", "features.storage.volumes": "true"}}
	status, resp = rawQuery(t, d, "POST", "/1.0/projects/"+p, `{"name":"`+p+`x"}`, nil)
	if status != 202 {
		t.Fatalf("rename answered %d %s", status, resp.Error)
	}
	if op := d.WaitOp(t, resp); op.Status != "Failure" || op.Err != "Only empty projects can be renamed" || op.Description != "Renaming project" {
		t.Fatalf("rename of non-empty project: %+v", op)
	}
	status, resp = rawQuery(t, d, "DELETE", "/1.0/projects/"+p, "", nil)
	wantResp(t, status, resp, 500, "Only empty projects can be removed")
	if err := d.Client.WithProject(p).DeleteProfile(ctx, "extra"); err != nil {
		t.Fatal(err)
	}

	// Empty again: features may change (the default profile follows) and it can be renamed.
	if err := d.Client.UpdateProject(ctx, p, put, ""); err != nil {
		t.Fatal(err)
	}
	if proj, _, _ = d.Client.GetProject(ctx, p); len(proj.UsedBy) != 0 {
		t.Fatalf("used_by after features.profiles=false: %v", proj.UsedBy)
	}
	op, err := d.Client.RenameProject(ctx, p, p+"x")
	if err != nil || op.Wait(ctx) != nil {
		t.Fatalf("rename: %v", err)
	}
	if err := d.Client.DeleteProject(ctx, p+"x"); err != nil {
		t.Fatal(err)
	}
	got := events(8)
	want := []string{
		p + " project-created /1.0/projects/" + p + " <nil>",
		p + "n project-created /1.0/projects/" + p + "n <nil>",
		p + "n project-deleted /1.0/projects/" + p + "n <nil>",
		p + " profile-created /1.0/profiles/extra?project=" + p + " <nil>",
		p + " profile-deleted /1.0/profiles/extra?project=" + p + " <nil>",
		p + " project-updated /1.0/projects/" + p + " <nil>",
		p + "x project-renamed /1.0/projects/" + p + "x " + p,
		p + "x project-deleted /1.0/projects/" + p + "x <nil>",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lifecycle events:\n got %v\nwant %v", got, want)
	}

	// Refused updates, checked after the events: LXD 5.0.2 sends
	// project-updated even for these, which we do not copy.
	status, resp = rawQuery(t, d, "PUT", "/1.0/projects/default", `{"config":{},"description":"x"}`, nil)
	wantResp(t, status, resp, 400, "You can't change the features of the default project")
	if err := d.Client.CreateProject(ctx, api.ProjectsPost{Name: p, ProjectPut: api.ProjectPut{Config: map[string]string{}}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.WithProject(p).CreateProfile(ctx, api.ProfilesPost{Name: "extra"}); err != nil {
		t.Fatal(err)
	}
	put.Config["features.images"] = "true"
	err = d.Client.UpdateProject(ctx, p, put, "")
	if err == nil || err.Error() != `Project feature "features.profiles" cannot be disabled on non-empty projects` {
		t.Fatalf("feature change on non-empty project: %v", err)
	}
	if err := d.Client.WithProject(p).DeleteProfile(ctx, "extra"); err != nil {
		t.Fatal(err)
	}
}

func TestProjectsCRUD(t *testing.T) { scenarioProjectsAPI(t, daemontest.Start(t)) }

func TestReferenceProjectsCRUD(t *testing.T) { scenarioProjectsAPI(t, daemontest.StartReference(t)) }

// scenarioProjectsCLI drives the real lxc through the project commands and
// checks that features.profiles isolates profiles.
func scenarioProjectsCLI(t *testing.T, d *daemontest.Daemon) {
	own := daemontest.Name(t, "lxdngpp-o")
	shared := daemontest.Name(t, "lxdngpp-s")
	d.MustLXC(t, "project", "create", own, "-c", "limits.instances=5")
	d.MustLXC(t, "project", "create", shared, "-c", "features.profiles=false")
	t.Cleanup(func() {
		d.LXC(t, "project", "delete", own+"x")
		d.LXC(t, "project", "delete", own)
		d.LXC(t, "project", "delete", shared)
	})
	list := d.MustLXC(t, "project", "list", "--format=csv")
	if !strings.Contains(list, own+",YES,YES,YES,NO,,1") || !strings.Contains(list, shared+",YES,NO,YES,NO,,0") {
		t.Fatalf("project list:\n%s", list)
	}
	d.MustLXC(t, "project", "set", own, "limits.cpu", "4")
	d.MustLXC(t, "project", "set", own, "user.team=a")
	if out := d.MustLXC(t, "project", "get", own, "limits.cpu"); strings.TrimSpace(out) != "4" {
		t.Fatalf("project get: %q", out)
	}
	d.MustLXC(t, "project", "unset", own, "user.team")
	show := d.MustLXC(t, "project", "show", own)
	if !strings.Contains(show, `limits.cpu: "4"`) || strings.Contains(show, "user.team") || !strings.Contains(show, "/1.0/profiles/default?project="+own) {
		t.Fatalf("project show:\n%s", show)
	}
	info := d.MustLXC(t, "project", "info", own, "--format=csv")
	for _, want := range []string{"CPU,4,0", "INSTANCES,5,0", "MEMORY,UNLIMITED,0B"} {
		if !strings.Contains(info, want) {
			t.Fatalf("project info lacks %q:\n%s", want, info)
		}
	}
	wantLXCError(t, d, `Invalid project configuration key "limits.cpu" value`, "project", "set", own, "limits.cpu", "lots")
	wantLXCError(t, d, `Invalid project configuration key "bogus"`, "project", "set", own, "bogus", "1")

	// Profiles: the own project has its own, the shared one sees default's.
	d.MustLXC(t, "project", "switch", own)
	d.MustLXC(t, "profile", "create", "mine")
	d.MustLXC(t, "project", "switch", "default")
	if out := d.MustLXC(t, "profile", "list", "--format=csv"); strings.Contains(out, "mine") {
		t.Fatalf("profile of %s visible in default:\n%s", own, out)
	}
	if out := d.MustLXC(t, "profile", "list", "--format=csv", "--project", shared); !strings.Contains(out, "default,Default LXD profile,") {
		t.Fatalf("profiles seen from %s:\n%s", shared, out)
	}
	if out := d.MustLXC(t, "profile", "show", "default", "--project", own); !strings.Contains(out, "Default LXD profile for project "+own) {
		t.Fatalf("default profile of %s:\n%s", own, out)
	}
	wantLXCError(t, d, "Only empty projects can be removed", "project", "delete", own)
	d.MustLXC(t, "profile", "delete", "mine", "--project", own)
	d.MustLXC(t, "project", "rename", own, own+"x")
	d.MustLXC(t, "project", "delete", own+"x")
	d.MustLXC(t, "project", "delete", shared)
	wantLXCError(t, d, "The 'default' project cannot be deleted", "project", "delete", "default")
	if out := d.MustLXC(t, "project", "list", "--format=csv"); strings.Contains(out, own) || strings.Contains(out, shared) {
		t.Fatalf("projects left:\n%s", out)
	}
}

func TestProjectsCLI(t *testing.T) { scenarioProjectsCLI(t, daemontest.Start(t)) }

func TestReferenceProjectsCLI(t *testing.T) { scenarioProjectsCLI(t, daemontest.StartReference(t)) }

// scenarioProjectRestrictions: a restricted project refuses privileged,
// nesting and unmanaged devices in its profiles until the matching
// restricted.* key allows them.
func scenarioProjectRestrictions(t *testing.T, d *daemontest.Daemon) {
	p := daemontest.Name(t, "lxdngpp-r")
	d.MustLXC(t, "project", "create", p, "-c", "restricted=true", "-c", "restricted.containers.privilege=unprivileged")
	t.Cleanup(func() { d.LXC(t, "project", "delete", p) })
	prefix := "Failed checking if profile update allowed: "
	// LXD leaves the type out of a profile's name in "Invalid value" errors only.
	entity := fmt.Sprintf(`on  "default" of project %q`, p)
	profEntity := fmt.Sprintf(`on profile "default" of project %q`, p)
	wantLXCError(t, d, prefix+`Invalid value "true" for config "security.privileged" `+entity+": Privileged containers are forbidden",
		"profile", "set", "default", "security.privileged", "true", "--project", p)
	wantLXCError(t, d, prefix+`Invalid value "true" for config "security.nesting" `+entity+": Container nesting is forbidden",
		"profile", "set", "default", "security.nesting", "true", "--project", p)
	wantLXCError(t, d, prefix+`Use of low-level config "raw.lxc" `+profEntity+" is forbidden",
		"profile", "set", "default", "raw.lxc", "lxc.apparmor.profile=unconfined", "--project", p)
	wantLXCError(t, d, prefix+`Invalid device "d" `+profEntity+": Unix character devices are forbidden",
		"profile", "device", "add", "default", "d", "unix-char", "path=/dev/null", "--project", p)
	wantLXCError(t, d, prefix+`Invalid device "d" `+profEntity+": Attaching disks not backed by a pool is forbidden",
		"profile", "device", "add", "default", "d", "disk", "source=/tmp", "path=/mnt", "--project", p)
	wantLXCError(t, d, prefix+`Invalid device "eth0" `+profEntity+": Only managed network devices are allowed",
		"profile", "device", "add", "default", "eth0", "nic", "nictype=p2p", "--project", p)
	d.MustLXC(t, "profile", "set", "default", "security.privileged", "false", "--project", p)
	d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool=default", "--project", p)

	d.MustLXC(t, "project", "set", p, "restricted.containers.privilege", "allow")
	d.MustLXC(t, "project", "set", p, "restricted.devices.unix-char", "allow")
	d.MustLXC(t, "profile", "set", "default", "security.privileged", "true", "--project", p)
	d.MustLXC(t, "profile", "device", "add", "default", "d", "unix-char", "path=/dev/null", "--project", p)
	// Unrestricted again: nothing is checked.
	d.MustLXC(t, "project", "set", p, "restricted", "false")
	d.MustLXC(t, "profile", "set", "default", "raw.lxc", "lxc.apparmor.profile=unconfined", "--project", p)
	wantLXCError(t, d, "Projects without their own profiles cannot be restricted", "project", "create", p+"n", "-c", "restricted=true", "-c", "features.profiles=false")
}

func TestProjectRestrictions(t *testing.T) { scenarioProjectRestrictions(t, daemontest.Start(t)) }

func TestReferenceProjectRestrictions(t *testing.T) {
	scenarioProjectRestrictions(t, daemontest.StartReference(t))
}

// scenarioProjectState: /state reports every limit (-1 when unset) with
// the usage, capitalised as LXD does.
func scenarioProjectState(t *testing.T, d *daemontest.Daemon) {
	p := daemontest.Name(t, "lxdngpp-t")
	d.MustLXC(t, "project", "create", p, "-c", "limits.cpu=4", "-c", "limits.memory=1GiB", "-c", "limits.disk=10GiB", "-c", "limits.instances=5")
	t.Cleanup(func() { d.LXC(t, "project", "delete", p) })
	status, resp := rawQuery(t, d, "GET", "/1.0/projects/"+p+"/state", "", nil)
	if status != 200 {
		t.Fatalf("state: %d %s", status, resp.Error)
	}
	var raw map[string]map[string]map[string]int64
	if err := json.Unmarshal(resp.Metadata, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		"containers": {"Limit": -1, "Usage": 0}, "cpu": {"Limit": 4, "Usage": 0}, "disk": {"Limit": 10 << 30, "Usage": 0},
		"instances": {"Limit": 5, "Usage": 0}, "memory": {"Limit": 1 << 30, "Usage": 0}, "networks": {"Limit": -1, "Usage": 0},
		"processes": {"Limit": -1, "Usage": 0}, "virtual-machines": {"Limit": -1, "Usage": 0},
	}
	if !reflect.DeepEqual(raw["resources"], want) {
		t.Fatalf("state = %v", raw)
	}
	info := d.MustLXC(t, "project", "info", p, "--format=csv")
	for _, line := range []string{"DISK,10.00GiB,0B", "MEMORY,1.00GiB,0B", "CPU,4,0", "INSTANCES,5,0", "CONTAINERS,UNLIMITED,0"} {
		if !strings.Contains(info, line) {
			t.Fatalf("project info lacks %q:\n%s", line, info)
		}
	}
}

func TestProjectState(t *testing.T) { scenarioProjectState(t, daemontest.Start(t)) }

func TestReferenceProjectState(t *testing.T) { scenarioProjectState(t, daemontest.StartReference(t)) }

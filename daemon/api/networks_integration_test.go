//go:build integration

package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// Scenarios run against our daemon and the reference LXD 5.0.2.

func networkETag(n *api.Network) string {
	data, _ := json.Marshal([]any{n.Name, n.Managed, n.Type, n.Description, n.Config})
	sum := sha256.Sum256(append(data, '\n'))
	return hex.EncodeToString(sum[:])
}

func scenarioNetworksCRUD(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	name, subnet := createTestNetwork(t, d)
	n, etag, err := d.Client.GetNetwork(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := map[string]string{"ipv4.address": subnet + ".1/24", "ipv4.nat": "false", "ipv6.address": "none"}
	if !n.Managed || n.Type != "bridge" || n.Status != "Created" || !slices.Equal(n.Locations, []string{"none"}) ||
		n.UsedBy != nil || n.Description != "" || !mapsEqual(n.Config, wantCfg) {
		t.Fatalf("created network: %+v", n)
	}
	if etag != networkETag(n) {
		t.Fatalf("ETag %s, want %s", etag, networkETag(n))
	}
	if !linkExists(name) || len(dnsmasqPids(name)) != 1 {
		t.Fatalf("bridge or dnsmasq missing after create")
	}
	checkNetworkLists(t, d, name)

	// get / set / unset / show / edit with the real client.
	d.MustLXC(t, "network", "set", name, "ipv4.dhcp.expiry=2h", "user.foo=bar")
	if v := strings.TrimSpace(d.MustLXC(t, "network", "get", name, "ipv4.dhcp.expiry")); v != "2h" {
		t.Fatalf("get after set: %q", v)
	}
	d.MustLXC(t, "network", "unset", name, "user.foo")
	show := d.MustLXC(t, "network", "show", name)
	if !strings.Contains(show, "ipv4.dhcp.expiry: 2h") || strings.Contains(show, "user.foo") || !strings.Contains(show, "managed: true") {
		t.Fatalf("show:\n%s", show)
	}
	edited := strings.Replace(show, "description: \"\"", "description: edited", 1)
	if out, err := lxcWithStdin(d, edited, "network", "edit", name); err != nil {
		t.Fatalf("lxc network edit: %v: %s", err, out)
	}
	n, etag, _ = d.Client.GetNetwork(ctx, name)
	if n.Description != "edited" || n.Config["ipv4.dhcp.expiry"] != "2h" {
		t.Fatalf("after edit: %+v", n)
	}

	// ETag: a stale If-Match is refused, the current one accepted.
	err = d.Client.PatchNetwork(ctx, name, api.NetworkPut{Config: map[string]string{"ipv4.dhcp.expiry": "3h"}}, "deadbeef")
	wantStatus(t, "stale etag", err, 412, "ETag doesn't match: "+etag+" vs deadbeef")
	put := n.Writable()
	put.Config["ipv4.dhcp.expiry"] = "3h"
	if err := d.Client.UpdateNetwork(ctx, name, put, etag); err != nil {
		t.Fatal(err)
	}
	// PATCH merges config, "" unsets, and takes the description as sent.
	if err := d.Client.PatchNetwork(ctx, name, api.NetworkPut{Config: map[string]string{"ipv4.dhcp.expiry": ""}}, ""); err != nil {
		t.Fatal(err)
	}
	if n, _, _ = d.Client.GetNetwork(ctx, name); n.Description != "" || !mapsEqual(n.Config, wantCfg) {
		t.Fatalf("after patch: %+v", n)
	}

	// Rename answers 201 + Location; the interface follows.
	newName := daemontest.Name(t, "lxns")
	cleanupNetwork(t, d, newName)
	status, resp, loc := rawWithLocation(t, d, http.MethodPost, "/1.0/networks/"+name, `{"name":"`+newName+`"}`)
	if status != 201 || loc != "/1.0/networks/"+newName || resp.Type != "sync" {
		t.Fatalf("rename: %d %+v %q", status, resp, loc)
	}
	if linkExists(name) || !linkExists(newName) || len(dnsmasqPids(newName)) != 1 {
		t.Fatalf("rename did not move the bridge and dnsmasq")
	}
	if st, _ := d.Client.GetNetworkState(ctx, newName); len(st.Addresses) == 0 || st.Addresses[0].Address != subnet+".1" {
		t.Fatalf("renamed network lost its address: %+v", st)
	}

	if out := d.MustLXC(t, "network", "delete", newName); !strings.Contains(out, "Network "+newName+" deleted") {
		t.Fatalf("delete: %q", out)
	}
	if _, _, err := d.Client.GetNetwork(ctx, newName); !api.IsStatus(err, 404) {
		t.Fatalf("deleted network still answers: %v", err)
	}
	assertNetworkGone(t, newName)
}

// checkNetworkLists checks list recursion 0 and 1 and the lxc table: the
// managed network first, then unmanaged host interfaces including lo.
func checkNetworkLists(t *testing.T, d *daemontest.Daemon, name string) {
	t.Helper()
	var urls []string
	if _, err := d.Client.Get(context.Background(), "/1.0/networks", &urls); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(urls, "/1.0/networks/"+name) || !slices.Contains(urls, "/1.0/networks/lo") || urls[0] != "/1.0/networks/"+name {
		t.Fatalf("list: %v", urls)
	}
	// LXD 5.0.2 does not filter networks server-side (lxc filters itself).
	var filtered []string
	// (Host interfaces may come and go meanwhile: compare what is stable.)
	if _, err := d.Client.Get(context.Background(), "/1.0/networks?filter=name+eq+"+name, &filtered); err != nil ||
		!slices.Contains(filtered, "/1.0/networks/"+name) || !slices.Contains(filtered, "/1.0/networks/lo") {
		t.Fatalf("filtered list: %v %v", filtered, err)
	}
	nets, err := d.Client.GetNetworks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets {
		if n.Name == "lo" {
			b, _ := json.Marshal(n)
			if string(b) != `{"config":{},"description":"","name":"lo","type":"loopback","used_by":[],"managed":false,"status":"","locations":null}` {
				t.Fatalf("lo: %s", b)
			}
		}
	}
	out := d.MustLXC(t, "network", "list", "--format", "csv")
	if !strings.Contains(out, name+",bridge,YES,") || !strings.Contains(out, ",NO,") {
		t.Fatalf("lxc network list:\n%s", out)
	}
	lo, etag, err := d.Client.GetNetwork(context.Background(), "lo")
	if err != nil || lo.Managed || etag != networkETag(lo) {
		t.Fatalf("GET lo: %+v %s %v", lo, etag, err)
	}
}

func TestNetworksCRUD(t *testing.T) { scenarioNetworksCRUD(t, daemontest.Start(t)) }

func TestReferenceNetworksCRUD(t *testing.T) { scenarioNetworksCRUD(t, daemontest.StartReference(t)) }

func scenarioNetworkErrors(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	name, subnet := createTestNetwork(t, d)
	other := daemontest.Name(t, "lxns")
	cleanupNetwork(t, d, other)
	create := func(body string) (int, api.Response) {
		return rawQuery(t, d, http.MethodPost, "/1.0/networks", body, nil)
	}
	checks := []struct {
		what   string
		status int
		resp   api.Response
		code   int
		msg    string
	}{}
	add := func(what string, code int, msg string, status int, resp api.Response) {
		checks = append(checks, struct {
			what   string
			status int
			resp   api.Response
			code   int
			msg    string
		}{what, status, resp, code, msg})
	}
	s, r := create(`{"name":"` + name + `","type":"bridge"}`)
	add("duplicate", 400, "The network already exists", s, r)
	s, r = create(`{"name":""}`)
	add("no name", 400, "No name provided", s, r)
	s, r = create(`{"name":"lxnsabcdefghijklmnop"}`)
	add("long name", 400, "Network interface is too long (maximum 15 characters)", s, r)
	s, r = create(`{"name":"lxns x"}`)
	add("bad name", 400, "Network interface contains invalid characters", s, r)
	s, r = create(`{"name":"` + other + `","type":"nope"}`)
	add("bad type", 400, "Unknown driver", s, r)
	s, r = create(`{"name":"` + other + `","config":{"foo":"bar","ipv4.address":"10.202.250.1/24","ipv6.address":"none"}}`)
	add("create unknown key", 500, `Invalid option for network "`+other+`" option "foo"`, s, r)
	s, r = create(`{"name":"` + other + `","config":{"ipv4.address":"bad","ipv6.address":"none"}}`)
	add("create bad cidr", 500, `Invalid value for network "`+other+`" option "ipv4.address": invalid CIDR address: bad`, s, r)
	s, r = rawQuery(t, d, http.MethodPatch, "/1.0/networks/"+name, `{"config":{"foo":"bar"}}`, nil)
	add("patch unknown key", 400, `Invalid option for network "`+name+`" option "foo"`, s, r)
	s, r = rawQuery(t, d, http.MethodPatch, "/1.0/networks/"+name, `{"config":{"ipv4.address":"`+subnet+`.1/33"}}`, nil)
	add("patch bad cidr", 400, `Invalid value for network "`+name+`" option "ipv4.address": invalid CIDR address: `+subnet+`.1/33`, s, r)
	s, r = rawQuery(t, d, http.MethodGet, "/1.0/networks/lxnsnosuch", "", nil)
	add("get unknown", 404, "Network not found", s, r)
	for _, m := range []string{http.MethodDelete, http.MethodPatch, http.MethodPut} {
		s, r = rawQuery(t, d, m, "/1.0/networks/lxnsnosuch", `{"config":{}}`, nil)
		add(m+" unknown", 404, "Failed loading network: Network not found", s, r)
	}
	s, r = rawQuery(t, d, http.MethodDelete, "/1.0/networks/lo", "", nil)
	add("delete unmanaged", 404, "Failed loading network: Network not found", s, r)
	s, r = rawQuery(t, d, http.MethodGet, "/1.0/networks/lo/leases", "", nil)
	add("leases unmanaged", 404, "Failed loading network: Network not found", s, r)
	s, r = rawQuery(t, d, http.MethodGet, "/1.0/networks/lxnsnosuch/state", "", nil)
	add("state unknown", 404, `Network interface "lxnsnosuch" not found`, s, r)
	s, r = rawQuery(t, d, http.MethodPost, "/1.0/networks/"+name, `{"name":""}`, nil)
	add("rename no name", 400, "New network name not provided", s, r)
	s, r = rawQuery(t, d, http.MethodPost, "/1.0/networks/"+name, `{"name":"lo"}`, nil)
	add("rename onto interface", 500, `Network interface "lo" already exists`, s, r)
	s, r = rawQuery(t, d, http.MethodGet, "/1.0/networks?project=lxnsnosuch", "", nil)
	add("unknown project", 404, `Failed to load project "lxnsnosuch": Project not found`, s, r)
	for _, c := range checks {
		if c.status != c.code || c.resp.ErrorCode != c.code || c.resp.Error != c.msg {
			t.Errorf("%s: got %d %q, want %d %q", c.what, c.status, c.resp.Error, c.code, c.msg)
		}
	}
	if _, _, err := d.Client.GetNetwork(ctx, other); !api.IsStatus(err, 404) || linkExists(other) {
		t.Fatalf("a refused create left %s behind (%v)", other, err)
	}
	if n, _, _ := d.Client.GetNetwork(ctx, name); n.Config["ipv4.address"] != subnet+".1/24" || len(n.Config) != 3 {
		t.Fatalf("refused updates changed the network: %+v", n.Config)
	}
}

func TestNetworkErrors(t *testing.T) { scenarioNetworkErrors(t, daemontest.Start(t)) }

func TestReferenceNetworkErrors(t *testing.T) { scenarioNetworkErrors(t, daemontest.StartReference(t)) }

// scenarioNetworkInUse: a profile NIC (in default and in a project without
// its own networks) makes the network used: listed in used_by, delete and
// rename refused, nothing changed.
func scenarioNetworkInUse(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	name, subnet := createTestNetwork(t, d)
	project := daemontest.Name(t, "p")
	d.CreateProject(t, project, map[string]string{"features.profiles": "true", "features.networks": "false"})
	addProfileNIC(t, d, "default", "default", name)
	addProfileNIC(t, d, project, "default", name)
	n, _, err := d.Client.GetNetwork(ctx, name)
	want := []string{"/1.0/profiles/default", "/1.0/profiles/default?project=" + project}
	if err != nil || !slices.Equal(n.UsedBy, want) {
		t.Fatalf("used_by %v, want %v (%v)", n.UsedBy, want, err)
	}
	// The project sees the default project's networks, used_by included.
	if n, _, err := d.Client.WithProject(project).GetNetwork(ctx, name); err != nil || len(n.UsedBy) != 2 {
		t.Fatalf("from project %s: %+v %v", project, n, err)
	}
	wantStatus(t, "delete in use", d.Client.DeleteNetwork(ctx, name), 400, "The network is currently in use")
	wantStatus(t, "rename in use", d.Client.RenameNetwork(ctx, name, daemontest.Name(t, "lxns")), 400, "Network is currently in use")
	r := d.LXC(t, "network", "delete", name)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "The network is currently in use") {
		t.Fatalf("lxc network delete in use: %+v", r)
	}
	if st, err := d.Client.GetNetworkState(ctx, name); err != nil || st.State != "up" || st.Addresses[0].Address != subnet+".1" {
		t.Fatalf("refused delete touched the bridge: %+v %v", st, err)
	}
}

func TestNetworkInUse(t *testing.T) { scenarioNetworkInUse(t, daemontest.Start(t)) }

func TestReferenceNetworkInUse(t *testing.T) { scenarioNetworkInUse(t, daemontest.StartReference(t)) }

// scenarioNetworkProjects: a project with features.networks=true has its
// own (empty) network list without host interfaces, and refuses the types
// LXD 5.0.2 only allows in the default project.
func scenarioNetworkProjects(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	name, subnet := createTestNetwork(t, d)
	project := daemontest.Name(t, "p")
	d.CreateProject(t, project, map[string]string{"features.networks": "true"})
	c := d.Client.WithProject(project)
	var urls []string
	if _, err := c.Get(ctx, "/1.0/networks", &urls); err != nil || len(urls) != 0 {
		t.Fatalf("list in %s: %v %v", project, urls, err)
	}
	_, _, err := c.GetNetwork(ctx, "lo")
	wantStatus(t, "lo in project", err, 404, "Network not found")
	_, _, err = c.GetNetwork(ctx, name)
	wantStatus(t, "default network in project", err, 404, "Network not found")
	for _, typ := range []string{"bridge", "macvlan", "physical"} {
		err := c.CreateNetwork(ctx, api.NetworksPost{Name: daemontest.Name(t, "lxns"), Type: typ,
			NetworkPut: api.NetworkPut{Config: map[string]string{"ipv4.address": subnet + ".1/24", "parent": "lo"}}})
		wantStatus(t, typ+" in project", err, 400, "Network type does not support non-default projects")
	}
	// State reads the host interface whatever the project.
	if st, err := c.GetNetworkState(ctx, name); err != nil || st.Addresses[0].Address != subnet+".1" {
		t.Fatalf("state from project: %+v %v", st, err)
	}
}

func TestNetworkProjects(t *testing.T) { scenarioNetworkProjects(t, daemontest.Start(t)) }

func TestReferenceNetworkProjects(t *testing.T) {
	scenarioNetworkProjects(t, daemontest.StartReference(t))
}

// scenarioNetworkEvents: create, update, rename and delete each publish
// their lifecycle event.
func scenarioNetworkEvents(t *testing.T, d *daemontest.Daemon) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ch, err := d.Client.GetEvents(ctx, false, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	name, _ := createTestNetwork(t, d)
	d.MustLXC(t, "network", "set", name, "user.x=1")
	newName := daemontest.Name(t, "lxns")
	cleanupNetwork(t, d, newName)
	d.MustLXC(t, "network", "rename", name, newName)
	d.MustLXC(t, "network", "delete", newName)
	want := []string{"network-created " + "/1.0/networks/" + name, "network-updated /1.0/networks/" + name,
		"network-renamed /1.0/networks/" + newName, "network-deleted /1.0/networks/" + newName}
	var got []string
	for len(got) < len(want) {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("event stream ended: got %v", got)
			}
			var lc api.EventLifecycle
			_ = json.Unmarshal(e.Metadata, &lc)
			if !strings.HasPrefix(lc.Action, "network-") {
				continue
			}
			got = append(got, lc.Action+" "+lc.Source)
			if lc.Action == "network-renamed" && lc.Context["old_name"] != name {
				t.Fatalf("renamed context: %v", lc.Context)
			}
			if e.Project != "default" || lc.Requestor == nil || lc.Requestor.Protocol != "unix" {
				t.Fatalf("event: %+v %+v", e, lc)
			}
		case <-ctx.Done():
			t.Fatalf("events: got %v, want %v", got, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events: got %v, want %v", got, want)
	}
}

func TestNetworkEvents(t *testing.T) { scenarioNetworkEvents(t, daemontest.Start(t)) }

func TestReferenceNetworkEvents(t *testing.T) { scenarioNetworkEvents(t, daemontest.StartReference(t)) }

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

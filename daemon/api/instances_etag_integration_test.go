//go:build integration

package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

func etagOfValue(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(append(data, '\n'))
	return hex.EncodeToString(sum[:])
}

// scenarioInstanceETag checks the instance ETag formula:
// [archID, local config, local devices, ephemeral, full profiles].
func scenarioInstanceETag(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	ctx := context.Background()
	inst, etag, err := d.Client.GetInstance(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var profiles []api.Profile
	for _, p := range inst.Profiles {
		var prof api.Profile
		if _, err := d.Client.Get(ctx, "/1.0/profiles/"+p, &prof); err != nil {
			t.Fatal(err)
		}
		prof.UsedBy = nil
		profiles = append(profiles, prof)
	}
	want := etagOfValue([]any{2, inst.Config, inst.Devices, inst.Ephemeral, profiles})
	if etag != want {
		t.Fatalf("ETag %s, formula gives %s (profiles %+v)", etag, want, profiles)
	}
	// The description is not covered: a description-only PATCH keeps the
	// ETag; a stale If-Match on a config change is a 412.
	if _, _, err := d.Client.Query(ctx, http.MethodPatch, "/1.0/instances/"+name, map[string]string{"description": "desc"}, etag); err != nil {
		t.Fatal(err)
	}
	inst2, etag2, err := d.Client.GetInstance(ctx, name)
	if err != nil || etag2 != etag || inst2.Description != "desc" {
		t.Fatalf("after description PATCH: %q %s %v", inst2.Description, etag2, err)
	}
	if _, _, err := d.Client.Query(ctx, http.MethodPatch, "/1.0/instances/"+name, map[string]any{"config": map[string]string{"user.a": "b"}}, ""); err != nil {
		t.Fatal(err)
	}
	_, _, err = d.Client.Query(ctx, http.MethodPatch, "/1.0/instances/"+name, map[string]any{"config": map[string]string{"user.a": "c"}}, etag)
	_, etag3, _ := d.Client.GetInstance(ctx, name)
	wantInstErr(t, err, 412, "ETag doesn't match: "+etag3+" vs "+etag)
	// lxc config set: GET + PUT with If-Match.
	d.MustLXC(t, "config", "set", name, "user.k", "v")
	if got := e.get(t, name).Config["user.k"]; got != "v" {
		t.Fatalf("lxc config set: %q", got)
	}
}

func TestInstanceETag(t *testing.T)          { scenarioInstanceETag(t, daemontest.Start(t)) }
func TestReferenceInstanceETag(t *testing.T) { scenarioInstanceETag(t, daemontest.StartReference(t)) }

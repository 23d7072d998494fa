//go:build integration

package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
}

func TestInstanceETag(t *testing.T)          { scenarioInstanceETag(t, daemontest.Start(t)) }
func TestReferenceInstanceETag(t *testing.T) { scenarioInstanceETag(t, daemontest.StartReference(t)) }

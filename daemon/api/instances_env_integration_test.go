//go:build integration

package api_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// TestServerLXCFeatures: the environment's instance driver, its version
// and the liblxc features are what LXD 5.0.2 reports on this host.
func TestServerLXCFeatures(t *testing.T) {
	ours, ref := daemontest.Start(t), daemontest.StartReference(t)
	o, _, err := ours.Client.GetServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := ref.Client.GetServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if o.Environment.Driver != r.Environment.Driver || o.Environment.DriverVersion != r.Environment.DriverVersion {
		t.Fatalf("driver %q %q, LXD says %q %q", o.Environment.Driver, o.Environment.DriverVersion,
			r.Environment.Driver, r.Environment.DriverVersion)
	}
	if !reflect.DeepEqual(o.Environment.LXCFeatures, r.Environment.LXCFeatures) {
		t.Fatalf("lxc_features\n ours %v\n  LXD %v", o.Environment.LXCFeatures, r.Environment.LXCFeatures)
	}
}

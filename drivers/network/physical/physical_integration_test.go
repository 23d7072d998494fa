//go:build integration

package physical_test

import (
	"context"
	"testing"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/networktest"
	"github.com/lxdng/lxd/drivers/network/physical"
)

func newNetwork(t *testing.T) network.Network {
	parent, _ := networktest.Veth(t)
	return network.Network{
		Name:     networktest.Name("p"),
		Type:     "physical",
		Config:   map[string]string{"parent": parent},
		StateDir: networktest.StateDir(t),
		Member:   "none",
	}
}

func TestConformance(t *testing.T) {
	networktest.Run(t, func(t *testing.T) network.Driver { return physical.New() }, newNetwork)
}

func TestMTUAppliedAndRestored(t *testing.T) {
	ctx := context.Background()
	d := physical.New()
	n := newNetwork(t)
	parent := n.Config["parent"]
	before, _ := iproute.GetLink(ctx, parent)
	n.Config["mtu"] = "1300"
	if err := d.Start(ctx, n); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if l, _ := iproute.GetLink(ctx, parent); l.MTU != 1300 || !l.Up() {
		t.Fatalf("parent after Start: %+v", l)
	}
	st, err := d.State(ctx, n)
	if err != nil || st.Mtu != 1300 {
		t.Fatalf("State: %+v %v", st, err)
	}
	if err := d.Delete(ctx, n); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if l, _ := iproute.GetLink(ctx, parent); l.MTU != before.MTU {
		t.Fatalf("MTU not restored: %d, want %d", l.MTU, before.MTU)
	}
}

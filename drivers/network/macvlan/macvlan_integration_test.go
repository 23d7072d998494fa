//go:build integration

package macvlan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/macvlan"
	"github.com/lxdng/lxd/drivers/network/networktest"
)

// newNetwork gives each network a veth end as its parent.
func newNetwork(t *testing.T) network.Network {
	parent, _ := networktest.Veth(t)
	return network.Network{
		Name:          networktest.Name("m"),
		Type:          "macvlan",
		Config:        map[string]string{"parent": parent, "mtu": "1400"},
		StateDir:      networktest.StateDir(t),
		FirewallTable: networktest.Table(t),
		Member:        "none",
	}
}

func TestConformance(t *testing.T) {
	networktest.Run(t, func(t *testing.T) network.Driver { return macvlan.New() }, newNetwork)
}

func TestStartRefusesVLANAndMissingParent(t *testing.T) {
	d := macvlan.New()
	n := newNetwork(t)
	n.Config["vlan"] = "10"
	if err := d.Validate(context.Background(), n); err != nil {
		t.Fatalf("vlan must validate: %v", err)
	}
	if err := d.Start(context.Background(), n); err == nil || !strings.Contains(err.Error(), "not supported by this kernel") {
		t.Fatalf("vlan Start: %v", err)
	}
	n.Config = map[string]string{"parent": "lxntnosuchdev"}
	if err := d.Start(context.Background(), n); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing parent: %v", err)
	}
}

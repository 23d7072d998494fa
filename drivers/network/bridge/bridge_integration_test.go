//go:build integration

package bridge_test

import (
	"testing"

	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/bridge"
	"github.com/lxdng/lxd/drivers/network/networktest"
)

func newBridgeNetwork(t *testing.T) network.Network {
	addr, _ := networktest.Subnet(t)
	return network.Network{
		Name: networktest.Name("b"),
		Type: "bridge",
		Config: map[string]string{
			"ipv4.address": addr,
			"ipv4.nat":     "false",
			"ipv4.routing": "false",
			"ipv6.address": "none",
		},
		StateDir:      networktest.StateDir(t),
		FirewallTable: networktest.Table(t),
		Member:        "none",
	}
}

func TestConformance(t *testing.T) {
	networktest.Run(t, func(t *testing.T) network.Driver { return bridge.New(bridge.Options{}) }, newBridgeNetwork)
}

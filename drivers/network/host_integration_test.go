//go:build integration

package network_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/networktest"
)

func TestHostInterfaces(t *testing.T) {
	networktest.RequireTools(t, "ip")
	br := networktest.Name("h")
	networktest.MustRun(t, "ip", "link", "add", "dev", br, "type", "bridge")
	t.Cleanup(func() { _ = iproute.DeleteLink(context.Background(), br) })
	nets, err := network.HostInterfaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, n := range nets {
		types[n.Name] = n.Type
		if n.Managed || n.Config == nil || n.UsedBy == nil || n.Locations != nil || n.Status != "" {
			t.Fatalf("unmanaged network shape: %+v", n)
		}
	}
	if types["lo"] != "loopback" || types[br] != "bridge" {
		t.Fatalf("types: %v", types)
	}
	lo := nets[0]
	for _, n := range nets {
		if n.Name == "lo" {
			lo = n
		}
	}
	b, _ := json.Marshal(lo)
	if string(b) != `{"config":{},"description":"","name":"lo","type":"loopback","used_by":[],"managed":false,"status":"","locations":null}` {
		t.Fatalf("lo JSON: %s", b)
	}
	st, err := network.InterfaceState(context.Background(), "lo")
	if err != nil || st.Type != "loopback" || st.State != "up" || st.Mtu != 65536 || st.Hwaddr != "" {
		t.Fatalf("lo state: %+v %v", st, err)
	}
	if _, err := network.InterfaceState(context.Background(), "lxntnosuchdev"); err == nil {
		t.Fatalf("missing interface must fail")
	}
}

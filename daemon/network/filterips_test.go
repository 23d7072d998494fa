package network

import (
	"net"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func TestPickFilterAddresses(t *testing.T) {
	mac := "00:16:3e:aa:bb:cc"
	leases := []api.NetworkLease{
		{Hwaddr: "00:16:3e:00:00:01", Address: "10.0.0.2", Type: "dynamic"},
		{Hwaddr: mac, Address: "10.0.0.77", Type: "dynamic"},
	}
	tests := []struct {
		name   string
		cfg    map[string]string
		leases []api.NetworkLease
		taken  map[string]bool
		v6     bool
		want   string
	}{
		{"own lease", map[string]string{"ipv4.address": "10.0.0.1/24"}, leases, map[string]bool{}, false, "10.0.0.77"},
		{"first free", map[string]string{"ipv4.address": "10.0.0.1/24"}, leases[:1], map[string]bool{"10.0.0.2": true, "10.0.0.3": true}, false, "10.0.0.4"},
		{"dhcp range", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.dhcp.ranges": "10.0.0.100-10.0.0.101"}, nil, map[string]bool{"10.0.0.100": true}, false, "10.0.0.101"},
		{"range full", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.dhcp.ranges": "10.0.0.100-10.0.0.100"}, nil, map[string]bool{"10.0.0.100": true}, false, ""},
		{"no ipv4", map[string]string{"ipv4.address": "none"}, nil, map[string]bool{}, false, ""},
		{"slaac", map[string]string{"ipv6.address": "fd42::1/64"}, nil, map[string]bool{}, true, "fd42::216:3eff:feaa:bbcc"},
		{"stateful", map[string]string{"ipv6.address": "fd42::1/64", "ipv6.dhcp.stateful": "true"}, nil, map[string]bool{"fd42::2": true}, true, "fd42::3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			if tt.v6 {
				got = pickIPv6(tt.cfg, tt.leases, tt.taken, mac)
			} else {
				got = pickIPv4(tt.cfg, tt.leases, tt.taken, mac)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEUI64(t *testing.T) {
	_, subnet, _ := net.ParseCIDR("2001:db8:1:2::/64")
	if got := eui64(subnet, "52:54:00:12:34:56"); got != "2001:db8:1:2:5054:ff:fe12:3456" {
		t.Fatalf("eui64 = %s", got)
	}
}

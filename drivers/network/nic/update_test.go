package nic

import "testing"

func TestCanUpdate(t *testing.T) {
	br := func(extra ...string) map[string]string {
		m := map[string]string{"type": "nic", "nictype": Bridged, "parent": "br0", "name": "eth0"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		old, new map[string]string
		want     bool
	}{
		{"same", br(), br(), true},
		{"filtering on", br(), br("security.ipv4_filtering", "true"), true},
		{"static address", br("ipv4.address", "10.0.0.2"), br("ipv4.address", "10.0.0.3"), true},
		{"limits and routes", br(), br("limits.max", "10Mbit", "ipv4.routes", "10.1.0.0/24"), true},
		{"mtu", br(), br("mtu", "1400"), false},
		{"parent", br(), br("parent", "br1"), false},
		{"name", br(), br("name", "eth1"), false},
		{"nictype", br(), map[string]string{"type": "nic", "nictype": P2P, "name": "eth0"}, false},
		{"p2p limits", map[string]string{"nictype": P2P}, map[string]string{"nictype": P2P, "limits.ingress": "1Mbit"}, true},
		{"p2p filtering is no p2p key", map[string]string{"nictype": P2P}, map[string]string{"nictype": P2P, "security.mac_filtering": "true"}, false},
		{"routed address", map[string]string{"nictype": Routed, "ipv4.address": "10.0.0.2"}, map[string]string{"nictype": Routed, "ipv4.address": "10.0.0.3"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanUpdate(tt.old, tt.new); got != tt.want {
				t.Fatalf("CanUpdate = %v, want %v", got, tt.want)
			}
		})
	}
}

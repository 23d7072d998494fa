package bridge

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/network"
)

// TestNATOrderAndAddress checks the NAT chain rendered for ipv4/ipv6
// .nat.order (chain priority before/after the default srcnat 100) and
// .nat.address (SNAT to a fixed address instead of masquerade). Rendering
// only: tests never turn NAT on on the host.
func TestNATOrderAndAddress(t *testing.T) {
	tests := []struct {
		name     string
		cfg      map[string]string
		priority int
		rule     string
	}{
		{"default order", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.nat": "true"}, 99, "masquerade"},
		{"after", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.nat": "true", "ipv4.nat.order": "after"}, 101, "masquerade"},
		{"v4 address", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.nat": "true", "ipv4.nat.address": "192.0.2.7"}, 99, "snat ip to 192.0.2.7"},
		{"v6 after with address", map[string]string{"ipv4.address": "none", "ipv6.address": "fd42::1/64", "ipv6.nat": "true",
			"ipv6.nat.order": "after", "ipv6.nat.address": "2001:db8::7"}, 101, "snat ip6 to 2001:db8::7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range firewallChains(network.Network{Name: "br0", Config: tt.cfg}) {
				if c.Hook != "postrouting" {
					continue
				}
				if c.Priority != tt.priority || len(c.Rules) != 1 || !strings.HasSuffix(c.Rules[0], tt.rule) {
					t.Fatalf("nat chain: priority %d rules %v, want %d and %q", c.Priority, c.Rules, tt.priority, tt.rule)
				}
				return
			}
			t.Fatal("no NAT chain")
		})
	}
}

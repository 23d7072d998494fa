package instances

import "testing"

func TestStaticAddressRules(t *testing.T) {
	net4 := map[string]string{"ipv4.address": "10.1.2.1/24", "ipv6.address": "fd42:1::1/64"}
	stateful := map[string]string{"ipv4.address": "10.1.2.1/24", "ipv6.address": "fd42:1::1/64", "ipv6.dhcp.stateful": "true"}
	noDHCP := map[string]string{"ipv4.address": "10.1.2.1/24", "ipv4.dhcp": "false"}
	none := map[string]string{"ipv4.address": "none"}
	tests := []struct {
		name string
		dev  map[string]string
		net  map[string]string
		want string
	}{
		{"in subnet", map[string]string{"ipv4.address": "10.1.2.50"}, net4, ""},
		{"outside", map[string]string{"ipv4.address": "10.9.9.9"}, net4, `Device IP address "10.9.9.9" not within network "n" subnet`},
		{"gateway", map[string]string{"ipv4.address": "10.1.2.1"}, net4, `IP address "10.1.2.1" is assigned to parent managed network device ""`},
		{"dhcp off", map[string]string{"ipv4.address": "10.1.2.5"}, noDHCP, `Cannot specify "ipv4.address" when DHCP is disabled (unless using security.ipv4_filtering) on network "n"`},
		{"dhcp off filtered", map[string]string{"ipv4.address": "10.1.2.5", "security.ipv4_filtering": "true"}, noDHCP, ""},
		{"no ipv4", map[string]string{"ipv4.address": "10.1.2.5"}, none, `Cannot specify "ipv4.address" when DHCP is disabled (unless using security.ipv4_filtering) on network "n"`},
		{"v6 stateless", map[string]string{"ipv6.address": "fd42:1::5"}, net4, `Cannot specify "ipv6.address" when DHCP or "ipv6.dhcp.stateful" are disabled (unless using security.ipv6_filtering) on network "n"`},
		{"v6 stateful", map[string]string{"ipv6.address": "fd42:1::5"}, stateful, ""},
		{"v6 outside", map[string]string{"ipv6.address": "fd42:2::5"}, stateful, `Device IP address "fd42:2::5" not within network "n" subnet`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := staticAddressRules("n", tt.dev, tt.net)
			if (tt.want == "" && err != nil) || (tt.want != "" && (err == nil || err.Error() != tt.want)) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

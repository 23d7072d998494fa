package instconfig

import (
	"context"
	"testing"
)

// TestNICRulesInstance: rules LXD applies to an instance's NICs (not to
// profiles): keys a network= NIC takes from the network, one routed NIC
// with an automatic gateway per family.
func TestNICRulesInstance(t *testing.T) {
	routed := func(extra ...string) map[string]string {
		d := map[string]string{"type": "nic", "nictype": "routed", "ipv4.address": "10.0.0.2"}
		for i := 0; i+1 < len(extra); i += 2 {
			d[extra[i]] = extra[i+1]
		}
		return d
	}
	tests := []struct {
		name    string
		devs    Devices
		profile bool
		wantErr string
	}{
		{"network and mtu", Devices{"x": {"type": "nic", "network": "br0", "mtu": "1400"}}, false,
			`Invalid devices: Device validation failed for "x": Cannot use "mtu" property in conjunction with "network" property`},
		{"network and nictype", Devices{"x": {"type": "nic", "network": "br0", "nictype": "bridged"}}, false,
			`Invalid devices: Device validation failed for "x": Cannot use "nictype" property in conjunction with "network" property`},
		{"network and parent", Devices{"x": {"type": "nic", "network": "br0", "parent": "br1"}}, true,
			`Device validation failed for "x": Cannot use "parent" property in conjunction with "network" property`},
		{"one routed", Devices{"a": routed()}, false, ""},
		{"two auto gateways", Devices{"a": routed(), "b": routed()}, false,
			`Invalid devices: Device validation failed for "a": Existing NIC "b" already uses "ipv4.gateway" in auto mode`},
		{"ipv6 default counts", Devices{"a": routed(), "b": routed("ipv4.gateway", "none")}, false,
			`Invalid devices: Device validation failed for "a": Existing NIC "b" already uses "ipv6.gateway" in auto mode`},
		{"second without gateways", Devices{"a": routed(), "b": routed("ipv4.gateway", "none", "ipv6.gateway", "none")}, false, ""},
		{"profiles are not checked", Devices{"a": routed(), "b": routed()}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateDevices(context.Background(), tt.devs, DeviceOpts{Profile: tt.profile, NetworkProject: "default"})
			checkErr(t, err, tt.wantErr)
		})
	}
}

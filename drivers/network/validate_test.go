package network

import (
	"net"
	"strings"
	"testing"
)

func TestValidators(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(string) error
		in      string
		wantErr string
	}{
		{"mtu ok", IsMTU, "1500", ""},
		{"mtu low", IsMTU, "1000", "Out of MTU range (1280-16384)"},
		{"vlan", IsVLAN, "4094", ""},
		{"vlan high", IsVLAN, "4095", "Invalid VLAN"},
		{"host cidr", IsHostAddressCIDR(4), "10.0.0.1/24", ""},
		{"host cidr /31 edge", IsHostAddressCIDR(4), "10.0.0.1/31", ""},
		{"host cidr broadcast", IsHostAddressCIDR(4), "10.0.0.255/24", "broadcast"},
		{"host cidr wrong family", IsHostAddressCIDR(4), "fd42::1/64", "Not an IPv4"},
		{"host cidr bad prefix", IsHostAddressCIDR(4), "10.0.0.1/33", "invalid CIDR address: 10.0.0.1/33"},
		{"v6 host cidr", IsHostAddressCIDR(6), "fd42::1/64", ""},
		{"subnet", IsSubnet(4), "10.1.0.0/16", ""},
		{"subnet host bits", IsSubnet(4), "10.1.0.1/16", "host bits"},
		{"ranges", IsRangeList(4), "10.0.0.2-10.0.0.9, 10.0.0.20-10.0.0.30", ""},
		{"range no dash", IsRangeList(4), "10.0.0.2", "separated by '-'"},
		{"range v6", IsRangeList(6), "fd42::2-fd42::ff", ""},
		{"expiry", IsLeaseExpiry, "1h", ""},
		{"expiry infinite", IsLeaseExpiry, "infinite", ""},
		{"expiry bad", IsLeaseExpiry, "1 hour", "Invalid lease expiry"},
		{"iface", IsInterfaceName, "lxdbr0", ""},
		{"iface long", IsInterfaceName, "abcdefghijklmnop", "between 1 and 15"},
		{"iface slash", IsInterfaceName, "a/b", "invalid characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fn(tt.in)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestAddressMath(t *testing.T) {
	_, s4, _ := net.ParseCIDR("10.0.0.0/24")
	_, s6, _ := net.ParseCIDR("fd42::/64")
	tests := []struct {
		subnet *net.IPNet
		n      int64
		want   string
	}{
		{s4, 1, "10.0.0.1"}, {s4, 2, "10.0.0.2"}, {s4, -1, "10.0.0.255"}, {s4, -2, "10.0.0.254"}, {s4, 256, "10.0.1.0"},
		{s6, 1, "fd42::1"}, {s6, -1, "fd42::ffff:ffff:ffff:ffff"},
	}
	for _, tt := range tests {
		if got := NthAddress(tt.subnet, tt.n).String(); got != tt.want {
			t.Errorf("NthAddress(%s, %d) = %s, want %s", tt.subnet, tt.n, got, tt.want)
		}
	}
	_, a, _ := net.ParseCIDR("10.0.0.0/16")
	_, b, _ := net.ParseCIDR("10.0.5.0/24")
	_, c, _ := net.ParseCIDR("10.1.0.0/24")
	if !Overlaps(a, b) || !Overlaps(b, a) || Overlaps(a, c) {
		t.Fatalf("Overlaps wrong")
	}
}

func TestCheckType(t *testing.T) {
	for _, typ := range []string{"", "bridge", "macvlan", "physical"} {
		if err := CheckType(typ); err != nil {
			t.Errorf("%q: %v", typ, err)
		}
	}
	for typ, want := range map[string]string{"sriov": "not supported", "ovn": "not supported", "foo": "Invalid network type"} {
		if err := CheckType(typ); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", typ, err)
		}
	}
}

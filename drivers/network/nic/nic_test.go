package nic

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]string
		wantErr string
	}{
		{"bridged", map[string]string{"type": "nic", "nictype": "bridged", "parent": "lxdbr0", "name": "eth0", "ipv4.address": "10.0.0.5", "security.ipv4_filtering": "true", "limits.max": "100Mbit"}, ""},
		{"bridged via network", map[string]string{"nictype": "bridged", "network": "lxdbr0"}, ""},
		{"missing parent", map[string]string{"nictype": "bridged"}, `Missing "parent" or "network"`},
		{"parent and network", map[string]string{"nictype": "bridged", "parent": "a", "network": "b"}, "in conjunction"},
		{"bad limit", map[string]string{"nictype": "bridged", "parent": "a", "limits.ingress": "10"}, "missing unit"},
		{"routed list", map[string]string{"nictype": "routed", "ipv4.address": "10.0.0.5,10.0.0.6", "ipv4.gateway": "none"}, ""},
		{"routed needs address", map[string]string{"nictype": "routed"}, "at least one"},
		{"routed bad gateway", map[string]string{"nictype": "routed", "ipv4.address": "10.0.0.5", "ipv4.gateway": "10.0.0.1"}, "not one of"},
		{"p2p no parent needed", map[string]string{"nictype": "p2p", "host_name": "vethfoo"}, ""},
		{"p2p has no filtering", map[string]string{"nictype": "p2p", "security.mac_filtering": "true"}, "unknown key"},
		{"macvlan vlan validates", map[string]string{"nictype": "macvlan", "parent": "eth0", "vlan": "10"}, ""},
		{"ipvlan validates", map[string]string{"nictype": "ipvlan", "parent": "eth0", "ipv4.address": "10.0.0.5", "mode": "l2"}, ""},
		{"ovn refused", map[string]string{"nictype": "ovn", "network": "x"}, "not supported"},
		{"unknown nictype", map[string]string{"nictype": "nope"}, "Invalid NIC type"},
		{"missing nictype", map[string]string{"parent": "x"}, "Missing nic type"},
		{"bad hwaddr", map[string]string{"nictype": "p2p", "hwaddr": "zz"}, "Invalid MAC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.cfg)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestLXCConfig(t *testing.T) {
	r := Result{Device: "vethabc", Name: "eth0", Hwaddr: "00:16:3e:00:00:01", MTU: 1400,
		IPv4: []string{"10.0.0.5/32"}, IPv4Gateway: "169.254.0.1", IPv6: []string{"fd42::5/128"}, IPv6Gateway: "fe80::1"}
	var lines []string
	for _, kv := range r.LXCConfig(2) {
		lines = append(lines, kv[0]+"="+kv[1])
	}
	want := "lxc.net.2.type=phys lxc.net.2.link=vethabc lxc.net.2.flags=up lxc.net.2.name=eth0 lxc.net.2.hwaddr=00:16:3e:00:00:01 " +
		"lxc.net.2.mtu=1400 lxc.net.2.ipv4.address=10.0.0.5/32 lxc.net.2.ipv4.gateway=169.254.0.1 lxc.net.2.ipv6.address=fd42::5/128 lxc.net.2.ipv6.gateway=fe80::1"
	if got := strings.Join(lines, " "); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestFilterRulesAndRates(t *testing.T) {
	rules := strings.Join(filterRules("veth1", "00:16:3e:00:00:01", true, true, []string{"10.0.0.5"}, nil), "\n")
	for _, w := range []string{
		`iifname "veth1" ether saddr != 00:16:3e:00:00:01 drop`,
		`ip saddr != { 0.0.0.0, 10.0.0.5 } drop`,
		`arp saddr ip != { 0.0.0.0, 10.0.0.5 } drop`,
		`ip6 saddr != { ::, fe80::/10 } drop`,
		"nd-router-advert drop",
	} {
		if !strings.Contains(rules, w) {
			t.Errorf("missing %q in\n%s", w, rules)
		}
	}
	in, out, err := rates(map[string]string{"limits.max": "10Mbit", "limits.egress": "1Mbit"})
	if err != nil || in != 10_000_000 || out != 1_000_000 {
		t.Fatalf("rates: %d %d %v", in, out, err)
	}
}

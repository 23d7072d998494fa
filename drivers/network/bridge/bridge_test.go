package bridge

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
)

func TestValidateConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]string
		wantErr string
	}{
		{"minimal", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv6.address": "none"}, ""},
		{"auto", map[string]string{"ipv4.address": "auto"}, ""},
		{"unknown key", map[string]string{"foo": "bar"}, `Invalid option for network "lxdbr0" option "foo"`},
		{"network address", map[string]string{"ipv4.address": "10.0.0.0/24"}, "network address"},
		{"bad cidr", map[string]string{"ipv4.address": "10.0.0.1"}, "CIDR"},
		{"bad bool", map[string]string{"ipv4.nat": "maybe"}, "boolean"},
		{"ovs", map[string]string{"bridge.driver": "openvswitch"}, "Open vSwitch"},
		{"fan", map[string]string{"bridge.mode": "fan"}, "Fan bridges"},
		{"mtu", map[string]string{"bridge.mtu": "100"}, `Invalid value for network "lxdbr0" option "bridge.mtu": Out of MTU range (1280-16384) "100"`},
		{"range outside", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.dhcp.ranges": "10.0.1.2-10.0.1.9"}, "outside"},
		{"range inside", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.dhcp.ranges": "10.0.0.2-10.0.0.9,10.0.0.20-10.0.0.30"}, ""},
		{"range reversed", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.dhcp.ranges": "10.0.0.9-10.0.0.2"}, "ends before"},
		{"nat address without address", map[string]string{"ipv4.address": "none", "ipv4.nat.address": "1.2.3.4"}, "requires ipv4.address"},
		{"tunnel", map[string]string{"tunnel.t1.protocol": "vxlan", "tunnel.t1.id": "5", "tunnel.t1.local": "127.0.0.1", "tunnel.t1.remote": "127.0.0.2"}, ""},
		{"tunnel needs protocol", map[string]string{"tunnel.t1.id": "5"}, "Missing tunnel.t1.protocol"},
		{"tunnel name too long", map[string]string{"tunnel.averylongname.protocol": "vxlan"}, "too long"},
		{"acls", map[string]string{"security.acls": "web"}, "not supported"},
		{"user key", map[string]string{"user.foo": "bar"}, ""},
		{"dns mode", map[string]string{"dns.mode": "dynamic", "dns.domain": "example.org", "dns.search": "a.org,b.org"}, ""},
		{"bad domain", map[string]string{"dns.domain": "-bad"}, "Invalid domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateConfig(network.Network{Name: "lxdbr0", Config: tt.cfg})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
			}
			if api.StatusOf(err) != 400 {
				t.Fatalf("status %d, want 400", api.StatusOf(err))
			}
		})
	}
}

func TestFirewallChains(t *testing.T) {
	tests := []struct {
		name  string
		cfg   map[string]string
		want  []string // substrings that must appear in the rendered rules
		avoid []string
	}{
		{"no address: no chains", map[string]string{"ipv4.address": "none"}, nil, []string{"accept"}},
		{"firewall only", map[string]string{"ipv4.address": "10.0.0.1/24"},
			[]string{`iifname "br0" meta nfproto ipv4 udp dport { 53, 67 } accept`, `oifname "br0" meta nfproto ipv4 accept`},
			[]string{"masquerade"}},
		{"masquerade", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.nat": "true"},
			[]string{"ip saddr 10.0.0.0/24 ip daddr != 10.0.0.0/24 masquerade", "postrouting"}, nil},
		{"snat", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.nat": "true", "ipv4.nat.address": "192.0.2.5", "ipv4.firewall": "false"},
			[]string{"snat ip to 192.0.2.5"}, []string{"dport"}},
		{"ipv6", map[string]string{"ipv4.address": "none", "ipv6.address": "fd42::1/64", "ipv6.nat": "true"},
			[]string{"udp dport { 53, 547 }", "ip6 saddr fd42::/64 ip6 daddr != fd42::/64 masquerade"}, []string{"nfproto ipv4"}},
		{"no routing: no forward rules", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.routing": "false"}, []string{"dport"}, []string{"forward"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			for _, c := range firewallChains(network.Network{Name: "br0", Config: tt.cfg}) {
				b.WriteString(c.Name + " " + c.Hook + "\n" + strings.Join(c.Rules, "\n") + "\n")
			}
			out := b.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in:\n%s", w, out)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(out, a) {
					t.Errorf("unexpected %q in:\n%s", a, out)
				}
			}
		})
	}
}

func TestDnsmasqConfig(t *testing.T) {
	d := New(Options{})
	tests := []struct {
		name string
		cfg  map[string]string
		want []string
	}{
		{"default range", map[string]string{"ipv4.address": "10.0.0.1/24"}, []string{"--dhcp-range=10.0.0.2,10.0.0.254,1h", "--domain=lxd", "--dhcp-ignore-names"}},
		{"ranges and gateway", map[string]string{"ipv4.address": "10.0.0.1/24", "ipv4.dhcp.ranges": "10.0.0.10-10.0.0.20", "ipv4.dhcp.expiry": "30m", "ipv4.dhcp.gateway": "10.0.0.254"},
			[]string{"--dhcp-range=10.0.0.10,10.0.0.20,30m", "--dhcp-option-force=3,10.0.0.254"}},
		{"slaac", map[string]string{"ipv4.address": "none", "ipv6.address": "fd42::1/64"}, []string{"--dhcp-range=::,constructor:br0,ra-stateless,ra-names", "--enable-ra"}},
		{"stateful", map[string]string{"ipv6.address": "fd42::1/64", "ipv6.dhcp.stateful": "true"}, []string{"--dhcp-range=fd42::2,fd42::ffff:ffff:ffff:ffff,64,1h"}},
		{"dynamic dns", map[string]string{"ipv4.address": "10.0.0.1/24", "dns.mode": "dynamic", "dns.search": "a.org,b.org"}, []string{"--dhcp-option-force=option:domain-search,a.org,b.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dc, ok := d.dnsmasqConfig(network.Network{Name: "br0", Config: tt.cfg, StateDir: "/s"})
			if !ok {
				t.Fatalf("dnsmasq not needed")
			}
			args := strings.Join(dc.Args(), " ")
			for _, w := range tt.want {
				if !strings.Contains(args, w) {
					t.Errorf("missing %q in %s", w, args)
				}
			}
		})
	}
	if _, ok := d.dnsmasqConfig(network.Network{Name: "br0", Config: map[string]string{"ipv4.address": "none", "ipv6.address": "none"}}); ok {
		t.Fatalf("dnsmasq needed without addresses")
	}
}

func TestStableHwaddr(t *testing.T) {
	a, b := StableHwaddr("lxdbr0"), StableHwaddr("lxdbr0")
	if a != b || !strings.HasPrefix(a, "00:16:3e:") || a == StableHwaddr("lxdbr1") {
		t.Fatalf("hwaddr %s %s", a, b)
	}
}

func TestLeasesWithoutStateDir(t *testing.T) {
	n := network.Network{Name: "br0", Member: "none", Config: map[string]string{"ipv4.address": "10.0.0.1/24", "ipv6.address": "fd42::1/64"},
		StaticLeases: []network.StaticLease{{Hostname: "c1", MAC: "00:16:3E:00:00:01", IPv4: "10.0.0.5"}, {Hostname: "c2", MAC: "00:16:3e:00:00:02"}}}
	leases, err := New(Options{}).Leases(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	want := []api.NetworkLease{
		{Hostname: "br0.gw", Address: "10.0.0.1", Type: "gateway"},
		{Hostname: "br0.gw", Address: "fd42::1", Type: "gateway"},
		{Hostname: "c1", Hwaddr: "00:16:3e:00:00:01", Address: "10.0.0.5", Type: "static", Location: "none"},
	}
	if len(leases) != len(want) {
		t.Fatalf("got %+v", leases)
	}
	for i := range want {
		if leases[i] != want[i] {
			t.Errorf("lease %d = %+v, want %+v", i, leases[i], want[i])
		}
	}
}

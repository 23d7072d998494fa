package proxy

import (
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/instance/proxy/proxyconf"
)

func TestNATTarget(t *testing.T) {
	nics := []NIC{
		{Name: "eth9", NICType: "macvlan", IPv4: "10.0.0.9"},
		{Name: "eth0", NICType: "bridged", IPv4: "10.0.0.2", IPv6: "fd00::2", HostName: "veth1"},
		{Name: "eth1", NICType: "routed", IPv4: "10.0.1.2"},
	}
	tests := []struct {
		name, listen, connect string
		nics                  []NIC
		wantIP, wantNIC       string
		wantErr               string
	}{
		{"exact", "tcp:192.0.2.1:80", "tcp:10.0.0.2:80", nics, "10.0.0.2", "eth0", ""},
		{"routed", "tcp:192.0.2.1:80", "tcp:10.0.1.2:80", nics, "10.0.1.2", "eth1", ""},
		{"wildcard picks first", "tcp:192.0.2.1:80", "tcp:0.0.0.0:80", nics, "10.0.0.2", "eth0", ""},
		{"v6", "tcp:[2001:db8::1]:80", "tcp:[::]:80", nics, "fd00::2", "eth0", ""},
		{"not static", "tcp:192.0.2.1:80", "tcp:10.0.0.9:80", nics, "", "", `Connect IP "10.0.0.9" must be one of the instance's static IPv4 addresses`},
		{"no static", "tcp:192.0.2.1:80", "tcp:0.0.0.0:80", nil, "", "", "Instance has no static IPv4 address assigned to be used as the connect IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := proxyconf.ParseAddress(tt.listen)
			c, _ := proxyconf.ParseAddress(tt.connect)
			ip, nic, err := natTarget(l, c, tt.nics)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !ip.Equal(net.ParseIP(tt.wantIP)) || nic.Name != tt.wantNIC {
				t.Fatalf("got %v %q %v", ip, nic.Name, err)
			}
		})
	}
}

func TestNATRules(t *testing.T) {
	tests := []struct {
		name, listen, connect string
		target                string
		dnat, snat            []string
	}{
		{"range to range", "tcp:192.0.2.1:80-81", "tcp:10.0.0.2:8080-8081", "10.0.0.2",
			[]string{"ip daddr 192.0.2.1 tcp dport 80 dnat ip to 10.0.0.2:8080", "ip daddr 192.0.2.1 tcp dport 81 dnat ip to 10.0.0.2:8081"},
			[]string{"ip saddr 10.0.0.2 ip daddr 10.0.0.2 tcp dport 8080 masquerade", "ip saddr 10.0.0.2 ip daddr 10.0.0.2 tcp dport 8081 masquerade"}},
		{"many to one udp", "udp:192.0.2.1:53,54", "udp:10.0.0.2:53", "10.0.0.2",
			[]string{"ip daddr 192.0.2.1 udp dport 53 dnat ip to 10.0.0.2:53", "ip daddr 192.0.2.1 udp dport 54 dnat ip to 10.0.0.2:53"},
			[]string{"ip saddr 10.0.0.2 ip daddr 10.0.0.2 udp dport 53 masquerade"}},
		{"v6", "tcp:[2001:db8::1]:80", "tcp:[::]:80", "fd00::2",
			[]string{"ip6 daddr 2001:db8::1 tcp dport 80 dnat ip6 to [fd00::2]:80"},
			[]string{"ip6 saddr fd00::2 ip6 daddr fd00::2 tcp dport 80 masquerade"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := proxyconf.ParseAddress(tt.listen)
			c, _ := proxyconf.ParseAddress(tt.connect)
			dnat, snat := natRules(l, c, net.ParseIP(tt.target))
			if !reflect.DeepEqual(dnat, tt.dnat) || !reflect.DeepEqual(snat, tt.snat) {
				t.Fatalf("got\n%q\n%q", dnat, snat)
			}
		})
	}
}

func TestNATChainNames(t *testing.T) {
	got := natChainNames(Ref{Project: "default", Instance: "c1", Device: "web"})
	want := []string{"proxy.prert.default.c1.web", "proxy.out.default.c1.web", "proxy.pstrt.default.c1.web"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	odd := natChainNames(Ref{Project: "a.b", Instance: "c1", Device: "we b"})
	if !strings.HasPrefix(odd[0], "proxy.prert.x") || strings.Count(odd[0], ".") != 4 || odd[0] == natChainNames(Ref{Project: "a.c", Instance: "c1", Device: "we b"})[0] {
		t.Fatalf("odd names: %v", odd)
	}
}

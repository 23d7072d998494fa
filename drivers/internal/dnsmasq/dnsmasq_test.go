package dnsmasq

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	c := Config{Interface: "br0", StateDir: "/s", ListenAddresses: []string{"10.0.0.1"}, DHCPRanges: []string{"10.0.0.2,10.0.0.254,1h"}, Domain: "lxd", IgnoreClientNames: true}
	args := strings.Join(c.Args(), " ")
	for _, want := range []string{
		"--keep-in-foreground", "--bind-interfaces", "--except-interface=lo", "--interface=br0",
		"--conf-file=/s/dnsmasq.raw", "--dhcp-hostsfile=/s/dnsmasq.hosts", "--dhcp-leasefile=/s/dnsmasq.leases",
		"--listen-address=10.0.0.1", "--dhcp-range=10.0.0.2,10.0.0.254,1h", "--local=/lxd/", "--domain=lxd",
		"--dhcp-ignore-names", "--no-resolv", "--user=nobody", "--group=nogroup",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q: %s", want, args)
		}
	}
	c.Upstream, c.DisableDNS = true, true
	args = strings.Join(c.Args(), " ")
	if strings.Contains(args, "--no-resolv") || !strings.Contains(args, "--port=0") || strings.Contains(args, "--local=") {
		t.Errorf("upstream/disabled DNS args wrong: %s", args)
	}
}

func TestRenderHosts(t *testing.T) {
	got := string(RenderHosts([]Host{
		{MAC: "00:16:3E:00:00:02", IPv4: "10.0.0.5", IPv6: "fd42::5", Hostname: "c2"},
		{MAC: "00:16:3e:00:00:01", Hostname: "c1"},
		{Hostname: "no-mac"},
	}))
	want := "00:16:3e:00:00:01,c1\n00:16:3e:00:00:02,10.0.0.5,[fd42::5],c2\n"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestParseLeases(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "leases")
	body := "1700000000 00:16:3e:22:f1:54 10.97.0.192 c1 01:00:16:3e:22:f1:54\n" +
		"0 00:16:3e:22:f1:55 10.97.0.193 * *\n" +
		"duid 00:01:00:01:2c:00:00:00:00:16:3e:ae:f7:47\n" +
		"1700000000 1234 fd42::10 c1 00:03:00:01:00:16:3e:22:f1:54\n" +
		"1700000000 1235 fd42::11 * 00:02:00:00:ab:11:01\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	leases, err := ParseLeases(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ mac, ip, host string }{
		{"00:16:3e:22:f1:54", "10.97.0.192", "c1"},
		{"00:16:3e:22:f1:55", "10.97.0.193", ""},
		{"00:16:3e:22:f1:54", "fd42::10", "c1"},
		{"", "fd42::11", ""},
	}
	if len(leases) != len(tests) {
		t.Fatalf("got %d leases: %+v", len(leases), leases)
	}
	for i, tt := range tests {
		l := leases[i]
		if l.MAC != tt.mac || l.IP.String() != tt.ip || l.Hostname != tt.host {
			t.Errorf("lease %d = %+v, want %+v", i, l, tt)
		}
	}
	if l, err := ParseLeases(filepath.Join(dir, "missing")); err != nil || l != nil {
		t.Fatalf("missing file: %v %v", l, err)
	}
}

func TestWriteFileAtomicReportsChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	for i, tt := range []struct {
		data    string
		changed bool
	}{{"a", true}, {"a", false}, {"b", true}} {
		changed, err := WriteFileAtomic(path, []byte(tt.data))
		if err != nil || changed != tt.changed {
			t.Fatalf("step %d: changed=%v err=%v", i, changed, err)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", st.Mode())
	}
}

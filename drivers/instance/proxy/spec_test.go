package proxy

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSpecFromConfig(t *testing.T) {
	ref := Ref{Dir: "/var/lib/lxd/devices/default_c1", Device: "p"}
	tests := []struct {
		name    string
		cfg     map[string]string
		check   func(Spec) bool
		wantErr string
	}{
		{"defaults", map[string]string{"listen": "tcp::80", "connect": "tcp:127.0.0.1:80"},
			func(s Spec) bool {
				return s.UID == -1 && s.GID == -1 && s.Mode == 0o644 && !s.NAT && !s.ProxyProtocol && s.Bind == ""
			}, ""},
		{"unix owner", map[string]string{"listen": "unix:/s", "connect": "tcp:127.0.0.1:80", "uid": "5", "gid": "6", "mode": "0600"},
			func(s Spec) bool { return s.UID == 5 && s.GID == 6 && s.Mode == 0o600 }, ""},
		{"security", map[string]string{"security.uid": "1000", "security.gid": "1001", "proxy_protocol": "yes", "nat": "on"},
			func(s Spec) bool { return s.SecurityUID == 1000 && s.SecurityGID == 1001 && s.ProxyProtocol && s.NAT }, ""},
		{"bad mode", map[string]string{"mode": "999"}, nil, "Invalid value for an octal file mode"},
		{"bad uid", map[string]string{"uid": "x"}, nil, `Invalid value for a UNIX ID "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SpecFromConfig(ref, 42, tt.cfg)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || s.ContainerPid != 42 || !tt.check(s) {
				t.Fatalf("got %+v, %v", s, err)
			}
		})
	}
}

func TestRefPaths(t *testing.T) {
	r := Ref{Dir: "/d", Device: "web"}
	if r.PidPath() != "/d/proxy.web.pid" || r.LogPath() != "/d/proxy.web.log" {
		t.Fatalf("%s %s", r.PidPath(), r.LogPath())
	}
	r.LogDir = "/logs"
	if r.LogPath() != "/logs/proxy.web.log" {
		t.Fatal(r.LogPath())
	}
	for _, bad := range []Ref{{Dir: "/d", Device: "a/b"}, {Dir: "/d", Device: ".."}, {Dir: "rel", Device: "x"}, {Dir: "/d"}} {
		if bad.check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestDirsRef(t *testing.T) {
	got := Dirs{DevicesDir: "/l/devices", LogDir: "/l/logs", FirewallTable: "t"}.Ref("p", "c1", "web")
	want := Ref{Dir: "/l/devices/p_c1", LogDir: "/l/logs/p_c1", Device: "web", Project: "p", Instance: "c1", FirewallTable: "t"}
	if got != want || got.PidPath() != "/l/devices/p_c1/proxy.web.pid" || got.LogPath() != "/l/logs/p_c1/proxy.web.log" {
		t.Fatalf("got %+v", got)
	}
}

func TestNormalize(t *testing.T) {
	base := Spec{Ref: Ref{Dir: "/d", Device: "p"}, ContainerPid: 1}
	tests := []struct {
		name, listen, connect string
		pid                   int
		wantErr               string
	}{
		{"ok", "tcp::80", "tcp:127.0.0.1:80", 1, ""},
		{"udp to tcp", "udp::80", "tcp:127.0.0.1:80", 1, "Proxying from udp to non-udp protocol is not supported"},
		{"no pid", "tcp::80", "tcp:127.0.0.1:80", 0, "Proxy device needs the container's init pid"},
		{"bad listen", "x", "tcp:127.0.0.1:80", 1, `Invalid listen address: Unknown protocol type "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.Listen, s.Connect, s.ContainerPid = tt.listen, tt.connect, tt.pid
			n, _, _, err := s.normalize()
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
			if err == nil && (n.Bind != "host" || n.Mode != 0o644 || n.ProxyProtocolVersion != 1) {
				t.Fatalf("defaults: %+v", n)
			}
		})
	}
}

func TestIDMap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "uid_map")
	if err := os.WriteFile(p, []byte("         0    1000000      65536\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := readIDMap(p)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := m.toHost(1000); err != nil || h != 1001000 {
		t.Fatalf("1000 -> %d, %v", h, err)
	}
	if _, err := m.toHost(70000); err == nil {
		t.Fatal("unmapped id accepted")
	}
}

func TestDevices(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"proxy.a.pid", "proxy.b.c.pid", "proxy.a.log", "other.pid", "proxy..pid"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Devices(dir)
	if err != nil || !reflect.DeepEqual(got, []string{"a", "b.c"}) {
		t.Fatalf("got %v, %v", got, err)
	}
	if got, err := Devices(filepath.Join(dir, "missing")); err != nil || got != nil {
		t.Fatalf("missing dir: %v %v", got, err)
	}
}

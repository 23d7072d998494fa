package lxc

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRawLXC(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []rawLine
		wantErr string
	}{
		{"empty", "", nil, ""},
		{"lines and comments", "# mine\n  lxc.environment = A=b\n\nLXC.Cap.Drop=sys_admin\n",
			[]rawLine{{"lxc.environment", "A=b"}, {"lxc.cap.drop", "sys_admin"}}, ""},
		{"net address allowed", "lxc.net.0.ipv4.address = 10.0.0.2/24", []rawLine{{"lxc.net.0.ipv4.address", "10.0.0.2/24"}}, ""},
		{"no equal", "lxc.environment", nil, "Invalid raw.lxc line"},
		{"log file", "lxc.log.file = /tmp/x", nil, "Setting lxc.logfile is not allowed"},
		{"syslog", "lxc.log.syslog = daemon", nil, "Setting lxc.log.syslog is not allowed"},
		{"ephemeral", "lxc.ephemeral = 1", nil, "Setting lxc.ephemeral is not allowed"},
		{"prlimit", "lxc.prlimit.nofile = 10", nil, "limits.kernel"},
		{"rootfs", "lxc.rootfs.path = dir:/", nil, "lxc.rootfs.path is not allowed"},
		{"idmap", "lxc.idmap = u 0 0 1", nil, "raw.idmap"},
		{"other net key", "lxc.net.0.type = empty", nil, "Only interface-specific"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRawLXC(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSeccompPolicy(t *testing.T) {
	tests := []struct {
		name     string
		cfg      map[string]string
		contains []string
		lacks    []string
		wantErr  string
	}{
		{"default", map[string]string{}, []string{"2\ndenylist\n[all]\nreject_force_umount\n", "kexec_load errno 38", "delete_module errno 38"}, []string{"[x86]"}, ""},
		{"no default", map[string]string{"security.syscalls.deny_default": "false"}, []string{"reject_force_umount"}, []string{"kexec_load"}, ""},
		{"old names", map[string]string{"security.syscalls.blacklist": "mount\nswapon", "security.syscalls.blacklist_compat": "true"},
			[]string{"mount errno 1\nswapon errno 1\n", "[x86]\n0 errno 38\n"}, nil, ""},
		{"allow list", map[string]string{"security.syscalls.allow": "read\nwrite"}, []string{"2\nallowlist\nread\nwrite\n"}, []string{"denylist"}, ""},
		{"exclusive", map[string]string{"security.syscalls.allow": "read", "security.syscalls.deny": "write"}, nil, nil, "mutually exclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := seccompPolicy(tt.cfg, "x86_64")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.contains {
				if !strings.Contains(got, c) {
					t.Errorf("policy lacks %q:\n%s", c, got)
				}
			}
			for _, c := range tt.lacks {
				if strings.Contains(got, c) {
					t.Errorf("policy holds %q", c)
				}
			}
		})
	}
}

func TestRefNames(t *testing.T) {
	r, ok := refFromName("default_c1")
	if !ok || r.Project != "default" || r.Name != "c1" || lxcName(r) != "default_c1" {
		t.Fatalf("round trip: %+v %v", r, ok)
	}
	for _, bad := range []string{"nounderscore", "_c1", "p_"} {
		if _, ok := refFromName(bad); ok {
			t.Errorf("refFromName(%q) accepted", bad)
		}
	}
}

// TestValidRawLXC: the key validator also asks liblxc, so an unknown key
// or a value liblxc refuses is a 400 when the key is set, not at start.
func TestValidRawLXC(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr string
	}{
		{"", ""},
		{"lxc.environment = A=b\nlxc.cap.drop = sys_admin", ""},
		{"lxc.bogus = 1", `invalid line "lxc.bogus = 1"`},
		{"lxc.environment = A=b\nlxc.nosuch.key = x", "lxc.nosuch.key"},
		{"lxc.log.file = /tmp/x", "Setting lxc.logfile is not allowed"},
	}
	for _, tt := range tests {
		err := validRawLXC(tt.raw)
		if tt.wantErr == "" && err != nil {
			t.Errorf("%q: %v", tt.raw, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%q: err = %v, want %q", tt.raw, err, tt.wantErr)
		}
	}
}

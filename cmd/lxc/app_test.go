package main

import (
	"strings"
	"testing"
)

func TestParseRemote(t *testing.T) {
	conf := NewConfig("/nowhere")
	conf.Remotes["r1"] = Remote{Addr: "https://127.0.0.1:8443"}
	conf.DefaultRemote = "r1"
	tests := []struct {
		in, remote, name, err string
	}{
		{"c1", "r1", "c1", ""},
		{"", "r1", "", ""},
		{"local:", "local", "", ""},
		{"local:c1", "local", "c1", ""},
		{"r1:c1/snap0", "r1", "c1/snap0", ""},
		{"c1/snap:1", "r1", "c1/snap:1", ""},
		{"local:/1.0/instances?x=a:b", "local", "/1.0/instances?x=a:b", ""},
		{"/1.0/instances?filter=a:b", "r1", "/1.0/instances?filter=a:b", ""},
		{"nope:", "", "", `The remote "nope" doesn't exist`},
		{"nope:c1", "", "", `The remote "nope" doesn't exist`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			remote, name, err := parseRemote(conf, tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || remote != tt.remote || name != tt.name {
				t.Fatalf("got (%q, %q, %v), want (%q, %q)", remote, name, err, tt.remote, tt.name)
			}
		})
	}
}

func TestUnixPath(t *testing.T) {
	t.Setenv("LXD_DIR", "/tmp/lxd-x")
	t.Setenv("LXD_SOCKET", "")
	tests := []struct{ in, want string }{
		{"unix://", "/tmp/lxd-x/unix.socket"},
		{"unix:", "/tmp/lxd-x/unix.socket"},
		{"unix:///run/lxd.socket", "/run/lxd.socket"},
		{"unix:/run/lxd.socket", "/run/lxd.socket"},
	}
	for _, tt := range tests {
		if got := unixPath(tt.in); got != tt.want {
			t.Errorf("unixPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeRemoteURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"127.0.0.1", "https://127.0.0.1:8443", ""},
		{"127.0.0.1:19001", "https://127.0.0.1:19001", ""},
		{"https://example.com", "https://example.com:8443", ""},
		{"https://example.com:9443/some/path", "https://example.com:9443", ""},
		{"example.com", "https://example.com:8443", ""},
		{"::1", "https://[::1]:8443", ""},
		{"[::1]:9000", "https://[::1]:9000", ""},
		{"unix:///var/lib/lxd/unix.socket", "unix:///var/lib/lxd/unix.socket", ""},
		{"/var/lib/lxd/unix.socket", "unix:///var/lib/lxd/unix.socket", ""},
		{"http://example.com", "", `Invalid URL scheme "http" in "http://example.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalizeRemoteURL(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseKeyValues(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  map[string]string
		err   string
	}{
		{"key value", []string{"core.https_address", "[::]:8443"}, "", map[string]string{"core.https_address": "[::]:8443"}, ""},
		{"value with equals", []string{"user.x", "a=b"}, "", map[string]string{"user.x": "a=b"}, ""},
		{"pairs", []string{"a=1", "b=2"}, "", map[string]string{"a": "1", "b": "2"}, ""},
		{"empty value", []string{"a="}, "", map[string]string{"a": ""}, ""},
		{"stdin", []string{"a", "-"}, "from stdin", map[string]string{"a": "from stdin"}, ""},
		{"missing equals", []string{"a=1", "b"}, "", nil, "Invalid key=value configuration: b"},
		{"single key", []string{"user.c"}, "", nil, "Invalid key=value configuration: user.c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseKeyValues(tt.args, strings.NewReader(tt.stdin))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestSplitConfigScope(t *testing.T) {
	tests := []struct {
		args  []string
		scope string
		rest  int
	}{
		{[]string{"core.https_address", ":8443"}, "", 2},
		{[]string{"core.https_address=:8443"}, "", 1},
		{[]string{"a=1", "b=2"}, "", 2},
		{[]string{"user.x", "a=b"}, "", 2},
		{[]string{"user.c"}, "", 1},
		{[]string{"local:", "core.https_address", ":8443"}, "local:", 2},
		{[]string{"local:", "core.https_address=:8443"}, "local:", 1},
		{[]string{"c1", "limits.cpu", "2"}, "c1", 2},
		{[]string{"c1", "limits.cpu=2"}, "c1", 1},
		{[]string{"r:c1", "limits.cpu=2", "limits.memory=1GiB"}, "r:c1", 2},
		{[]string{"c1"}, "c1", 0},
	}
	for _, tt := range tests {
		scope, rest := splitConfigScope(tt.args)
		if scope != tt.scope || len(rest) != tt.rest {
			t.Errorf("splitConfigScope(%q) = %q, %q; want %q and %d args", tt.args, scope, rest, tt.scope, tt.rest)
		}
	}
}

func TestExpandAlias(t *testing.T) {
	aliases := map[string]string{
		"ver":        "version",
		"myinfo":     "info @ARGS@ --resources",
		"rq":         "query /1.0/@ARG1@",
		"ll":         "list -c ns46S",
		"ll x":       "list x-longer",
		"two":        "query @ARG2@",
		"stop-first": "stop @ARG1@ --force",
	}
	tests := []struct {
		in   string
		want string
		err  string
	}{
		{"ver", "version", ""},
		{"ver local:", "version local:", ""},
		{"myinfo local:", "info local: --resources", ""},
		{"rq operations", "query /1.0/operations", ""},
		{"ll", "list -c ns46S", ""},
		{"ll x y", "list x-longer y", ""},
		{"version", "version", ""},
		{"alias add ver x", "alias add ver x", ""},
		{"two a", "", `Found alias "two" references an argument outside the given number`},
		{"stop-first c1 c2", "stop c1 --force", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := expandAlias(aliases, strings.Fields(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || strings.Join(got, " ") != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestImageFilterArgs(t *testing.T) {
	a, _, _ := testApp("")
	a.conf = NewConfig("/nowhere")
	a.conf.Remotes["r1"] = Remote{Addr: "https://127.0.0.1:8443"}
	a.conf.DefaultRemote = "r1"
	tests := []struct {
		args    []string
		remote  string
		filters string
	}{
		{nil, "r1", ""},
		{[]string{"abc", "os=x"}, "r1", "abc,os=x"},
		{[]string{"local:"}, "local", ""},
		{[]string{"local:abc", "os=x"}, "local", "abc,os=x"},
	}
	for _, tt := range tests {
		remote, filters, err := a.imageFilterArgs(tt.args)
		if err != nil || remote != tt.remote || strings.Join(filters, ",") != tt.filters {
			t.Errorf("imageFilterArgs(%q) = %q %q %v", tt.args, remote, filters, err)
		}
	}
	if _, _, err := a.imageFilterArgs([]string{"nope:"}); err == nil {
		t.Error("an unknown remote is accepted")
	}
}

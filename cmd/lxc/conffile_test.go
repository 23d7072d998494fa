package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// testdata/lxc-5.0.2/config.yml was written by the real lxc 5.0.2 (remote
// add of a simplestreams URL, a token, a unix socket and a URL, then
// remote switch u10).
func TestLoadConfigFromRealClient(t *testing.T) {
	conf, err := LoadConfig("testdata/lxc-5.0.2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want Remote
	}{
		{"c2", Remote{Addr: "https://127.0.0.1:19001", AuthType: "tls", Protocol: "lxd"}},
		{"images", Remote{Addr: "https://images.linuxcontainers.org", Protocol: "simplestreams", Public: true}},
		{"local", Remote{Addr: "unix://", Static: true}},
		{"ss", Remote{Addr: "https://example.invalid/path", Protocol: "simplestreams", Public: true}},
		{"u10", Remote{Addr: "unix:///tmp/lxdngcli-ref/unix.socket", AuthType: "tls", Protocol: "lxd"}},
		{"ubuntu", Remote{Addr: "https://cloud-images.ubuntu.com/releases", Protocol: "simplestreams", Public: true, Static: true}},
		{"ubuntu-daily", Remote{Addr: "https://cloud-images.ubuntu.com/daily", Protocol: "simplestreams", Public: true, Static: true}},
		{"viatoken", Remote{Addr: "https://127.0.0.1:19001", AuthType: "tls", Protocol: "lxd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := conf.Remotes[tt.name]; got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if len(conf.Remotes) != len(tests) {
		t.Fatalf("got %d remotes, want %d", len(conf.Remotes), len(tests))
	}
	if conf.DefaultRemote != "u10" {
		t.Fatalf("default remote %q", conf.DefaultRemote)
	}
}

// Saving what we loaded must give back the real client's file byte for byte.
func TestSaveConfigMatchesRealClient(t *testing.T) {
	want, err := os.ReadFile("testdata/lxc-5.0.2/config.yml")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := LoadConfig("testdata/lxc-5.0.2")
	if err != nil {
		t.Fatal(err)
	}
	conf.Dir = t.TempDir()
	if err := conf.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(conf.Dir, "config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("saved config differs:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantDefault string
		wantRemotes []string
		wantErr     bool
	}{
		{"empty file gets defaults", "", "local", []string{"images", "local", "ubuntu", "ubuntu-daily"}, false},
		{"static remotes win", "remotes:\n  local:\n    addr: unix:///elsewhere\n", "local", []string{"local", "ubuntu", "ubuntu-daily"}, false},
		{"aliases kept", "default-remote: x\nremotes:\n  x:\n    addr: https://1.2.3.4:8443\naliases:\n  ll: list\n", "x", []string{"local", "ubuntu", "ubuntu-daily", "x"}, false},
		{"bad yaml", "remotes: [", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf, err := parseConfig("/nowhere", []byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			if conf.DefaultRemote != tt.wantDefault {
				t.Fatalf("default %q, want %q", conf.DefaultRemote, tt.wantDefault)
			}
			if got := conf.RemoteNames(); !reflect.DeepEqual(got, tt.wantRemotes) {
				t.Fatalf("remotes %v, want %v", got, tt.wantRemotes)
			}
			if conf.Remotes["local"].Addr != "unix://" {
				t.Fatalf("local remote changed: %+v", conf.Remotes["local"])
			}
		})
	}
}

func TestNewConfigFileFormat(t *testing.T) {
	// What the real lxc writes on its first run.
	want := `default-remote: local
remotes:
  images:
    addr: https://images.linuxcontainers.org
    protocol: simplestreams
    public: true
  local:
    addr: unix://
    public: false
aliases: {}
`
	got, err := NewConfig(t.TempDir()).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLoadMissingConfig(t *testing.T) {
	conf, err := LoadConfig(filepath.Join(t.TempDir(), "absent"))
	if err != nil {
		t.Fatal(err)
	}
	if conf.DefaultRemote != "local" || conf.Remotes["images"].Addr == "" {
		t.Fatalf("unexpected defaults: %+v", conf)
	}
}

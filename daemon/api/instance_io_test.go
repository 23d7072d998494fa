package api

import (
	"net/http"
	"reflect"
	"testing"
)

func TestExecEnv(t *testing.T) {
	tests := []struct {
		name    string
		config  map[string]string
		request map[string]string
		user    uint32
		want    map[string]string
	}{
		{"root defaults", nil, map[string]string{"TERM": "xterm"}, 0, map[string]string{
			"TERM": "xterm", "PATH": defaultExecPath, "LANG": "C.UTF-8", "HOME": "/root", "USER": "root"}},
		{"non-root has no HOME/USER", nil, nil, 1000, map[string]string{"PATH": defaultExecPath, "LANG": "C.UTF-8"}},
		{"config then request", map[string]string{"environment.A": "cfg", "environment.B": "cfg", "limits.cpu": "1"},
			map[string]string{"B": "req", "PATH": "/x"}, 1, map[string]string{"A": "cfg", "B": "req", "PATH": "/x", "LANG": "C.UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := execEnv(tt.config, tt.request, tt.user); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidLogName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"lxc.log", true}, {"lxc.conf", true}, {"exec_abc.stdout", true}, {"snapshot_x", true},
		{"console.log", false}, {"", false}, {"../lxc.log", false}, {"exec_../../x", false},
		{"exec_a/b", false}, {"x..y", false}, {"seccomp", false},
	}
	for _, tt := range tests {
		if got := validLogName(tt.in); got != tt.want {
			t.Errorf("validLogName(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestValidTemplateName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"hostname.tpl", true}, {"a..b", true}, {"", false}, {".", false}, {"..", false},
		{"../metadata.yaml", false}, {"sub/x", false}, {"x\x00", false},
	}
	for _, tt := range tests {
		if err := validTemplateName(tt.in); (err == nil) != tt.ok {
			t.Errorf("validTemplateName(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestParseFileWriteHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    fileWriteHeaders
		wantErr bool
	}{
		{"none", nil, fileWriteHeaders{uid: -1, gid: -1, mode: -1, kind: "file"}, false},
		{"all", map[string]string{"X-LXD-uid": "5", "X-LXD-gid": "6", "X-LXD-mode": "0640", "X-LXD-type": "directory", "X-LXD-write": "append"},
			fileWriteHeaders{uid: 5, gid: 6, mode: 0o640, kind: "directory", append: true}, false},
		{"bad mode", map[string]string{"X-LXD-mode": "9"}, fileWriteHeaders{}, true},
		{"mode too big", map[string]string{"X-LXD-mode": "17777"}, fileWriteHeaders{}, true},
		{"negative uid", map[string]string{"X-LXD-uid": "-1"}, fileWriteHeaders{}, true},
		{"bad write mode", map[string]string{"X-LXD-write": "prepend"}, fileWriteHeaders{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, "/", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			got, err := parseFileWriteHeaders(r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidateMetadata(t *testing.T) {
	ok := &instanceMetadata{Templates: map[string]*instanceMetadataTemplate{"/etc/hostname": {When: []string{"create", "start"}, Template: "hostname.tpl"}}}
	if err := validateMetadata(ok); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []*instanceMetadata{
		{Templates: map[string]*instanceMetadataTemplate{"/x": {When: []string{"boot"}}}},
		{Templates: map[string]*instanceMetadataTemplate{"/x": {Template: "../../rootfs/etc/shadow"}}},
		{Templates: map[string]*instanceMetadataTemplate{"/x": nil}},
	} {
		if err := validateMetadata(bad); err == nil {
			t.Errorf("accepted %+v", bad.Templates)
		}
	}
}

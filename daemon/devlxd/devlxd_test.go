package devlxd

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
)

func TestChanges(t *testing.T) {
	old := Instance{
		Config:  map[string]string{"user.a": "1", "user.gone": "x", "limits.cpu": "1"},
		Devices: map[string]map[string]string{"d1": {"type": "disk"}, "d2": {"type": "nic"}},
	}
	cur := Instance{
		Config:  map[string]string{"user.a": "2", "user.new": "y", "limits.cpu": "2"},
		Devices: map[string]map[string]string{"d1": {"type": "disk", "path": "/x"}, "d3": {"type": "unix-char"}},
	}
	var got []string
	for _, m := range changes(old, cur, map[string]bool{"config": true, "device": true}) {
		if !strings.HasSuffix(string(m), "\n") {
			t.Fatalf("message without newline: %q", m)
		}
		var e api.Event
		if err := json.Unmarshal(m, &e); err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Type+" "+string(e.Metadata))
	}
	want := []string{
		`config {"key":"user.a","old_value":"1","value":"2"}`,
		`config {"key":"user.gone","old_value":"x","value":""}`,
		`config {"key":"user.new","old_value":"","value":"y"}`,
		`device {"action":"updated","config":{"path":"/x","type":"disk"},"name":"d1"}`,
		`device {"action":"removed","config":{"type":"nic"},"name":"d2"}`,
		`device {"action":"added","config":{"type":"unix-char"},"name":"d3"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(changes(old, cur, map[string]bool{"device": true})); n != 3 {
		t.Fatalf("device-only: %d events", n)
	}
}

func TestEventTypes(t *testing.T) {
	tests := []struct {
		query   string
		want    string
		wantErr bool
	}{
		{"", "config,device", false}, {"type=config", "config", false}, {"type=device,config", "config,device", false},
		{"type=lifecycle", "", true},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest(http.MethodGet, "/1.0/events?"+tt.query, nil)
		got, err := eventTypes(r)
		if (err != nil) != tt.wantErr {
			t.Fatalf("%q: %v", tt.query, err)
		}
		var names []string
		for _, k := range []string{"config", "device"} {
			if got[k] {
				names = append(names, k)
			}
		}
		if err == nil && strings.Join(names, ",") != tt.want {
			t.Fatalf("%q: %v", tt.query, got)
		}
	}
}

func TestEnabledAndIDs(t *testing.T) {
	for cfg, want := range map[string]bool{"": true, "true": true, "false": false, "0": false} {
		c := map[string]string{}
		if cfg != "" {
			c["security.devlxd"] = cfg
		}
		if Enabled(c) != want {
			t.Errorf("Enabled(%q) != %v", cfg, want)
		}
	}
	inst := &Instance{Ref: instance.Ref{Name: "c1"}, Config: map[string]string{"volatile.uuid": "u"}}
	if cloudInitID(inst) != "u" {
		t.Fatal(cloudInitID(inst))
	}
	inst.Config["volatile.cloud-init.instance-id"] = "ci"
	if cloudInitID(inst) != "ci" {
		t.Fatal(cloudInitID(inst))
	}
	if m := Mount("/var/lib/lxd/devlxd"); m.Target != "/dev/lxd" || !m.ReadOnly || m.Source != "/var/lib/lxd/devlxd" {
		t.Fatalf("mount: %+v", m)
	}
}

func TestAboutInstance(t *testing.T) {
	inst := Instance{Ref: instance.Ref{Project: "p", Name: "c1"}}
	for src, want := range map[string]bool{
		"/1.0/instances/c1": true, "/1.0/instances/c1?project=p": true,
		"/1.0/instances/c10": false, "/1.0/instances/c1/metadata": false,
	} {
		md, _ := json.Marshal(api.EventLifecycle{Action: "instance-updated", Source: src})
		if got := aboutInstance(api.Event{Metadata: md}, inst); got != want {
			t.Errorf("%s: %v", src, got)
		}
	}
}

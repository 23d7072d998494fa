package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/shared/api"
)

// Wire frames and client renderings from the LXD 5.0.2 reference captures.
func TestPrintEventLikeRealClient(t *testing.T) {
	frame := `{"type":"lifecycle","timestamp":"2026-11-27T09:13:47.146181684Z","metadata":{"action":"instance-started","source":"/1.0/instances/c9","requestor":{"username":"root","protocol":"unix","address":"@"}},"location":"none","project":"default"}`
	tests := []struct {
		format string
		want   string
	}{
		{"json", `{"location":"none","metadata":{"action":"instance-started","requestor":{"address":"@","protocol":"unix","username":"root"},"source":"/1.0/instances/c9"},"project":"default","timestamp":"2026-11-27T09:13:47.146181684Z","type":"lifecycle"}` + "\n\n"},
		{"yaml", `location: none
metadata:
  action: instance-started
  requestor:
    address: '@'
    protocol: unix
    username: root
  source: /1.0/instances/c9
project: default
timestamp: "2026-11-27T09:13:47.146181684Z"
type: lifecycle


`},
		{"pretty", "INFO: Action: instance-started, Source: /1.0/instances/c9, Requestor: unix/root (@)\n"},
	}
	var e api.Event
	if err := json.Unmarshal([]byte(frame), &e); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			a := &app{stdout: &buf}
			if err := a.printEvent(tt.format, e, nil); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Fatalf("got:\n%q\nwant:\n%q", buf.String(), tt.want)
			}
		})
	}
}

func TestPrettyEvent(t *testing.T) {
	tests := []struct {
		name   string
		frame  string
		level  logrus.Level
		msg    string
		fields string
	}{
		{"logging", `{"type":"logging","metadata":{"message":"Handling API request","level":"debug","context":{"ip":"@","method":"GET","url":"/1.0"}}}`,
			logrus.DebugLevel, "Handling API request", " ip=@ method=GET url=/1.0"},
		{"lifecycle with context", `{"type":"lifecycle","metadata":{"action":"instance-created","source":"/1.0/instances/c9","context":{"storage-pool":"default","type":"container"}}}`,
			logrus.InfoLevel, "Action: instance-created, Source: /1.0/instances/c9", " storage-pool=default type=container"},
		{"quoted values", `{"type":"logging","metadata":{"message":"m","level":"warning","context":{"description":"Creating instance","empty":""}}}`,
			logrus.WarnLevel, "m", ` description="Creating instance" empty=`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e api.Event
			if err := json.Unmarshal([]byte(tt.frame), &e); err != nil {
				t.Fatal(err)
			}
			level, msg, fields := prettyEvent(e)
			if level != tt.level || msg != tt.msg || logfmt(fields) != tt.fields {
				t.Fatalf("got %v %q %q", level, msg, logfmt(fields))
			}
		})
	}
}

func TestProgressText(t *testing.T) {
	md := map[string]any{"create_instance_from_image_unpack_progress": "Unpack: 4% (105.70GB/s)", "progress": map[string]any{"percent": 4}}
	if got := progressText(md); got != "Unpack: 4% (105.70GB/s)" {
		t.Fatalf("got %q", got)
	}
	if got := progressText(nil); got != "" {
		t.Fatalf("got %q", got)
	}
}

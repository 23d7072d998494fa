package session

import (
	"syscall"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

type recorder struct {
	w, h int
	sig  syscall.Signal
}

func (r *recorder) Resize(w, h int) error         { r.w, r.h = w, h; return nil }
func (r *recorder) Signal(s syscall.Signal) error { r.sig = s; return nil }

func TestApplyControl(t *testing.T) {
	tests := []struct {
		name    string
		msg     api.InstanceExecControl
		want    recorder
		wantErr bool
	}{
		{"resize", api.InstanceExecControl{Command: "window-resize", Args: map[string]string{"width": "100", "height": "30"}}, recorder{w: 100, h: 30}, false},
		{"bad size", api.InstanceExecControl{Command: "window-resize", Args: map[string]string{"width": "x"}}, recorder{}, true},
		{"signal", api.InstanceExecControl{Command: "signal", Signal: 15}, recorder{sig: syscall.SIGTERM}, false},
		{"bad signal", api.InstanceExecControl{Command: "signal", Signal: 0}, recorder{}, true},
		{"unknown", api.InstanceExecControl{Command: "dance"}, recorder{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got recorder
			err := applyControl(&got, tt.msg)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v, err=%v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	s, err := New(ExecStreams(false)...)
	if err != nil {
		t.Fatal(err)
	}
	sec := s.Secrets()
	if len(sec) != 4 {
		t.Fatalf("streams: %v", sec)
	}
	seen := map[string]bool{}
	for name, v := range sec {
		if len(v) != 64 || seen[v] {
			t.Fatalf("secret of %s: %q", name, v)
		}
		seen[v] = true
		if got, ok := s.streamOf(v); !ok || got != name {
			t.Fatalf("streamOf(%s) = %q %v", name, got, ok)
		}
	}
	if _, ok := s.streamOf(""); ok {
		t.Fatal("empty secret matched")
	}
}

package cluster

import (
	"strings"
	"testing"
)

func TestCheckVersions(t *testing.T) {
	v := func(s, e int) Version { return Version{Schema: s, APIExtensions: e} }
	tests := []struct {
		name    string
		self    Version
		others  []Version
		want    Gate
		wantErr string
	}{
		{"alone", v(2, 40), nil, GateOpen, ""},
		{"same", v(2, 40), []Version{v(2, 40), v(2, 40)}, GateOpen, ""},
		{"ahead schema", v(3, 40), []Version{v(2, 40)}, GateWait, ""},
		{"ahead extensions", v(2, 41), []Version{v(2, 40), v(2, 41)}, GateWait, ""},
		{"behind schema", v(2, 40), []Version{v(3, 40)}, GateBehind, "behind"},
		{"behind extensions", v(2, 40), []Version{v(2, 40), v(2, 41)}, GateBehind, "upgrade it"},
		{"mixed is behind", v(3, 40), []Version{v(2, 41)}, GateBehind, "schema 2, API extensions 41"},
		{"behind wins over ahead", v(2, 40), []Version{v(1, 40), v(2, 42)}, GateBehind, "behind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckVersions(tt.self, tt.others)
			if got != tt.want {
				t.Fatalf("gate %s, want %s", got, tt.want)
			}
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
		})
	}
}

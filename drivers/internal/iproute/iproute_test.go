package iproute

import (
	"errors"
	"strings"
	"testing"
)

func TestRouteArgs(t *testing.T) {
	tests := []struct {
		name string
		r    RouteOpts
		verb string
		want string
	}{
		{"v4 dev", RouteOpts{Dst: "10.0.0.0/24", Dev: "br0", Proto: "static"}, "replace", "-4 route replace 10.0.0.0/24 dev br0 proto static"},
		{"v4 via table", RouteOpts{Dst: "10.1.0.0/16", Dev: "br0", Gateway: "10.0.0.5", Table: "100"}, "replace", "-4 route replace 10.1.0.0/16 via 10.0.0.5 dev br0 table 100"},
		{"v6 del drops proto", RouteOpts{Dst: "fd42::5/128", Dev: "veth1", Proto: "boot"}, "del", "-6 route del fd42::5/128 dev veth1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.r.args(tt.verb), " "); got != tt.want {
				t.Fatalf("got %q want %q", got, tt.want)
			}
		})
	}
}

func TestErrorClassification(t *testing.T) {
	missing := &CommandError{Args: []string{"ip"}, Stderr: `Device "x" does not exist.`, Err: errors.New("exit status 1")}
	exists := &CommandError{Args: []string{"ip"}, Stderr: "RTNETLINK answers: File exists", Err: errors.New("exit status 2")}
	if !isMissing(missing) || isMissing(exists) || !isExists(exists) || isExists(missing) {
		t.Fatalf("classification wrong")
	}
	if got := missing.Error(); got != `ip: Device "x" does not exist.` {
		t.Fatalf("message %q", got)
	}
}

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{"eth0": true, "lxdbr0": true, "abcdefghijklmno": true, "abcdefghijklmnop": false, "": false, "a b": false, "a/b": false, "..": false} {
		if (ValidName(name) == nil) != ok {
			t.Errorf("ValidName(%q)", name)
		}
	}
}

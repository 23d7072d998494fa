package config

import (
	"errors"
	"testing"
)

func testSchema() Schema {
	return Schema{
		"core.https_address":          {Validate: IsListenAddress},
		"images.auto_update_interval": {Type: Int, Default: "6", Validate: IsInt64},
		"boot.autostart":              {Type: Bool, Validate: IsBool},
		"user.*":                      {},
		"volatile.*.hwaddr":           {Validate: IsNetworkMAC, ReadOnly: true},
		"environment.*":               {},
	}
}

func TestValidateKey(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		value   string
		wantErr string
	}{
		{"unknown", "core.no_such_key", "1", "cannot set 'core.no_such_key' to '1': unknown key"},
		{"bad int", "images.auto_update_interval", "abc", "cannot set 'images.auto_update_interval' to 'abc': invalid integer"},
		{"good int", "images.auto_update_interval", "0", ""},
		{"empty means unset", "images.auto_update_interval", "", ""},
		{"bool", "boot.autostart", "true", ""},
		{"bad bool", "boot.autostart", "maybe", `cannot set 'boot.autostart' to 'maybe': Invalid value for a boolean "maybe"`},
		{"user free-form", "user.foo.bar", "anything", ""},
		{"user needs a name", "user.", "x", "cannot set 'user.' to 'x': unknown key"},
		{"pattern middle", "volatile.eth0.hwaddr", "00:16:3e:00:00:01", ""},
		{"pattern middle bad", "volatile.eth0.hwaddr", "zz", `cannot set 'volatile.eth0.hwaddr' to 'zz': Invalid MAC address "zz"`},
		{"pattern not matching", "volatile.eth0.other", "1", "cannot set 'volatile.eth0.other' to '1': unknown key"},
		{"good address", "core.https_address", "127.0.0.1:8443", ""},
		{"bad port", "core.https_address", "127.0.0.1:xx", `cannot set 'core.https_address' to '127.0.0.1:xx': Invalid port "xx"`},
		{"v6 address", "core.https_address", "[::1]:8443", ""},
		{"port only", "core.https_address", ":8443", ""},
	}
	s := testSchema()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.ValidateKey(tt.key, tt.value)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Fatalf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestValidateUnknownIsTyped(t *testing.T) {
	err := testSchema().Validate(map[string]string{"a.b": "1", "boot.autostart": "1"})
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "a.b" || !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("want KeyError for a.b, got %v", err)
	}
}

func TestGetDefault(t *testing.T) {
	s := testSchema()
	if got := s.Get(map[string]string{}, "images.auto_update_interval"); got != "6" {
		t.Fatalf("default: got %q", got)
	}
	if got := s.Get(map[string]string{"images.auto_update_interval": "3"}, "images.auto_update_interval"); got != "3" {
		t.Fatalf("set: got %q", got)
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"user.*", "user.a", true},
		{"user.*", "user.a.b", true},
		{"user.*", "user", false},
		{"tunnel.*.id", "tunnel.t1.id", true},
		{"tunnel.*.id", "tunnel.t1.x.id", false},
		{"limits.kernel.*", "limits.kernel.nofile", true},
		{"a.b", "a.b", true},
	}
	for _, tt := range tests {
		if got := MatchPattern(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		v    Validator
		in   string
		ok   bool
	}{
		{"size", IsSize, "10GiB", true},
		{"size bad", IsSize, "10 apples", false},
		{"percent", IsSizeOrPercent, "50%", true},
		{"percent bad", IsSizeOrPercent, "150%", false},
		{"oneof", IsOneOf("a", "b"), "b", true},
		{"oneof bad", IsOneOf("a", "b"), "c", false},
		{"cidr", IsCIDR, "10.0.0.1/24", true},
		{"cidr bad", IsCIDR, "10.0.0.1", false},
		{"priority", IsPriority, "10", true},
		{"priority bad", IsPriority, "11", false},
		{"list", IsList(IsIPv4), "10.0.0.1,10.0.0.2", true},
		{"list bad", IsList(IsIPv4), "10.0.0.1,::1", false},
		{"optional empty", Optional(IsIPv4), "", true},
		{"bitrate", IsBitRate, "100Mbit", true},
		{"mac", IsNetworkMAC, "00:16:3e:aa:bb:cc", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.v(tt.in); (err == nil) != tt.ok {
				t.Fatalf("%q: err=%v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

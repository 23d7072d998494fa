package proxyconf

import "testing"

func TestValidateConfig(t *testing.T) {
	type cfg = map[string]string
	tests := []struct {
		name    string
		cfg     cfg
		wantErr string
	}{
		{"simple", cfg{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80"}, ""},
		{"list short", cfg{"listen": "tcp:127.0.0.1:80,90-91", "connect": "tcp:127.0.0.1:1000-1001"}, ""},
		{"mismatch", cfg{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80-81"}, "Mismatch between listen port(s) and connect port(s) count"},
		{"unix to many", cfg{"listen": "unix:/tmp/s", "connect": "tcp:127.0.0.1:80-81"}, "Mismatch between listen port(s) and connect port(s) count"},
		{"pp udp", cfg{"listen": "tcp:127.0.0.1:80", "connect": "udp:127.0.0.1:80", "proxy_protocol": "true"}, "The PROXY header can only be sent to tcp servers in non-nat mode"},
		{"pp nat", cfg{"listen": "tcp:10.0.0.1:80", "connect": "tcp:10.0.0.2:80", "proxy_protocol": "true", "nat": "true"}, "The PROXY header can only be sent to tcp servers in non-nat mode"},
		{"uid on tcp", cfg{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80", "uid": "1"}, "Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties"},
		{"mode on abstract", cfg{"listen": "unix:@x", "connect": "tcp:127.0.0.1:80", "mode": "0600"}, "Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties"},
		{"mode on path", cfg{"listen": "unix:/tmp/s", "connect": "tcp:127.0.0.1:80", "mode": "0600", "uid": "5"}, ""},
		{"nat instance", cfg{"listen": "tcp:10.0.0.1:80", "connect": "tcp:10.0.0.2:80", "nat": "true", "bind": "instance"}, "Only host-bound proxies can use NAT"},
		{"nat unix", cfg{"listen": "unix:/tmp/s", "connect": "tcp:127.0.0.1:80", "nat": "true"}, "Proxying unix <-> tcp is not supported when using NAT"},
		{"nat tcp udp", cfg{"listen": "tcp:10.0.0.1:80", "connect": "udp:10.0.0.2:80", "nat": "true"}, "Proxying tcp <-> udp is not supported when using NAT"},
		{"nat wildcard", cfg{"listen": "tcp:0.0.0.0:80", "connect": "tcp:10.0.0.2:80", "nat": "true"}, `Cannot listen on wildcard address "0.0.0.0" when in nat mode`},
		{"nat v6 wildcard", cfg{"listen": "tcp:[::]:80", "connect": "tcp:[::1]:80", "nat": "true"}, `Cannot listen on wildcard address "::" when in nat mode`},
		{"nat mix", cfg{"listen": "tcp:127.0.0.1:80", "connect": "tcp:[::1]:80", "nat": "true"}, "Cannot mix IP versions between listen and connect in nat mode"},
		{"nat empty host", cfg{"listen": "tcp::80", "connect": "tcp:10.0.0.2:80", "nat": "true"}, "Cannot mix IP versions between listen and connect in nat mode"},
		{"nat ok", cfg{"listen": "udp:10.0.0.1:80-81", "connect": "udp:10.0.0.2:80", "nat": "true"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateConfig(tt.cfg)
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeBind(t *testing.T) {
	for in, want := range map[string]string{"": BindHost, "host": BindHost, "instance": BindInstance, "guest": BindInstance, "container": BindInstance, "both": ""} {
		got, err := NormalizeBind(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("%q: got %q, %v", in, got, err)
		}
	}
}

package proxyconf

import (
	"reflect"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Address
		wantErr string
	}{
		{"tcp", "tcp:127.0.0.1:80", Address{Protocol: TCP, Host: "127.0.0.1", Ranges: []PortRange{{80, 1}}}, ""},
		{"udp list and range", "udp:[::1]:53-55,60", Address{Protocol: UDP, Host: "::1", Ranges: []PortRange{{53, 3}, {60, 1}}}, ""},
		{"any host", "tcp::80", Address{Protocol: TCP, Ranges: []PortRange{{80, 1}}}, ""},
		{"unix path", "unix:/run/s.sock", Address{Protocol: Unix, Host: "/run/s.sock"}, ""},
		{"unix abstract", "unix:@x", Address{Protocol: Unix, Host: "@x"}, ""},
		{"big port kept", "tcp:127.0.0.1:70000", Address{Protocol: TCP, Host: "127.0.0.1", Ranges: []PortRange{{70000, 1}}}, ""},
		{"empty", "", Address{}, `Unknown protocol type ""`},
		{"bad proto", "sctp:1.2.3.4:5", Address{}, `Unknown protocol type "sctp"`},
		{"unix empty", "unix:", Address{}, "Missing address"},
		{"no port", "tcp:127.0.0.1", Address{}, "address 127.0.0.1: missing port in address"},
		{"hostname", "tcp:localhost:80", Address{}, `Not an IP address "localhost"`},
		{"zone", "tcp:[fe80::1%lo]:80", Address{}, `Not an IP address "fe80::1%lo"`},
		{"bad port", "tcp:127.0.0.1:abc", Address{}, `strconv.ParseInt: parsing "abc": invalid syntax`},
		{"equal range", "tcp:127.0.0.1:80-80", Address{}, "End port should be higher than start port"},
		{"reverse range", "tcp:127.0.0.1:82-80", Address{}, "End port should be higher than start port"},
		{"three", "tcp:127.0.0.1:80-81-82", Address{}, `Invalid port range "80-81-82"`},
		{"trailing comma", "tcp:127.0.0.1:80,", Address{}, `strconv.ParseInt: parsing "": invalid syntax`},
		{"negative", "tcp:127.0.0.1:-5", Address{}, `strconv.ParseInt: parsing "": invalid syntax`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddress(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %+v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestEndpoints(t *testing.T) {
	a, err := ParseAddress("tcp:[::1]:80-82,90")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := uint64(0); i < a.PortCount(); i++ {
		got = append(got, a.Endpoint(i))
	}
	want := []string{"[::1]:80", "[::1]:81", "[::1]:82", "[::1]:90"}
	if !reflect.DeepEqual(got, want) || a.Count() != 4 {
		t.Fatalf("got %v (count %d)", got, a.Count())
	}
	u, _ := ParseAddress("unix:@abc")
	if u.Endpoint(3) != "@abc" || u.Count() != 1 || u.PortCount() != 0 || !u.Abstract() {
		t.Fatalf("unix: %+v", u)
	}
}

func TestConnectIndex(t *testing.T) {
	tests := []struct {
		name    string
		listen  string
		connect string
		want    []string // connect endpoint of each listen endpoint
	}{
		{"one to one", "tcp::80", "tcp:10.0.0.1:8080", []string{"10.0.0.1:8080"}},
		{"many to one", "tcp::80-82", "tcp:10.0.0.1:8080", []string{"10.0.0.1:8080", "10.0.0.1:8080", "10.0.0.1:8080"}},
		{"range to range", "tcp::80-81,90", "tcp:10.0.0.1:1000,2000-2001", []string{"10.0.0.1:1000", "10.0.0.1:2000", "10.0.0.1:2001"}},
		{"many to unix", "tcp::80-81", "unix:/run/s", []string{"/run/s", "/run/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := ParseAddress(tt.listen)
			c, _ := ParseAddress(tt.connect)
			if err := CheckRuntime(l, c); err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := uint64(0); i < l.PortCount(); i++ {
				got = append(got, c.Endpoint(ConnectIndex(c, i)))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckRuntime(t *testing.T) {
	tests := []struct {
		listen, connect string
		wantErr         string
	}{
		{"udp::53", "udp:10.0.0.1:53", ""},
		{"udp::53", "tcp:10.0.0.1:53", "Proxying from udp to non-udp protocol is not supported"},
		{"udp::53", "unix:/s", "Proxying from udp to non-udp protocol is not supported"},
		{"tcp::80", "udp:10.0.0.1:53", ""},
		{"tcp::80,81,82", "tcp:10.0.0.1:1-2", "Invalid port range"},
		{"tcp::80-81", "tcp:10.0.0.1:1-2", ""},
		{"tcp::70000", "tcp:10.0.0.1:1", "Invalid port 70000"},
		{"unix:/s", "tcp:10.0.0.1:1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.listen+"->"+tt.connect, func(t *testing.T) {
			l, err := ParseAddress(tt.listen)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseAddress(tt.connect)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckRuntime(l, c)
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

package proxy

import (
	"bytes"
	"encoding/hex"
	"net"
	"testing"
)

func TestHeaderV1(t *testing.T) {
	tcp := func(ip string, port int) *net.TCPAddr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }
	tests := []struct {
		name     string
		src, dst net.Addr
		want     string
	}{
		{"ipv4", tcp("192.0.2.1", 40000), tcp("127.0.0.1", 80), "PROXY TCP4 192.0.2.1 127.0.0.1 40000 80\r\n"},
		{"ipv6", tcp("2001:db8::1", 5), tcp("::1", 443), "PROXY TCP6 2001:db8::1 ::1 5 443\r\n"},
		{"unix", &net.UnixAddr{Name: "@", Net: "unix"}, &net.UnixAddr{Name: "/run/s", Net: "unix"}, "PROXY UNKNOWN\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(HeaderV1(tt.src, tt.dst)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHeaderV2(t *testing.T) {
	sig := "0d0a0d0a000d0a515549540a"
	tests := []struct {
		name     string
		src, dst net.Addr
		want     string // hex after the signature
	}{
		{"tcp4", &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 40000}, &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80},
			"21" + "11" + "000c" + "c0000201" + "7f000001" + "9c40" + "0050"},
		{"udp6", &net.UDPAddr{IP: net.ParseIP("::1"), Port: 1}, &net.UDPAddr{IP: net.ParseIP("::2"), Port: 2},
			"21" + "22" + "0024" + "00000000000000000000000000000001" + "00000000000000000000000000000002" + "0001" + "0002"},
		{"mixed families", &net.TCPAddr{IP: net.ParseIP("::1"), Port: 1}, &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 2},
			"20" + "00" + "0000"},
		{"unknown", &net.UnixAddr{Name: "a"}, &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 2}, "20" + "00" + "0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(HeaderV2(tt.src, tt.dst)); got != sig+tt.want {
				t.Fatalf("got  %s\nwant %s", got, sig+tt.want)
			}
		})
	}
	u := HeaderV2(&net.UnixAddr{Name: "/a"}, &net.UnixAddr{Name: "/b"})
	if len(u) != 16+216 || u[12] != 0x21 || u[13] != 0x31 || !bytes.HasPrefix(u[16:], []byte("/a\x00")) || !bytes.HasPrefix(u[16+108:], []byte("/b\x00")) {
		t.Fatalf("unix header: %x", u)
	}
}

package proxyconf

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Protocols of a listen or connect address.
const (
	TCP  = "tcp"
	UDP  = "udp"
	Unix = "unix"
)

// PortRange is First, First+1, ..., First+Count-1.
type PortRange struct {
	First uint64
	Count uint64
}

// Address is a parsed listen or connect value
// (`<type>:<addr>:<port>[-<port>][,<port>]` or `unix:<path>`,
// `unix:@<abstract name>`).
type Address struct {
	Protocol string // tcp, udp or unix
	// Host is the IP address for tcp/udp ("" means any) or the socket path
	// for unix ("@name" for an abstract socket).
	Host string
	// Ranges are the ports in the order written; nil for unix.
	Ranges []PortRange
}

// ParseAddress parses a proxy address with LXD 5.0.2's checks and error
// texts. Ports are not bounded (LXD accepts 70000 and fails when listening).
func ParseAddress(v string) (Address, error) {
	proto, rest, _ := strings.Cut(v, ":")
	switch proto {
	case Unix:
		if rest == "" {
			return Address{}, errors.New("Missing address")
		}
		return Address{Protocol: proto, Host: rest}, nil
	case TCP, UDP:
	default:
		return Address{}, fmt.Errorf("Unknown protocol type %q", proto)
	}
	host, portSpec, err := net.SplitHostPort(rest)
	if err != nil {
		return Address{}, err
	}
	if host != "" && net.ParseIP(host) == nil {
		return Address{}, fmt.Errorf("Not an IP address %q", host)
	}
	out := Address{Protocol: proto, Host: host}
	for _, part := range strings.Split(portSpec, ",") {
		r, err := parsePortRange(part)
		if err != nil {
			return Address{}, err
		}
		out.Ranges = append(out.Ranges, r)
	}
	return out, nil
}

func parsePortRange(s string) (PortRange, error) {
	ends := strings.Split(s, "-")
	if len(ends) > 2 {
		return PortRange{}, fmt.Errorf("Invalid port range %q", s)
	}
	first, err := strconv.ParseInt(ends[0], 10, 64)
	if err != nil {
		return PortRange{}, err
	}
	if len(ends) == 1 {
		return PortRange{First: uint64(first), Count: 1}, nil
	}
	last, err := strconv.ParseInt(ends[1], 10, 64)
	if err != nil {
		return PortRange{}, err
	}
	if last <= first {
		return PortRange{}, errors.New("End port should be higher than start port")
	}
	return PortRange{First: uint64(first), Count: uint64(last-first) + 1}, nil
}

// Abstract reports whether a unix address names an abstract socket.
func (a Address) Abstract() bool { return a.Protocol == Unix && strings.HasPrefix(a.Host, "@") }

// PortCount is the number of ports (0 for unix).
func (a Address) PortCount() uint64 {
	var n uint64
	for _, r := range a.Ranges {
		n += r.Count
	}
	return n
}

// Count is how many endpoints the address stands for: one per port, one for
// a unix socket (LXD compares these when checking listen/connect counts).
func (a Address) Count() uint64 {
	if a.Protocol == Unix {
		return 1
	}
	return a.PortCount()
}

// Port returns the i-th port (0-based, in written order).
func (a Address) Port(i uint64) uint64 {
	for _, r := range a.Ranges {
		if i < r.Count {
			return r.First + i
		}
		i -= r.Count
	}
	return 0
}

// Endpoint is the i-th endpoint as a Go network address: "host:port" for
// tcp/udp, the path or "@name" for unix.
func (a Address) Endpoint(i uint64) string {
	if a.Protocol == Unix {
		return a.Host
	}
	return net.JoinHostPort(a.Host, strconv.FormatUint(a.Port(i), 10))
}

// ConnectIndex maps the i-th listen endpoint to its connect endpoint: one
// to one when the connect address has several ports, else all to the first
// (LXD's rule).
func ConnectIndex(connect Address, i uint64) uint64 {
	if connect.Protocol != Unix && connect.PortCount() > 1 {
		return i
	}
	return 0
}

// CheckRuntime is what LXD's forwarder refuses when it starts (the device
// validation lets these through): udp to another protocol, and port counts
// that do not map one to one or many to one.
func CheckRuntime(listen, connect Address) error {
	if listen.Protocol == UDP && connect.Protocol != UDP {
		return errors.New("Proxying from udp to non-udp protocol is not supported")
	}
	if listen.Protocol == Unix || connect.Protocol == Unix {
		return nil
	}
	l, c := listen.PortCount(), connect.PortCount()
	if c > 1 && l != c {
		return errors.New("Invalid port range")
	}
	for _, a := range []Address{listen, connect} {
		for _, r := range a.Ranges {
			if r.First+r.Count-1 > 65535 {
				return fmt.Errorf("Invalid port %d", r.First+r.Count-1)
			}
		}
	}
	return nil
}

package instconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/config"
)

var proxyKeys = ownerKeys.Merge(config.Schema{
	"type":           typeKey("proxy"),
	"listen":         {Validate: isProxyAddress, Help: "The address and port to bind and listen (<type>:<addr>:<port>[-<port>][,<port>])"},
	"connect":        {Validate: isProxyAddress, Help: "The address and port to connect to (<type>:<addr>:<port>[-<port>][,<port>])"},
	"bind":           {Default: "host", Validate: isProxyBind, Help: "Which side to bind on (host/instance)"},
	"nat":            boolKey("false", "Whether to optimize proxying via NAT (requires that the instance NIC has a static IP address)"),
	"proxy_protocol": boolKey("false", "Whether to use the HAProxy PROXY protocol to transmit sender information"),
	"security.uid":   {Type: config.Int, Default: "0", Validate: isUnixID, Help: "What UID to drop privilege to"},
	"security.gid":   {Type: config.Int, Default: "0", Validate: isUnixID, Help: "What GID to drop privilege to"},
})

// ProxyAddress is a parsed listen or connect value.
type ProxyAddress struct {
	Protocol string   // tcp, udp or unix
	Host     string   // IP or name (tcp/udp), socket path (unix, "@" prefix for abstract)
	Ports    []uint64 // each port of the ranges and lists, in order
}

// ParseProxyAddress parses "tcp:127.0.0.1:80", "udp:[::1]:53-55,60" or
// "unix:/run/s.sock", with LXD's error texts.
func ParseProxyAddress(v string) (ProxyAddress, error) {
	proto, rest, _ := strings.Cut(v, ":")
	switch proto {
	case "unix":
		return ProxyAddress{Protocol: proto, Host: rest}, nil
	case "tcp", "udp":
	default:
		return ProxyAddress{}, fmt.Errorf("Unknown protocol type %q", proto)
	}
	host, portSpec, err := net.SplitHostPort(rest)
	if err != nil {
		return ProxyAddress{}, err
	}
	out := ProxyAddress{Protocol: proto, Host: host}
	for _, part := range strings.Split(portSpec, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, err := strconv.ParseInt(lo, 10, 64)
		if err != nil {
			return ProxyAddress{}, err
		}
		last := first
		if isRange {
			if last, err = strconv.ParseInt(hi, 10, 64); err != nil {
				return ProxyAddress{}, err
			}
		}
		if last-first > 65535 {
			return ProxyAddress{}, fmt.Errorf("Invalid port range %q", part)
		}
		for p := first; p <= last; p++ {
			out.Ports = append(out.Ports, uint64(p))
		}
	}
	return out, nil
}

func isProxyAddress(v string) error {
	_, err := ParseProxyAddress(v)
	return err
}

func isProxyBind(v string) error {
	if v != "host" && v != "instance" {
		return errors.New(`Invalid binding side given. Must be "host" or "instance"`)
	}
	return nil
}

func validateProxy(_ context.Context, _ string, dev map[string]string, _ Devices, _ DeviceOpts) error {
	// listen and connect are checked even when absent, as LXD does, which
	// reports them as an unknown (empty) protocol.
	for _, k := range []string{"listen", "connect"} {
		if dev[k] == "" {
			return fmt.Errorf("Invalid value for device option %q: Unknown protocol type \"\"", k)
		}
	}
	if err := checkKeys(proxyKeys, nil, dev); err != nil {
		return err
	}
	listen, _ := ParseProxyAddress(dev["listen"])
	connect, _ := ParseProxyAddress(dev["connect"])
	if len(connect.Ports) > 1 && len(connect.Ports) > len(listen.Ports) {
		return errors.New("Mismatch between listen port(s) and connect port(s) count")
	}
	if config.ParseBool(dev["nat"]) && config.ParseBool(dev["proxy_protocol"]) {
		return errors.New("The PROXY header can only be sent to tcp servers in non-nat mode")
	}
	return nil
}

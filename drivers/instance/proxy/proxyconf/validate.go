package proxyconf

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Bind sides. LXD also accepts "guest" and "container" for "instance".
const (
	BindHost     = "host"
	BindInstance = "instance"
)

// NormalizeBind maps a bind value to BindHost or BindInstance ("" is host).
func NormalizeBind(v string) (string, error) {
	switch v {
	case "", BindHost:
		return BindHost, nil
	case BindInstance, "guest", "container":
		return BindInstance, nil
	}
	return "", errors.New(`Invalid binding side given. Must be "host" or "instance"`)
}

// IsTrue is LXD's shared.IsTrue (1, true, yes, on).
func IsTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// ValidateConfig checks the rules across the keys of a proxy device once
// each key passed its own validator (listen and connect parse), in LXD
// 5.0.2's order and words.
func ValidateConfig(cfg map[string]string) error {
	listen, err := ParseAddress(cfg["listen"])
	if err != nil {
		return err
	}
	connect, err := ParseAddress(cfg["connect"])
	if err != nil {
		return err
	}
	if connect.Count() > listen.Count() {
		return errors.New("Mismatch between listen port(s) and connect port(s) count")
	}
	if IsTrue(cfg["proxy_protocol"]) && (!strings.HasPrefix(cfg["connect"], "tcp") || IsTrue(cfg["nat"])) {
		return errors.New("The PROXY header can only be sent to tcp servers in non-nat mode")
	}
	if (listen.Protocol != Unix || listen.Abstract()) && (cfg["uid"] != "" || cfg["gid"] != "" || cfg["mode"] != "") {
		return errors.New("Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties")
	}
	if IsTrue(cfg["nat"]) {
		return ValidateNAT(cfg["bind"], listen, connect)
	}
	return nil
}

// ValidateNAT is the part of ValidateConfig that applies with nat=true.
func ValidateNAT(bind string, listen, connect Address) error {
	if bind != "" && bind != BindHost {
		return errors.New("Only host-bound proxies can use NAT")
	}
	if listen.Protocol == Unix || connect.Protocol == Unix || listen.Protocol != connect.Protocol {
		return fmt.Errorf("Proxying %s <-> %s is not supported when using NAT", listen.Protocol, connect.Protocol)
	}
	lip := net.ParseIP(listen.Host)
	if lip.Equal(net.IPv4zero) || lip.Equal(net.IPv6zero) {
		return fmt.Errorf("Cannot listen on wildcard address %q when in nat mode", lip.String())
	}
	// An unparsable (empty) host counts as IPv6, as in LXD.
	if (lip.To4() == nil) != (net.ParseIP(connect.Host).To4() == nil) {
		return errors.New("Cannot mix IP versions between listen and connect in nat mode")
	}
	return nil
}

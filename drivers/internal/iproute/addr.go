package iproute

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
)

// Addr is one address of an interface.
type Addr struct {
	Family string // "inet" or "inet6"
	IP     net.IP
	Prefix int
	Scope  string // as ip prints it: global, link, host
}

// CIDR renders the address as "ip/prefix".
func (a Addr) CIDR() string { return a.IP.String() + "/" + strconv.Itoa(a.Prefix) }

type addrJSON struct {
	Name     string `json:"ifname"`
	AddrInfo []struct {
		Family    string `json:"family"`
		Local     string `json:"local"`
		PrefixLen int    `json:"prefixlen"`
		Scope     string `json:"scope"`
	} `json:"addr_info"`
}

// Addrs lists the addresses of one interface.
func Addrs(ctx context.Context, name string) ([]Addr, error) {
	out, err := IP(ctx, "-j", "addr", "show", "dev", name)
	if err != nil {
		if isMissing(err) {
			return nil, fmt.Errorf("Interface %q: %w", name, ErrNotFound)
		}
		return nil, err
	}
	return parseAddrs(out)
}

// AllAddrs lists the addresses of every interface, keyed by interface name.
func AllAddrs(ctx context.Context) (map[string][]Addr, error) {
	out, err := IP(ctx, "-j", "addr", "show")
	if err != nil {
		return nil, err
	}
	var ifaces []addrJSON
	if err := json.Unmarshal([]byte(out), &ifaces); err != nil {
		return nil, fmt.Errorf("Failed parsing ip addr output: %w", err)
	}
	res := map[string][]Addr{}
	for _, i := range ifaces {
		res[i.Name] = convertAddrs(i)
	}
	return res, nil
}

func parseAddrs(out string) ([]Addr, error) {
	var ifaces []addrJSON
	if err := json.Unmarshal([]byte(out), &ifaces); err != nil {
		return nil, fmt.Errorf("Failed parsing ip addr output: %w", err)
	}
	var res []Addr
	for _, i := range ifaces {
		res = append(res, convertAddrs(i)...)
	}
	return res, nil
}

func convertAddrs(i addrJSON) []Addr {
	var res []Addr
	for _, a := range i.AddrInfo {
		ip := net.ParseIP(a.Local)
		if ip == nil {
			continue
		}
		res = append(res, Addr{Family: a.Family, IP: ip, Prefix: a.PrefixLen, Scope: a.Scope})
	}
	return res
}

// AddAddr adds cidr ("10.0.0.1/24") to an interface; an address already
// present is accepted. IPv6 addresses are added with nodad so they are usable
// at once (a bridge has no duplicate to detect).
func AddAddr(ctx context.Context, name, cidr string) error {
	args := []string{"addr", "add", cidr, "dev", name}
	if ip, _, err := net.ParseCIDR(cidr); err == nil && ip.To4() == nil {
		args = append(args, "nodad")
	}
	_, err := IP(ctx, args...)
	if err != nil && isExists(err) {
		return nil
	}
	return err
}

// DelAddr removes cidr from an interface; a missing address is accepted.
func DelAddr(ctx context.Context, name, cidr string) error {
	_, err := IP(ctx, "addr", "del", cidr, "dev", name)
	if err != nil && (isMissing(err) || isCannotAssign(err)) {
		return nil
	}
	return err
}

// FlushAddrs removes every global-scope address of the family ("inet" or
// "inet6") from an interface. Link-local IPv6 is kept.
func FlushAddrs(ctx context.Context, name, family string) error {
	flag := "-4"
	if family == "inet6" {
		flag = "-6"
	}
	_, err := IP(ctx, flag, "addr", "flush", "dev", name, "scope", "global")
	if err != nil && isMissing(err) {
		return nil
	}
	return err
}

func isCannotAssign(err error) bool {
	ce, ok := err.(*CommandError)
	return ok && (containsAny(ce.Stderr, "Cannot assign requested address"))
}

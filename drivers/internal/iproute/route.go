package iproute

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
)

// Route is one route from `ip -j route show`.
type Route struct {
	Dst      string `json:"dst"` // "default" or a CIDR/address
	Gateway  string `json:"gateway"`
	Dev      string `json:"dev"`
	Protocol string `json:"protocol"`
	Scope    string `json:"scope"`
	Table    string `json:"table"`
}

// RouteOpts identifies a route to add or delete.
type RouteOpts struct {
	Dst     string // CIDR or single address
	Dev     string
	Gateway string // optional
	Table   string // optional, "main" when empty
	Proto   string // optional, e.g. "static" or "boot"
	Src     string // optional preferred source
}

func (r RouteOpts) args(verb string) []string {
	family := "-4"
	if isIPv6(r.Dst) {
		family = "-6"
	}
	args := []string{family, "route", verb, r.Dst}
	if r.Gateway != "" {
		args = append(args, "via", r.Gateway)
	}
	if r.Dev != "" {
		args = append(args, "dev", r.Dev)
	}
	if r.Table != "" {
		args = append(args, "table", r.Table)
	}
	if r.Proto != "" && verb != "del" {
		args = append(args, "proto", r.Proto)
	}
	if r.Src != "" {
		args = append(args, "src", r.Src)
	}
	return args
}

// ReplaceRoute adds or replaces a route (idempotent).
func ReplaceRoute(ctx context.Context, r RouteOpts) error {
	_, err := IP(ctx, r.args("replace")...)
	return err
}

// DelRoute removes a route; a missing route is accepted.
func DelRoute(ctx context.Context, r RouteOpts) error {
	_, err := IP(ctx, r.args("del")...)
	if err != nil && (isMissing(err) || isNoSuchProcess(err)) {
		return nil
	}
	return err
}

// Routes lists the routes of a family ("inet" or "inet6") in the main table,
// optionally restricted to one device.
func Routes(ctx context.Context, family, dev string) ([]Route, error) {
	flag := "-4"
	if family == "inet6" {
		flag = "-6"
	}
	args := []string{flag, "-j", "route", "show"}
	if dev != "" {
		args = append(args, "dev", dev)
	}
	out, err := IP(ctx, args...)
	if err != nil {
		if isMissing(err) {
			return nil, fmt.Errorf("Interface %q: %w", dev, ErrNotFound)
		}
		return nil, err
	}
	var routes []Route
	if strings.TrimSpace(out) == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(out), &routes); err != nil {
		return nil, fmt.Errorf("Failed parsing ip route output: %w", err)
	}
	for i := range routes {
		if routes[i].Dev == "" && dev != "" {
			routes[i].Dev = dev
		}
	}
	return routes, nil
}

// AddProxyNeigh publishes a proxy ARP/NDP entry for ip on dev.
func AddProxyNeigh(ctx context.Context, dev, ip string) error {
	_, err := IP(ctx, "neigh", "replace", "proxy", ip, "dev", dev)
	return err
}

// DelProxyNeigh removes a proxy ARP/NDP entry; a missing one is accepted.
func DelProxyNeigh(ctx context.Context, dev, ip string) error {
	_, err := IP(ctx, "neigh", "del", "proxy", ip, "dev", dev)
	if err != nil && (isMissing(err) || isNoSuchProcess(err) || isCannotAssign(err)) {
		return nil
	}
	return err
}

func isIPv6(addr string) bool {
	host := addr
	if i := strings.IndexByte(addr, '/'); i >= 0 {
		host = addr[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() == nil
}

func isNoSuchProcess(err error) bool {
	ce, ok := err.(*CommandError)
	return ok && containsAny(ce.Stderr, "No such process", "RTNETLINK answers: No such file")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

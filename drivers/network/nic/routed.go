package nic

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// CreateRouted creates a veth pair and routes the instance's addresses to
// it: the host end carries ipv4.host_address/32 and ipv6.host_address/64
// (the instance's gateways), each instance address gets a host route via
// the host end (also in ipv4.host_table/ipv6.host_table when set), and
// with a parent the addresses are published there by proxy ARP/NDP.
func CreateRouted(ctx context.Context, o Opts) (Result, error) {
	if o.Config["vlan"] != "" {
		return Result{}, api.BadRequest("VLAN settings on routed NICs are not supported by this kernel (no 802.1Q support)")
	}
	schema := schemas[Routed]
	parent := o.Config["parent"]
	if parent != "" && !iproute.LinkExists(parent) {
		return Result{}, api.BadRequest("Parent device %q not found", parent)
	}
	if err := probeParent(ctx, o); err != nil {
		return Result{}, err
	}
	rev := revert.New()
	defer rev.Fail()
	res, err := createVeth(ctx, o, mtuOf(o), rev)
	if err != nil {
		return Result{}, err
	}
	for _, family := range []int{4, 6} {
		p := fmt.Sprintf("ipv%d.", family)
		addrs := splitList(o.Config[p+"address"])
		if len(addrs) == 0 {
			continue
		}
		hostAddr := schema.Get(o.Config, p+"host_address")
		hostPrefix, instPrefix := "/32", "/32"
		if family == 6 {
			hostPrefix, instPrefix = "/64", "/128"
		}
		if err := iproute.AddAddr(ctx, res.HostName, hostAddr+hostPrefix); err != nil {
			return Result{}, fmt.Errorf("Failed adding host address: %w", err)
		}
		for _, a := range addrs {
			if err := routeInstanceAddr(ctx, res.HostName, parent, a+instPrefix, o.Config[p+"host_table"]); err != nil {
				return Result{}, err
			}
			if family == 4 {
				res.IPv4 = append(res.IPv4, a+instPrefix)
			} else {
				res.IPv6 = append(res.IPv6, a+instPrefix)
			}
		}
		if schema.Get(o.Config, p+"gateway") == "auto" {
			if family == 4 {
				res.IPv4Gateway = hostAddr
			} else {
				res.IPv6Gateway = hostAddr
			}
		}
		if parent != "" {
			enableProxy(ctx, parent, family)
		}
	}
	rev.Add(func() { removeProxies(context.Background(), o) })
	if err := applyLimits(ctx, o, res.HostName, rev); err != nil {
		return Result{}, err
	}
	rev.Success()
	return res, nil
}

func routeInstanceAddr(ctx context.Context, host, parent, cidr, table string) error {
	if err := iproute.ReplaceRoute(ctx, iproute.RouteOpts{Dst: cidr, Dev: host, Proto: "boot"}); err != nil {
		return fmt.Errorf("Failed adding route to %s: %w", cidr, err)
	}
	if table != "" {
		if err := iproute.ReplaceRoute(ctx, iproute.RouteOpts{Dst: cidr, Dev: host, Table: table, Proto: "boot"}); err != nil {
			return fmt.Errorf("Failed adding route to %s in table %s: %w", cidr, table, err)
		}
	}
	if parent == "" {
		return nil
	}
	ip, _, _ := strings.Cut(cidr, "/")
	if err := iproute.AddProxyNeigh(ctx, parent, ip); err != nil {
		return fmt.Errorf("Failed adding proxy neighbour for %s on %q: %w", ip, parent, err)
	}
	return nil
}

// enableProxy makes the parent answer for the instance addresses: IPv4
// proxy ARP entries need forwarding on the parent, IPv6 needs proxy_ndp.
// Routing beyond the host also needs forwarding host-wide, which is the
// administrator's choice: only warn about it.
func enableProxy(ctx context.Context, parent string, family int) {
	log := logctx.From(ctx).WithField("parent", parent)
	keys := []string{fmt.Sprintf("net/ipv4/conf/%s/forwarding", parent)}
	global := "net/ipv4/conf/all/forwarding"
	if family == 6 {
		keys = []string{fmt.Sprintf("net/ipv6/conf/%s/proxy_ndp", parent)}
		global = "net/ipv6/conf/all/forwarding"
	}
	for _, k := range keys {
		if err := iproute.SetSysctl(k, "1"); err != nil {
			log.WithError(err).Warn("Failed enabling proxy for routed NIC")
		}
	}
	if v, _ := iproute.GetSysctl(global); v != "1" {
		log.Warnf("Routed NIC: %s is off, the instance is only reachable from this host", global)
	}
}

func removeProxies(ctx context.Context, o Opts) {
	parent := o.Config["parent"]
	if parent == "" || !iproute.LinkExists(parent) {
		return
	}
	for _, key := range []string{"ipv4.address", "ipv6.address"} {
		for _, a := range splitList(o.Config[key]) {
			_ = iproute.DelProxyNeigh(ctx, parent, a)
		}
	}
}

// RemoveRouted removes proxy entries, routes in custom tables, limits and
// the veth pair (main-table routes go with the device).
func RemoveRouted(ctx context.Context, o Opts) error {
	removeProxies(ctx, o)
	host := o.Volatile["host_name"]
	if host == "" {
		return nil
	}
	var errs []error
	if iproute.LinkExists(host) {
		for _, family := range []int{4, 6} {
			p := fmt.Sprintf("ipv%d.", family)
			suffix := map[int]string{4: "/32", 6: "/128"}[family]
			if table := o.Config[p+"host_table"]; table != "" {
				for _, a := range splitList(o.Config[p+"address"]) {
					errs = append(errs, iproute.DelRoute(ctx, iproute.RouteOpts{Dst: a + suffix, Dev: host, Table: table}))
				}
			}
		}
	}
	errs = append(errs, removeLimits(ctx, o.FirewallTable, host), iproute.DeleteLink(ctx, host))
	return errors.Join(errs...)
}

// probeParent refuses IPv4 addresses something on the parent network
// already answers for (ipv4.neighbor_probe, on by default). IPv6 addresses
// are not probed.
func probeParent(ctx context.Context, o Opts) error {
	parent := o.Config["parent"]
	if parent == "" || !config.ParseBool(schemas[Routed].Get(o.Config, "ipv4.neighbor_probe")) {
		return nil
	}
	for _, a := range splitList(o.Config["ipv4.address"]) {
		inUse, err := ipv4InUse(ctx, parent, net.ParseIP(a))
		if err != nil {
			return fmt.Errorf("Failed probing parent network %q for %s: %w", parent, a, err)
		}
		if inUse {
			return api.BadRequest("IP address %q in use on parent network %q", a, parent)
		}
	}
	return nil
}

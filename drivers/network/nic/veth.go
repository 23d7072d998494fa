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
	"github.com/lxdng/lxd/shared/revert"
)

// createVeth makes the pair: host end up (and left in the host), peer with
// the instance MAC and MTU ready to be moved into the container.
func createVeth(ctx context.Context, o Opts, mtu int, rev *revert.Reverter) (Result, error) {
	host := hostNameFor(o)
	if iproute.LinkExists(host) {
		if o.Config["host_name"] != "" && o.Volatile["host_name"] != host {
			return Result{}, api.BadRequest("Host interface %q already exists", host)
		}
		// Left over from an unclean stop of this same device.
		if err := iproute.DeleteLink(ctx, host); err != nil {
			return Result{}, err
		}
	}
	peer := RandomName("veth")
	if err := iproute.AddVeth(ctx, host, peer); err != nil {
		return Result{}, fmt.Errorf("Failed creating veth pair: %w", err)
	}
	rev.Add(func() { _ = iproute.DeleteLink(context.Background(), host) })
	hw := hwaddrFor(o)
	if err := iproute.SetHwaddr(ctx, peer, hw); err != nil {
		return Result{}, err
	}
	if mtu > 0 {
		for _, dev := range []string{host, peer} {
			if err := iproute.SetMTU(ctx, dev, mtu); err != nil {
				return Result{}, err
			}
		}
	}
	if err := iproute.SetUp(ctx, host); err != nil {
		return Result{}, err
	}
	return Result{
		Device:   peer,
		HostName: host,
		Hwaddr:   hw,
		MTU:      mtu,
		Name:     o.Config["name"],
		Volatile: map[string]string{"host_name": host, "hwaddr": hw},
	}, nil
}

// CreateBridged creates a veth pair whose host end joins the parent bridge,
// with filtering, limits and routes.
func CreateBridged(ctx context.Context, o Opts) (Result, error) {
	parent := o.Config["parent"]
	if v := o.Config["vlan"]; (v != "" && v != "none") || o.Config["vlan.tagged"] != "" {
		return Result{}, api.BadRequest("VLAN settings on bridged NICs are not supported by this kernel (no bridge VLAN filtering)")
	}
	l, err := iproute.GetLink(ctx, parent)
	if err != nil {
		return Result{}, errParent(parent, err)
	}
	if l.Kind() != "bridge" {
		return Result{}, api.BadRequest("Parent device %q is not a bridge", parent)
	}
	mtu := mtuOf(o)
	if mtu == 0 {
		mtu = l.MTU
	}
	rev := revert.New()
	defer rev.Fail()
	res, err := createVeth(ctx, o, mtu, rev)
	if err != nil {
		return Result{}, err
	}
	if err := iproute.SetMaster(ctx, res.HostName, parent); err != nil {
		return Result{}, fmt.Errorf("Failed attaching %q to bridge %q: %w", res.HostName, parent, err)
	}
	if config.ParseBool(o.Config["security.port_isolation"]) {
		// Isolated ports of a bridge only talk to non-isolated ones
		// (the host, uplinks).
		if _, err := iproute.IP(ctx, "link", "set", "dev", res.HostName, "type", "bridge_slave", "isolated", "on"); err != nil {
			return Result{}, fmt.Errorf("Failed isolating bridge port %q: %w", res.HostName, err)
		}
	}
	rev.Add(func() { removeFilter(context.Background(), o.FirewallTable, res.HostName) })
	if err := applyFilter(ctx, o, res); err != nil {
		return Result{}, err
	}
	if err := applyLimits(ctx, o, res.HostName, rev); err != nil {
		return Result{}, err
	}
	// LXD 5.0.2 routes them on-link to the bridge (no gateway).
	if err := addRoutes(ctx, o.Config["ipv4.routes"], parent, "", ""); err != nil {
		return Result{}, err
	}
	if err := addRoutes(ctx, o.Config["ipv6.routes"], parent, "", ""); err != nil {
		return Result{}, err
	}
	rev.Success()
	return res, nil
}

// RemoveBridged removes the filter chain, limits, routes and the veth pair.
func RemoveBridged(ctx context.Context, o Opts) error {
	host := o.Volatile["host_name"]
	var errs []error
	errs = append(errs, delRoutes(ctx, o.Config["ipv4.routes"], o.Config["parent"], ""))
	errs = append(errs, delRoutes(ctx, o.Config["ipv6.routes"], o.Config["parent"], ""))
	if host != "" {
		removeFilter(ctx, o.FirewallTable, host)
		errs = append(errs, removeLimits(ctx, o.FirewallTable, host))
		errs = append(errs, iproute.DeleteLink(ctx, host))
	}
	return errors.Join(errs...)
}

// CreateP2P creates a veth pair whose host end stays unattached.
func CreateP2P(ctx context.Context, o Opts) (Result, error) {
	rev := revert.New()
	defer rev.Fail()
	res, err := createVeth(ctx, o, mtuOf(o), rev)
	if err != nil {
		return Result{}, err
	}
	if err := applyLimits(ctx, o, res.HostName, rev); err != nil {
		return Result{}, err
	}
	if err := addRoutes(ctx, o.Config["ipv4.routes"], res.HostName, "", ""); err != nil {
		return Result{}, err
	}
	if err := addRoutes(ctx, o.Config["ipv6.routes"], res.HostName, "", ""); err != nil {
		return Result{}, err
	}
	rev.Success()
	return res, nil
}

// RemoveP2P removes limits and the veth pair (its routes go with it).
func RemoveP2P(ctx context.Context, o Opts) error {
	host := o.Volatile["host_name"]
	if host == "" {
		return nil
	}
	return errors.Join(removeLimits(ctx, o.FirewallTable, host), iproute.DeleteLink(ctx, host))
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// addRoutes adds each CIDR of list towards dev (via gateway when given).
func addRoutes(ctx context.Context, list, dev, via, table string) error {
	for _, dst := range splitList(list) {
		r := iproute.RouteOpts{Dst: dst, Dev: dev, Table: table, Proto: "boot"}
		if via != "" && sameFamily(dst, via) {
			r.Gateway = via
		}
		if err := iproute.ReplaceRoute(ctx, r); err != nil {
			return fmt.Errorf("Failed adding route %s: %w", dst, err)
		}
	}
	return nil
}

func delRoutes(ctx context.Context, list, dev, table string) error {
	var errs []error
	for _, dst := range splitList(list) {
		if !iproute.LinkExists(dev) {
			return nil
		}
		errs = append(errs, iproute.DelRoute(ctx, iproute.RouteOpts{Dst: dst, Dev: dev, Table: table}))
	}
	return errors.Join(errs...)
}

func sameFamily(cidr, addr string) bool {
	ip, _, err := net.ParseCIDR(cidr)
	a := net.ParseIP(addr)
	return err == nil && a != nil && (ip.To4() != nil) == (a.To4() != nil)
}

package nic

import (
	"context"
	"errors"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/revert"
)

// updatable are the keys a running NIC takes in place, per nictype
// (LXD 5.0.2's UpdatableFields): they only touch host-side filtering,
// shaping, routes and the network's static leases, so the interface
// inside stays as it is. Any other change removes and re-adds the NIC.
var updatable = map[string]map[string]bool{
	Bridged: set("limits.ingress", "limits.egress", "limits.max", "ipv4.routes", "ipv6.routes",
		"ipv4.routes.external", "ipv6.routes.external", "ipv4.address", "ipv6.address",
		"security.mac_filtering", "security.ipv4_filtering", "security.ipv6_filtering"),
	P2P: set("limits.ingress", "limits.egress", "limits.max", "ipv4.routes", "ipv6.routes"),
}

func set(keys ...string) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		out[k] = true
	}
	return out
}

// CanUpdate reports whether a running NIC can go from config old to new
// in place: same nictype and only updatable keys differ.
func CanUpdate(old, new map[string]string) bool {
	if old["nictype"] != new["nictype"] {
		return false
	}
	keys := updatable[new["nictype"]]
	for _, m := range []map[string]string{old, new} {
		for k := range m {
			if old[k] != new[k] && !keys[k] {
				return false
			}
		}
	}
	return true
}

// Update applies a change CanUpdate allowed to a running NIC's host side:
// routes, filtering and limits of old are removed and those of new set.
// Both carry the Volatile of the running NIC (host_name, hwaddr).
func Update(ctx context.Context, old, new Opts) error {
	if !CanUpdate(old.Config, new.Config) {
		return api.BadRequest("NIC cannot be updated in place")
	}
	if err := Validate(new.Config); err != nil {
		return err
	}
	host := old.Volatile["host_name"]
	if host == "" {
		return api.BadRequest("NIC has no host interface to update")
	}
	res := Result{HostName: host, Hwaddr: hwaddrFor(new)}
	var errs []error
	routeDev := new.Config["parent"]
	if new.Config["nictype"] == P2P {
		routeDev = host
	}
	errs = append(errs, delRoutes(ctx, old.Config["ipv4.routes"], routeDev, ""))
	errs = append(errs, delRoutes(ctx, old.Config["ipv6.routes"], routeDev, ""))
	removeFilter(ctx, old.FirewallTable, host)
	errs = append(errs, removeLimits(ctx, old.FirewallTable, host))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	rev := revert.New()
	defer rev.Fail()
	if new.Config["nictype"] == Bridged {
		if err := applyFilter(ctx, new, res); err != nil {
			return err
		}
	}
	if err := applyLimits(ctx, new, host, rev); err != nil {
		return err
	}
	if err := addRoutes(ctx, new.Config["ipv4.routes"], routeDev, "", ""); err != nil {
		return err
	}
	if err := addRoutes(ctx, new.Config["ipv6.routes"], routeDev, "", ""); err != nil {
		return err
	}
	rev.Success()
	return nil
}

package bridge

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/shared/api"
)

// tunnelIface is the host interface of tunnel t on bridge br.
func tunnelIface(br, t string) string { return br + "-" + t }

// setupPorts attaches external interfaces and (re)creates vxlan tunnels.
func setupPorts(ctx context.Context, br string, c cfg) error {
	for _, ext := range c.list("bridge.external_interfaces") {
		if err := attachExternal(ctx, br, ext); err != nil {
			return err
		}
	}
	var want []string
	for _, t := range c.tunnels() {
		name := tunnelIface(br, t)
		want = append(want, name)
		if err := setupTunnel(ctx, br, name, c, "tunnel."+t+"."); err != nil {
			return fmt.Errorf("Failed setting up tunnel %q: %w", t, err)
		}
	}
	return removeTunnels(ctx, br, want)
}

func attachExternal(ctx context.Context, br, ext string) error {
	l, err := iproute.GetLink(ctx, ext)
	if err != nil {
		if errors.Is(err, iproute.ErrNotFound) {
			return api.BadRequest("External interface %q not found", ext)
		}
		return err
	}
	if l.Master == br {
		return nil
	}
	if l.Master != "" {
		return api.BadRequest("External interface %q is already attached to %q", ext, l.Master)
	}
	addrs, err := iproute.Addrs(ctx, ext)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if a.Scope == "global" {
			return api.BadRequest("Only unconfigured network interfaces can be bridged (%q has address %s)", ext, a.CIDR())
		}
	}
	if err := iproute.SetMaster(ctx, ext, br); err != nil {
		return fmt.Errorf("Failed attaching %q to %q: %w", ext, br, err)
	}
	return iproute.SetUp(ctx, ext)
}

func setupTunnel(ctx context.Context, br, name string, c cfg, p string) error {
	if c[p+"protocol"] == "gre" {
		return api.BadRequest("GRE tunnels are not supported by this kernel (no gretap support)")
	}
	id, _ := strconv.Atoi(c.get(p + "id"))
	port, _ := strconv.Atoi(c.get(p + "port"))
	ttl, _ := strconv.Atoi(c.get(p + "ttl"))
	v := iproute.VXLAN{Name: name, ID: id, Local: c[p+"local"], Remote: c[p+"remote"], Interface: c[p+"interface"], Port: port, TTL: ttl}
	if v.Remote == "" {
		v.Group = c.get(p + "group")
		if v.Interface == "" {
			return api.BadRequest("Multicast vxlan tunnel %q needs %sinterface (or local and remote)", name, p)
		}
	}
	if l, err := iproute.GetLink(ctx, name); err == nil && l.Kind() == "vxlan" && !sameVXLAN(l.VXLANParams(), v) {
		// Parameters cannot be changed in place; recreate to apply edits.
		if err := iproute.DeleteLink(ctx, name); err != nil {
			return err
		}
	}
	if err := iproute.AddVXLAN(ctx, v); err != nil {
		return err
	}
	mtu, _ := strconv.Atoi(c.get("bridge.mtu"))
	if err := iproute.SetMTU(ctx, name, mtu); err != nil {
		return err
	}
	if err := iproute.SetMaster(ctx, name, br); err != nil {
		return err
	}
	return iproute.SetUp(ctx, name)
}

// removeTunnels deletes vxlan links named "<br>-*" not listed in keep.
func removeTunnels(ctx context.Context, br string, keep []string) error {
	links, err := iproute.Links(ctx)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Kind() != "vxlan" || !strings.HasPrefix(l.Name, br+"-") || contains(keep, l.Name) {
			continue
		}
		if err := iproute.DeleteLink(ctx, l.Name); err != nil {
			return err
		}
	}
	return nil
}

// sameVXLAN compares the parameters the config controls; a zero port or TTL
// in want means "kernel default" and matches anything.
func sameVXLAN(have, want iproute.VXLAN) bool {
	if have.ID != want.ID || have.Local != want.Local || have.Remote != want.Remote {
		return false
	}
	if want.Remote == "" && (have.Group != want.Group || have.Interface != want.Interface) {
		return false
	}
	return (want.Port == 0 || have.Port == want.Port) && (want.TTL == 0 || have.TTL == want.TTL)
}

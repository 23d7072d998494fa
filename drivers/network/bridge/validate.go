package bridge

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// cfg wraps a network's config with typed accessors that apply defaults.
type cfg map[string]string

func (c cfg) get(key string) string { return keys.Get(c, key) }
func (c cfg) on(key string) bool    { return config.ParseBool(c.get(key)) }

// address returns the bridge address and subnet of a family, or nils for
// none/unset/auto.
func (c cfg) address(family int) (net.IP, *net.IPNet) {
	v := c[fmt.Sprintf("ipv%d.address", family)]
	if v == "" || v == addrNone || v == addrAuto {
		return nil, nil
	}
	ip, subnet, err := net.ParseCIDR(v)
	if err != nil {
		return nil, nil
	}
	return ip, subnet
}

func (c cfg) list(key string) []string {
	var out []string
	for _, v := range strings.Split(c.get(key), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// tunnels returns the sorted tunnel names declared by tunnel.NAME.* keys.
func (c cfg) tunnels() []string {
	seen := map[string]bool{}
	for k := range c {
		parts := strings.Split(k, ".")
		if len(parts) == 3 && parts[0] == "tunnel" {
			seen[parts[1]] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate checks keys and cross-key rules; errors are 400s.
func (d *Driver) Validate(ctx context.Context, n network.Network) error {
	if err := validateConfig(n); err != nil {
		return err
	}
	return checkOverlaps(ctx, n)
}

// validateConfig holds the checks that need no host inspection.
func validateConfig(n network.Network) error {
	if err := network.IsInterfaceName(n.Name); err != nil {
		return api.BadRequest("Invalid network name %q: %w", n.Name, err)
	}
	if err := keys.Validate(n.Config); err != nil {
		return network.KeyError(n.Name, err)
	}
	c := cfg(n.Config)
	if c.get("bridge.driver") == "openvswitch" {
		return api.BadRequest("Open vSwitch bridges (bridge.driver=openvswitch) are not supported by this server")
	}
	if c.get("bridge.mode") == "fan" {
		return api.BadRequest("Fan bridges (bridge.mode=fan) are not supported by this server")
	}
	if c["security.acls"] != "" {
		return api.BadRequest("Network ACLs (security.acls) are not supported by this server")
	}
	for k := range c {
		if strings.HasPrefix(k, "bgp.") {
			return api.BadRequest("BGP (%s) is not supported by this server", k)
		}
	}
	for _, family := range []int{4, 6} {
		if err := validateFamily(c, family); err != nil {
			return err
		}
	}
	return validateTunnels(n.Name, c)
}

func validateFamily(c cfg, family int) error {
	prefix := fmt.Sprintf("ipv%d.", family)
	ip, subnet := c.address(family)
	if ip == nil {
		for _, k := range []string{"nat.address", "dhcp.ranges", "dhcp.gateway"} {
			if c[prefix+k] != "" {
				return api.BadRequest("%s%s requires %saddress to be set", prefix, k, prefix)
			}
		}
		return nil
	}
	if v := c[prefix+"dhcp.gateway"]; v != "" && !subnet.Contains(net.ParseIP(v)) {
		return api.BadRequest("%sdhcp.gateway %q is outside the network subnet %s", prefix, v, subnet)
	}
	if v := c[prefix+"dhcp.ranges"]; v != "" {
		ranges, _ := network.ParseRanges(v, family)
		for _, r := range ranges {
			if !subnet.Contains(r.Start) || !subnet.Contains(r.End) {
				return api.BadRequest("%sdhcp.ranges %s-%s is outside the network subnet %s", prefix, r.Start, r.End, subnet)
			}
		}
	}
	return nil
}

func validateTunnels(name string, c cfg) error {
	for _, t := range c.tunnels() {
		p := "tunnel." + t + "."
		proto := c[p+"protocol"]
		if proto == "" {
			return api.BadRequest("Missing %sprotocol", p)
		}
		if err := iproute.ValidName(tunnelIface(name, t)); err != nil {
			return api.BadRequest("Tunnel interface name %q is too long (network and tunnel names together must fit in 15 characters)", tunnelIface(name, t))
		}
		if proto == "vxlan" && c[p+"remote"] != "" && c[p+"local"] == "" {
			return api.BadRequest("%slocal is required with %sremote", p, p)
		}
	}
	return nil
}

// checkOverlaps refuses subnets that collide with another network of this
// member or with a route the host has on another interface.
func checkOverlaps(ctx context.Context, n network.Network) error {
	mine := subnetsOf(cfg(n.Config))
	if len(mine) == 0 {
		return nil
	}
	for _, o := range n.Others {
		if o.Name == n.Name {
			continue
		}
		for _, s := range subnetsOf(cfg(o.Config)) {
			for _, m := range mine {
				if network.Overlaps(m, s) {
					return api.BadRequest("Subnet %s overlaps with network %q (%s)", m, o.Name, s)
				}
			}
		}
	}
	hostRoutes, err := hostSubnets(ctx, n.Name)
	if err != nil {
		return err
	}
	for _, m := range mine {
		for _, h := range hostRoutes {
			if network.Overlaps(m, h.subnet) {
				return api.BadRequest("The requested subnet %s is already in use (route on %q)", m, h.dev)
			}
		}
	}
	return nil
}

// subnetsOf lists the subnets a bridge config claims: its address subnets
// and its extra routes.
func subnetsOf(c cfg) []*net.IPNet {
	var out []*net.IPNet
	for _, family := range []int{4, 6} {
		if _, s := c.address(family); s != nil {
			out = append(out, s)
		}
		for _, r := range c.list(fmt.Sprintf("ipv%d.routes", family)) {
			if _, s, err := net.ParseCIDR(r); err == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

type hostRoute struct {
	subnet *net.IPNet
	dev    string
}

// hostSubnets lists the host's non-default routes on devices other than
// skipDev, plus the subnets of its global addresses.
func hostSubnets(ctx context.Context, skipDev string) ([]hostRoute, error) {
	var out []hostRoute
	for _, fam := range []string{"inet", "inet6"} {
		routes, err := iproute.Routes(ctx, fam, "")
		if err != nil {
			return nil, err
		}
		for _, r := range routes {
			if r.Dev == skipDev || r.Dst == "default" {
				continue
			}
			dst := r.Dst
			if !strings.Contains(dst, "/") {
				continue // single-host routes never cover a whole subnet
			}
			if _, s, err := net.ParseCIDR(dst); err == nil && !s.IP.IsLinkLocalUnicast() {
				out = append(out, hostRoute{subnet: s, dev: r.Dev})
			}
		}
	}
	return out, nil
}

// FillDefaults resolves "auto" (or unset) addresses on creation the way LXD
// does: a free 10.x.y.1/24 and a random fd42::/64 ULA, both with NAT.
func (d *Driver) FillDefaults(ctx context.Context, n *network.Network) error {
	if n.Config == nil {
		n.Config = map[string]string{}
	}
	for _, family := range []int{4, 6} {
		key := fmt.Sprintf("ipv%d.address", family)
		v, set := n.Config[key]
		if set && v != addrAuto {
			continue
		}
		if v == "" && set {
			continue // explicitly empty: leave unconfigured
		}
		addr, err := pickSubnet(ctx, *n, family)
		if err != nil {
			return err
		}
		n.Config[key] = addr
		if _, ok := n.Config[fmt.Sprintf("ipv%d.nat", family)]; !ok && addr != addrNone {
			n.Config[fmt.Sprintf("ipv%d.nat", family)] = "true"
		}
	}
	return nil
}

func pickSubnet(ctx context.Context, n network.Network, family int) (string, error) {
	if family == 6 {
		if v, err := iproute.GetSysctl("net/ipv6/conf/all/disable_ipv6"); err != nil || v == "1" {
			return addrNone, nil
		}
	}
	used, err := hostSubnets(ctx, "")
	if err != nil {
		return "", err
	}
	taken := make([]*net.IPNet, 0, len(used))
	for _, u := range used {
		taken = append(taken, u.subnet)
	}
	for _, o := range n.Others {
		taken = append(taken, subnetsOf(cfg(o.Config))...)
	}
	for range 100 {
		cand, err := randomSubnet(family)
		if err != nil {
			return "", err
		}
		if !overlapsAny(cand, taken) {
			ones, _ := cand.Mask.Size()
			return fmt.Sprintf("%s/%d", network.NthAddress(cand, 1), ones), nil
		}
	}
	return "", api.BadRequest("Failed to automatically find an unused IPv%d subnet, manual configuration required", family)
}

func randomSubnet(family int) (*net.IPNet, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	if family == 4 {
		ip := net.IPv4(10, b[0], b[1], 0).To4()
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(24, 32)}, nil
	}
	ip := make(net.IP, 16)
	ip[0], ip[1] = 0xfd, 0x42
	copy(ip[2:8], b[:6])
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(64, 128)}, nil
}

func overlapsAny(s *net.IPNet, others []*net.IPNet) bool {
	for _, o := range others {
		if network.Overlaps(s, o) {
			return true
		}
	}
	return false
}

// errAuto reports an address still set to "auto" at Start: FillDefaults
// must run (and its result be stored) first.
var errAuto = errors.New(`ipv4.address/ipv6.address "auto" must be resolved by FillDefaults before Start`)

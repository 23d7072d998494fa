package bridge

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/drivers/internal/dnsmasq"
	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
)

// Options tune host-wide behaviour of the driver.
type Options struct {
	// UpstreamDNS lets dnsmasq forward names it does not know to the host's
	// resolvers (/etc/resolv.conf), as LXD does. With it off dnsmasq only
	// answers instance names and never sends a query off the host.
	UpstreamDNS bool
	// DnsmasqUser and DnsmasqGroup are what dnsmasq drops privileges to
	// (default nobody / nogroup).
	DnsmasqUser, DnsmasqGroup string
}

// Driver is the bridge network type. One Driver serves every bridge of a
// daemon: it owns the dnsmasq supervisors.
type Driver struct {
	opts Options

	mu    sync.Mutex
	procs map[string]*dnsmasq.Process // by network name
}

var _ network.Driver = (*Driver)(nil)
var _ network.LeaseUpdater = (*Driver)(nil)

// New returns a bridge driver.
func New(o Options) *Driver {
	return &Driver{opts: o, procs: map[string]*dnsmasq.Process{}}
}

// Type is "bridge".
func (d *Driver) Type() string { return network.TypeBridge }

// Keys is the bridge key table.
func (d *Driver) Keys() config.Schema { return keys }

func logFor(ctx context.Context, n network.Network) *logrus.Entry {
	return logctx.From(ctx).WithField("network", n.Name)
}

// Start creates or converges the bridge, its ports, addresses, routes,
// firewall chains and dnsmasq.
func (d *Driver) Start(ctx context.Context, n network.Network) error {
	if err := validateConfig(n); err != nil {
		return err
	}
	c := cfg(n.Config)
	if n.Config["ipv4.address"] == addrAuto || n.Config["ipv6.address"] == addrAuto {
		return api.BadRequest("%w", errAuto)
	}
	if err := setupLink(ctx, n.Name, c); err != nil {
		return fmt.Errorf("Failed setting up bridge %q: %w", n.Name, err)
	}
	if err := setupL3(ctx, n.Name, c); err != nil {
		return fmt.Errorf("Failed configuring addresses of %q: %w", n.Name, err)
	}
	if err := setupPorts(ctx, n.Name, c); err != nil {
		return err
	}
	if err := setupFirewall(ctx, n); err != nil {
		return err
	}
	if err := d.setupDnsmasq(ctx, n); err != nil {
		return err
	}
	logFor(ctx, n).Debug("Network started")
	return nil
}

// StableHwaddr is the bridge MAC used when bridge.hwaddr is unset: derived
// from the network name so it survives restarts and is the same on every
// start, in LXD's 00:16:3e prefix.
func StableHwaddr(name string) string {
	sum := sha256.Sum256([]byte("lxd-bridge:" + name))
	return net.HardwareAddr{0x00, 0x16, 0x3e, sum[0] & 0x7f, sum[1], sum[2]}.String()
}

func setupLink(ctx context.Context, name string, c cfg) error {
	if err := iproute.AddBridge(ctx, name); err != nil {
		return err
	}
	link, err := iproute.GetLink(ctx, name)
	if err != nil {
		return err
	}
	hw := c.get("bridge.hwaddr")
	if hw == "" {
		hw = StableHwaddr(name)
	}
	if link.Address != hw {
		if err := iproute.SetHwaddr(ctx, name, hw); err != nil {
			return err
		}
	}
	mtu, _ := strconv.Atoi(c.get("bridge.mtu"))
	if link.MTU != mtu {
		if err := iproute.SetMTU(ctx, name, mtu); err != nil {
			return err
		}
	}
	if _, sub := c.address(6); sub != nil {
		for key, val := range map[string]string{"disable_ipv6": "0", "accept_dad": "0", "autoconf": "0", "accept_ra": "0"} {
			if err := iproute.SetSysctl(fmt.Sprintf("net/ipv6/conf/%s/%s", name, key), val); err != nil {
				return err
			}
		}
	}
	if !link.Up() {
		return iproute.SetUp(ctx, name)
	}
	return nil
}

// setupL3 converges addresses, routes and forwarding.
func setupL3(ctx context.Context, name string, c cfg) error {
	have, err := iproute.Addrs(ctx, name)
	if err != nil {
		return err
	}
	for _, family := range []int{4, 6} {
		fam := "inet"
		if family == 6 {
			fam = "inet6"
		}
		want := c[fmt.Sprintf("ipv%d.address", family)]
		if want == addrNone {
			want = ""
		}
		if err := convergeAddrs(ctx, name, fam, want, have); err != nil {
			return err
		}
		if err := convergeRoutes(ctx, name, fam, c.list(fmt.Sprintf("ipv%d.routes", family))); err != nil {
			return err
		}
		if ip, _ := c.address(family); ip != nil && c.on(fmt.Sprintf("ipv%d.routing", family)) {
			if err := enableForwarding(family); err != nil {
				return err
			}
		}
	}
	return nil
}

func convergeAddrs(ctx context.Context, dev, fam, want string, have []iproute.Addr) error {
	found := false
	for _, a := range have {
		if a.Family != fam || a.Scope != "global" {
			continue
		}
		if a.CIDR() == canonicalCIDR(want) {
			found = true
			continue
		}
		if err := iproute.DelAddr(ctx, dev, a.CIDR()); err != nil {
			return err
		}
	}
	if want != "" && !found {
		return iproute.AddAddr(ctx, dev, want)
	}
	return nil
}

func canonicalCIDR(v string) string {
	ip, sub, err := net.ParseCIDR(v)
	if err != nil {
		return v
	}
	ones, _ := sub.Mask.Size()
	return ip.String() + "/" + strconv.Itoa(ones)
}

// convergeRoutes makes the "static" routes on dev exactly want (ipv4.routes).
func convergeRoutes(ctx context.Context, dev, fam string, want []string) error {
	routes, err := iproute.Routes(ctx, fam, dev)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, w := range want {
		_, s, _ := net.ParseCIDR(w)
		wanted[s.String()] = true
	}
	for _, r := range routes {
		if r.Protocol != "static" {
			continue
		}
		if _, s, err := net.ParseCIDR(r.Dst); err == nil && wanted[s.String()] {
			delete(wanted, s.String())
			continue
		}
		if err := iproute.DelRoute(ctx, iproute.RouteOpts{Dst: r.Dst, Dev: dev}); err != nil {
			return err
		}
	}
	for dst := range wanted {
		if err := iproute.ReplaceRoute(ctx, iproute.RouteOpts{Dst: dst, Dev: dev, Proto: "static"}); err != nil {
			return err
		}
	}
	return nil
}

// enableForwarding turns routing on host-wide, as LXD does for
// ipv4.routing/ipv6.routing (it is never turned back off: other networks
// may rely on it).
func enableForwarding(family int) error {
	key := "net/ipv4/ip_forward"
	if family == 6 {
		key = "net/ipv6/conf/all/forwarding"
	}
	if v, err := iproute.GetSysctl(key); err == nil && v == "1" {
		return nil
	}
	return iproute.SetSysctl(key, "1")
}

// Stop removes the bridge, its tunnels, firewall chains and dnsmasq; the
// state directory (leases) is kept.
func (d *Driver) Stop(ctx context.Context, n network.Network) error {
	d.stopDnsmasq(ctx, n)
	var errs []error
	if err := removeFirewall(ctx, n); err != nil {
		errs = append(errs, err)
	}
	c := cfg(n.Config)
	for _, ext := range c.list("bridge.external_interfaces") {
		if l, err := iproute.GetLink(ctx, ext); err == nil && l.Master == n.Name {
			if err := iproute.SetNoMaster(ctx, ext); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := removeTunnels(ctx, n.Name, nil); err != nil {
		errs = append(errs, err)
	}
	if err := iproute.DeleteLink(ctx, n.Name); err != nil {
		errs = append(errs, fmt.Errorf("Failed deleting bridge %q: %w", n.Name, err))
	}
	return errors.Join(errs...)
}

// Update converges a running network to the new config. Removed external
// interfaces are released; everything else is what Start converges.
func (d *Driver) Update(ctx context.Context, old, new network.Network) error {
	if err := validateConfig(new); err != nil {
		return err
	}
	oldExt, newExt := cfg(old.Config).list("bridge.external_interfaces"), cfg(new.Config).list("bridge.external_interfaces")
	for _, ext := range oldExt {
		if contains(newExt, ext) {
			continue
		}
		if l, err := iproute.GetLink(ctx, ext); err == nil && l.Master == new.Name {
			if err := iproute.SetNoMaster(ctx, ext); err != nil {
				return err
			}
		}
	}
	return d.Start(ctx, new)
}

// Delete stops the network and removes its state directory.
func (d *Driver) Delete(ctx context.Context, n network.Network) error {
	if err := d.Stop(ctx, n); err != nil {
		return err
	}
	if n.StateDir != "" {
		if err := os.RemoveAll(n.StateDir); err != nil {
			return fmt.Errorf("Failed removing network state directory: %w", err)
		}
	}
	return nil
}

// State reports the bridge interface.
func (d *Driver) State(ctx context.Context, n network.Network) (api.NetworkState, error) {
	return network.InterfaceState(ctx, n.Name)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package bridge

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/dnsmasq"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
)

// dnsmasqConfig builds the dnsmasq config for n; ok is false when the
// network has no address and so needs no dnsmasq.
func (d *Driver) dnsmasqConfig(n network.Network) (dnsmasq.Config, bool) {
	c := cfg(n.Config)
	dc := dnsmasq.Config{
		Interface: n.Name,
		StateDir:  n.StateDir,
		Upstream:  d.opts.UpstreamDNS,
		User:      d.opts.DnsmasqUser,
		Group:     d.opts.DnsmasqGroup,
	}
	ip4, sub4 := c.address(4)
	ip6, sub6 := c.address(6)
	if ip4 == nil && ip6 == nil {
		return dc, false
	}
	if ip4 != nil {
		dc.ListenAddresses = append(dc.ListenAddresses, ip4.String())
		if c.on("ipv4.dhcp") {
			dc.DHCPRanges = append(dc.DHCPRanges, v4Ranges(c, sub4)...)
			if gw := c["ipv4.dhcp.gateway"]; gw != "" {
				dc.DHCPOptions = append(dc.DHCPOptions, "3,"+gw)
			}
		}
	}
	if ip6 != nil {
		dc.ListenAddresses = append(dc.ListenAddresses, ip6.String())
		dc.RA = true
		dc.DHCPRanges = append(dc.DHCPRanges, v6Ranges(c, n.Name, sub6)...)
	}
	switch c.get("dns.mode") {
	case "none":
	case "managed":
		dc.Domain = c.get("dns.domain")
		dc.IgnoreClientNames = true
	default:
		dc.Domain = c.get("dns.domain")
	}
	if search := c.list("dns.search"); len(search) > 0 {
		list := strings.Join(search, ",")
		if ip4 != nil {
			dc.DHCPOptions = append(dc.DHCPOptions, "option:domain-search,"+list)
		}
		if ip6 != nil {
			dc.DHCPOptions = append(dc.DHCPOptions, "option6:domain-search,"+list)
		}
	}
	return dc, true
}

func v4Ranges(c cfg, subnet *net.IPNet) []string {
	expiry := c.get("ipv4.dhcp.expiry")
	if v := c["ipv4.dhcp.ranges"]; v != "" {
		ranges, _ := network.ParseRanges(v, 4)
		out := make([]string, 0, len(ranges))
		for _, r := range ranges {
			out = append(out, fmt.Sprintf("%s,%s,%s", r.Start, r.End, expiry))
		}
		return out
	}
	return []string{fmt.Sprintf("%s,%s,%s", network.NthAddress(subnet, 2), network.NthAddress(subnet, -2), expiry)}
}

func v6Ranges(c cfg, br string, subnet *net.IPNet) []string {
	if !c.on("ipv6.dhcp") {
		return []string{fmt.Sprintf("::,constructor:%s,ra-only", br)}
	}
	if !c.on("ipv6.dhcp.stateful") {
		return []string{fmt.Sprintf("::,constructor:%s,ra-stateless,ra-names", br)}
	}
	expiry := c.get("ipv6.dhcp.expiry")
	ones, _ := subnet.Mask.Size()
	if v := c["ipv6.dhcp.ranges"]; v != "" {
		ranges, _ := network.ParseRanges(v, 6)
		out := make([]string, 0, len(ranges))
		for _, r := range ranges {
			out = append(out, fmt.Sprintf("%s,%s,%d,%s", r.Start, r.End, ones, expiry))
		}
		return out
	}
	return []string{fmt.Sprintf("%s,%s,%d,%s", network.NthAddress(subnet, 2), network.NthAddress(subnet, -1), ones, expiry)}
}

// setupDnsmasq writes the hosts and raw config files and makes sure the
// right dnsmasq runs: an unchanged running one is kept (only reloaded when
// the hosts file changed), a changed one is replaced.
func (d *Driver) setupDnsmasq(ctx context.Context, n network.Network) error {
	dc, needed := d.dnsmasqConfig(n)
	if !needed {
		d.stopDnsmasq(ctx, n)
		return nil
	}
	if n.StateDir == "" {
		return api.InternalError("Network %q has no state directory for dnsmasq", n.Name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ensureDir(n.StateDir); err != nil {
		return err
	}
	rawChanged, err := dnsmasq.WriteFileAtomic(dc.Path(dnsmasq.RawFile), []byte(rawConfig(n)))
	if err != nil {
		return fmt.Errorf("Failed writing dnsmasq config: %w", err)
	}
	hostsChanged, err := writeHosts(n, dc)
	if err != nil {
		return err
	}
	if p := d.procs[n.Name]; p != nil {
		if equal(p.Args(), dc.Args()) && !rawChanged {
			if hostsChanged {
				return p.Reload()
			}
			return nil
		}
		p.Stop()
		delete(d.procs, n.Name)
	}
	p, err := dnsmasq.Start(ctx, dc)
	if err != nil {
		return fmt.Errorf("Failed starting dnsmasq for %q: %w", n.Name, err)
	}
	d.procs[n.Name] = p
	return nil
}

func rawConfig(n network.Network) string {
	raw := n.Config["raw.dnsmasq"]
	if raw != "" && !strings.HasSuffix(raw, "\n") {
		raw += "\n"
	}
	return raw
}

func writeHosts(n network.Network, dc dnsmasq.Config) (bool, error) {
	names := cfg(n.Config).get("dns.mode") != "none"
	hosts := make([]dnsmasq.Host, 0, len(n.StaticLeases))
	for _, l := range n.StaticLeases {
		h := dnsmasq.Host{MAC: l.MAC, IPv4: l.IPv4, IPv6: l.IPv6}
		if names {
			h.Hostname = l.Hostname
		}
		hosts = append(hosts, h)
	}
	changed, err := dnsmasq.WriteFileAtomic(dc.Path(dnsmasq.HostsFile), dnsmasq.RenderHosts(hosts))
	if err != nil {
		return false, fmt.Errorf("Failed writing dnsmasq hosts file: %w", err)
	}
	return changed, nil
}

// UpdateStaticLeases rewrites the hosts file from n.StaticLeases and makes
// dnsmasq reload it (SIGHUP) when it changed.
func (d *Driver) UpdateStaticLeases(ctx context.Context, n network.Network) error {
	dc, needed := d.dnsmasqConfig(n)
	if !needed {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ensureDir(n.StateDir); err != nil {
		return err
	}
	changed, err := writeHosts(n, dc)
	if err != nil || !changed {
		return err
	}
	if p := d.procs[n.Name]; p != nil {
		return p.Reload()
	}
	return nil
}

func (d *Driver) stopDnsmasq(ctx context.Context, n network.Network) {
	d.mu.Lock()
	p := d.procs[n.Name]
	delete(d.procs, n.Name)
	d.mu.Unlock()
	if p != nil {
		p.Stop()
		return
	}
	if n.StateDir != "" {
		dnsmasq.StopStale(n.StateDir, logFor(ctx, n))
	}
}

// Shutdown stops supervising every dnsmasq but leaves them (and the
// bridges) running, as LXD leaves networks up while the daemon restarts.
// The next daemon's Start re-adopts them.
func (d *Driver) Shutdown() {
	d.mu.Lock()
	procs := d.procs
	d.procs = map[string]*dnsmasq.Process{}
	d.mu.Unlock()
	for _, p := range procs {
		p.Detach()
	}
}

// DnsmasqPid is the pid of the network's supervised dnsmasq (0 if none).
func (d *Driver) DnsmasqPid(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p := d.procs[name]; p != nil {
		return p.Pid()
	}
	return 0
}

// Leases lists the gateway addresses, the static leases and dnsmasq's
// dynamic leases, as GET /1.0/networks/<n>/leases shows them.
func (d *Driver) Leases(ctx context.Context, n network.Network) ([]api.NetworkLease, error) {
	c := cfg(n.Config)
	leases := []api.NetworkLease{}
	for _, family := range []int{4, 6} {
		if ip, _ := c.address(family); ip != nil {
			leases = append(leases, api.NetworkLease{Hostname: n.Name + ".gw", Address: ip.String(), Type: api.NetworkLeaseGateway})
		}
	}
	names := map[string]string{}
	seen := map[string]bool{}
	for _, s := range n.StaticLeases {
		mac := strings.ToLower(s.MAC)
		names[mac] = s.Hostname
		for _, addr := range []string{s.IPv4, s.IPv6} {
			if addr == "" {
				continue
			}
			seen[addr] = true
			leases = append(leases, api.NetworkLease{Hostname: s.Hostname, Hwaddr: mac, Address: addr, Type: api.NetworkLeaseStatic, Location: n.Member})
		}
	}
	if n.StateDir == "" {
		return leases, nil
	}
	dyn, err := dnsmasq.ParseLeases(filepath.Join(n.StateDir, dnsmasq.LeasesFile))
	if err != nil {
		return nil, err
	}
	for _, l := range dyn {
		addr := l.IP.String()
		if seen[addr] {
			continue
		}
		host := l.Hostname
		if name, ok := names[strings.ToLower(l.MAC)]; ok && name != "" {
			host = name
		}
		leases = append(leases, api.NetworkLease{Hostname: host, Hwaddr: l.MAC, Address: addr, Type: api.NetworkLeaseDynamic, Location: n.Member})
	}
	return leases, nil
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ensureDir creates the state directory world-traversable: dnsmasq re-reads
// the hosts file after dropping privileges.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("Failed creating network state directory: %w", err)
	}
	return os.Chmod(dir, 0o755)
}

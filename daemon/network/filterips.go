package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"

	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// A bridged NIC with security.ipv4_filtering (ipv6_filtering) but no
// ipv4.address (ipv6.address) may only use the address its network hands
// it. As LXD does, that address is pinned: the NIC's current lease or a
// free one of the DHCP range, served to its MAC as a static host from then
// on. The pins live in the network's state directory (LXD keeps them in
// dnsmasq's hosts file), keyed by MAC, and go when no NIC has the MAC.

// filterFile holds the pinned addresses of a network.
const filterFile = "filter-addresses.json"

// pinned is the addresses pinned for one MAC.
type pinned struct {
	IPv4 string `json:"ipv4,omitempty"`
	IPv6 string `json:"ipv6,omitempty"`
}

// FilterAddresses returns the addresses pinned on managed network name for
// the NIC with MAC mac (pinning them first when needed, for the families
// asked): what IP filtering must let through for a NIC without static
// addresses. dnsmasq serves them before the caller starts the NIC. An
// address the network cannot provide (no subnet of the family, no DHCP
// stateful IPv6) comes back "".
func (s *Service) FilterAddresses(ctx context.Context, project, name, mac string, v4, v6 bool) (ipv4, ipv6 string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.loadCurrent(ctx, project, name)
	if err != nil {
		return "", "", err
	}
	lu, ok := c.driver.(netdriver.LeaseUpdater)
	if !ok {
		return "", "", nil
	}
	mac = strings.ToLower(mac)
	n := s.toDriver(c.rec, c.all, c.use)
	pins := s.readPins(name)
	p := pins[mac]
	if (v4 && p.IPv4 == "") || (v6 && p.IPv6 == "") {
		leases, err := c.driver.Leases(ctx, n)
		if err != nil {
			return "", "", err
		}
		taken := takenAddresses(n, pins, leases, mac)
		if v4 && p.IPv4 == "" {
			p.IPv4 = pickIPv4(n.Config, leases, taken, mac)
		}
		if v6 && p.IPv6 == "" {
			p.IPv6 = pickIPv6(n.Config, leases, taken, mac)
		}
		pins[mac] = p
		if err := s.writePins(name, pins); err != nil {
			return "", "", err
		}
	}
	if err := lu.UpdateStaticLeases(ctx, s.toDriver(c.rec, c.all, c.use)); err != nil {
		return "", "", err
	}
	return p.IPv4, p.IPv6, nil
}

// withPins fills the static leases that have no address of their own with
// the pinned ones, and forgets the pins of MACs no NIC has any more.
func (s *Service) withPins(n netdriver.Network) netdriver.Network {
	pins := s.readPins(n.Name)
	if len(pins) == 0 {
		return n
	}
	used := map[string]bool{}
	for i, l := range n.StaticLeases {
		p, ok := pins[strings.ToLower(l.MAC)]
		if !ok {
			continue
		}
		used[strings.ToLower(l.MAC)] = true
		if l.IPv4 == "" {
			n.StaticLeases[i].IPv4 = p.IPv4
		}
		if l.IPv6 == "" {
			n.StaticLeases[i].IPv6 = p.IPv6
		}
	}
	if len(used) != len(pins) {
		for mac := range pins {
			if !used[mac] {
				delete(pins, mac)
			}
		}
		_ = s.writePins(n.Name, pins)
	}
	return n
}

func (s *Service) readPins(network string) map[string]pinned {
	out := map[string]pinned{}
	data, err := os.ReadFile(filepath.Join(s.stateDir(network), filterFile))
	if err == nil {
		_ = json.Unmarshal(data, &out)
	}
	return out
}

func (s *Service) writePins(network string, pins map[string]pinned) error {
	path := filepath.Join(s.stateDir(network), filterFile)
	if len(pins) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	data, err := json.Marshal(pins)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("Failed to record filtering addresses: %w", err)
	}
	return os.Rename(tmp, path)
}

// takenAddresses are the addresses no new pin may get: static hosts,
// other pins and the leases of other MACs.
func takenAddresses(n netdriver.Network, pins map[string]pinned, leases []api.NetworkLease, mac string) map[string]bool {
	taken := map[string]bool{}
	for _, l := range n.StaticLeases {
		taken[l.IPv4], taken[l.IPv6] = true, true
	}
	for m, p := range pins {
		if m != mac {
			taken[p.IPv4], taken[p.IPv6] = true, true
		}
	}
	for _, l := range leases {
		if !strings.EqualFold(l.Hwaddr, mac) {
			taken[l.Address] = true
		}
	}
	delete(taken, "")
	return taken
}

// ownLease is the address of family fam leased to mac, if any.
func ownLease(leases []api.NetworkLease, mac string, v4 bool) string {
	for _, l := range leases {
		ip := net.ParseIP(l.Address)
		if ip != nil && strings.EqualFold(l.Hwaddr, mac) && (ip.To4() != nil) == v4 && l.Type != "gateway" {
			return l.Address
		}
	}
	return ""
}

// pickIPv4 prefers the MAC's current lease, else the first free address
// of the DHCP ranges.
func pickIPv4(cfg map[string]string, leases []api.NetworkLease, taken map[string]bool, mac string) string {
	gw, subnet, err := net.ParseCIDR(cfg["ipv4.address"])
	if err != nil {
		return ""
	}
	if own := ownLease(leases, mac, true); own != "" {
		return own
	}
	taken[gw.String()] = true
	ranges := []netdriver.IPRange{{Start: netdriver.NthAddress(subnet, 2), End: netdriver.NthAddress(subnet, -2)}}
	if v := cfg["ipv4.dhcp.ranges"]; v != "" {
		if r, err := netdriver.ParseRanges(v, 4); err == nil {
			ranges = r
		}
	}
	return firstFree(ranges, taken)
}

// pickIPv6 is the stateful DHCPv6 analogue of pickIPv4; with SLAAC (the
// default) the NIC's address is its EUI-64 one.
func pickIPv6(cfg map[string]string, leases []api.NetworkLease, taken map[string]bool, mac string) string {
	gw, subnet, err := net.ParseCIDR(cfg["ipv6.address"])
	if err != nil {
		return ""
	}
	if !config.ParseBool(cfg["ipv6.dhcp.stateful"]) {
		return eui64(subnet, mac)
	}
	if own := ownLease(leases, mac, false); own != "" {
		return own
	}
	taken[gw.String()] = true
	ranges := []netdriver.IPRange{{Start: netdriver.NthAddress(subnet, 2), End: netdriver.NthAddress(subnet, -1)}}
	if v := cfg["ipv6.dhcp.ranges"]; v != "" {
		if r, err := netdriver.ParseRanges(v, 6); err == nil {
			ranges = r
		}
	}
	return firstFree(ranges, taken)
}

// firstFree walks the ranges in order (at most 65536 addresses each).
func firstFree(ranges []netdriver.IPRange, taken map[string]bool) string {
	for _, r := range ranges {
		cur, end := new(big.Int).SetBytes(norm(r.Start)), new(big.Int).SetBytes(norm(r.End))
		size := len(norm(r.Start))
		for i := 0; cur.Cmp(end) <= 0 && i < 1<<16; i++ {
			b := cur.Bytes()
			ip := make(net.IP, size)
			copy(ip[size-len(b):], b)
			if !taken[ip.String()] {
				return ip.String()
			}
			cur.Add(cur, big.NewInt(1))
		}
	}
	return ""
}

func norm(ip net.IP) net.IP {
	if v4 := ip.To4(); v4 != nil {
		return v4
	}
	return ip.To16()
}

// eui64 is the SLAAC address of mac in a /64.
func eui64(subnet *net.IPNet, mac string) string {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return ""
	}
	ip := make(net.IP, 16)
	copy(ip, subnet.IP.To16()[:8])
	ip[8], ip[9], ip[10] = hw[0]^0x02, hw[1], hw[2]
	ip[11], ip[12] = 0xff, 0xfe
	ip[13], ip[14], ip[15] = hw[3], hw[4], hw[5]
	return ip.String()
}

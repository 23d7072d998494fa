package bridge

import (
	"context"
	"fmt"

	"github.com/lxdng/lxd/drivers/internal/nft"
	"github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
)

// Chain names of one network inside the daemon's inet table, as LXD names
// them in its own table. Exact names (never prefixes) are used for
// deletion, so "a" and "a.b" cannot collide.
func chainNames(net string) []string {
	return []string{"fwd." + net, "in." + net, "out." + net, "pstrt." + net}
}

// ICMP types the bridge host accepts and sends, as LXD allows them.
const (
	icmp4Types = "{ destination-unreachable, time-exceeded, parameter-problem }"
	icmp6Types = "{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report }"
)

// firewallChains builds the chains a network needs; nil when it needs none.
func firewallChains(n network.Network) []nft.Chain {
	c := cfg(n.Config)
	names := chainNames(n.Name)
	br := fmt.Sprintf("%q", n.Name)
	fwd := nft.Chain{Name: names[0], Type: "filter", Hook: "forward", Priority: 0}
	in := nft.Chain{Name: names[1], Type: "filter", Hook: "input", Priority: 0}
	out := nft.Chain{Name: names[2], Type: "filter", Hook: "output", Priority: 0}
	nat := nft.Chain{Name: names[3], Type: "nat", Hook: "postrouting", Priority: 100}

	for _, family := range []int{4, 6} {
		ip, subnet := c.address(family)
		if ip == nil {
			continue
		}
		proto, icmp, dhcp := "ipv4", "icmp type "+icmp4Types, "67"
		if family == 6 {
			proto, icmp, dhcp = "ipv6", "icmpv6 type "+icmp6Types, "547"
		}
		if c.on(fmt.Sprintf("ipv%d.firewall", family)) {
			// Accept what the bridge's own services need even when another
			// table's policy is restrictive for this family.
			in.Rules = append(in.Rules,
				fmt.Sprintf("iifname %s meta nfproto %s udp dport { 53, %s } accept", br, proto, dhcp),
				fmt.Sprintf("iifname %s meta nfproto %s tcp dport 53 accept", br, proto),
				fmt.Sprintf("iifname %s %s accept", br, icmp))
			out.Rules = append(out.Rules,
				fmt.Sprintf("oifname %s meta nfproto %s udp sport { 53, %s } accept", br, proto, dhcp),
				fmt.Sprintf("oifname %s meta nfproto %s tcp sport 53 accept", br, proto),
				fmt.Sprintf("oifname %s %s accept", br, icmp))
			if c.on(fmt.Sprintf("ipv%d.routing", family)) {
				fwd.Rules = append(fwd.Rules,
					fmt.Sprintf("iifname %s meta nfproto %s accept", br, proto),
					fmt.Sprintf("oifname %s meta nfproto %s accept", br, proto))
			}
		}
		if c.on(fmt.Sprintf("ipv%d.nat", family)) {
			nat.Rules = append(nat.Rules, natRule(c, family, subnet.String()))
			if c.get(fmt.Sprintf("ipv%d.nat.order", family)) == "after" {
				nat.Priority = 101
			} else {
				nat.Priority = 99
			}
		}
	}
	var chains []nft.Chain
	for _, ch := range []nft.Chain{fwd, in, out, nat} {
		if len(ch.Rules) > 0 {
			chains = append(chains, ch)
		}
	}
	return chains
}

func natRule(c cfg, family int, subnet string) string {
	ipk := "ip"
	if family == 6 {
		ipk = "ip6"
	}
	action := "masquerade"
	if addr := c[fmt.Sprintf("ipv%d.nat.address", family)]; addr != "" {
		action = fmt.Sprintf("snat %s to %s", map[int]string{4: "ip", 6: "ip6"}[family], addr)
	}
	return fmt.Sprintf("%s saddr %s %s daddr != %s %s", ipk, subnet, ipk, subnet, action)
}

// setupFirewall replaces the network's chains (or removes them when the
// config needs none).
func setupFirewall(ctx context.Context, n network.Network) error {
	chains := firewallChains(n)
	if n.FirewallTable == "" {
		if len(chains) > 0 {
			return api.InternalError("Network %q needs firewall rules but no firewall table was given", n.Name)
		}
		return nil
	}
	// Remove chains this config no longer wants, then replace the others.
	var stale []string
	for _, name := range chainNames(n.Name) {
		wanted := false
		for _, ch := range chains {
			wanted = wanted || ch.Name == name
		}
		if !wanted {
			stale = append(stale, name)
		}
	}
	if err := nft.DeleteChains(ctx, nft.FamilyInet, n.FirewallTable, stale...); err != nil {
		return err
	}
	if len(chains) == 0 {
		return nil
	}
	if err := nft.ReplaceChains(ctx, nft.FamilyInet, n.FirewallTable, chains); err != nil {
		return fmt.Errorf("Failed setting up firewall for %q: %w", n.Name, err)
	}
	return nil
}

func removeFirewall(ctx context.Context, n network.Network) error {
	if n.FirewallTable == "" {
		return nil
	}
	return nft.DeleteChains(ctx, nft.FamilyInet, n.FirewallTable, chainNames(n.Name)...)
}

package nic

import (
	"context"
	"fmt"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/internal/nft"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
	"github.com/lxdng/lxd/shared/units"
)

// chainName is the per-port chain in the bridge and netdev tables.
func chainName(hostIface string) string { return "nic." + hostIface }

// filterRules builds the bridge-family rules for a port: frames the
// instance sends with another MAC, another IPv4 or another IPv6 than its
// own are dropped, and it may not act as a DHCP server or IPv6 router.
func filterRules(host, mac string, v4, v6 bool, allow4, allow6 []string) []string {
	in := fmt.Sprintf("iifname %q", host)
	rules := []string{
		fmt.Sprintf("%s ether saddr != %s drop", in, mac),
		fmt.Sprintf("%s ether type arp arp saddr ether != %s drop", in, mac),
	}
	if v4 {
		// DHCP discovery comes from 0.0.0.0 and ARP probes use it too.
		set := "{ " + strings.Join(append([]string{"0.0.0.0"}, allow4...), ", ") + " }"
		rules = append(rules,
			fmt.Sprintf("%s ether type ip udp sport 67 drop", in),
			fmt.Sprintf("%s ether type arp arp saddr ip != %s drop", in, set),
			fmt.Sprintf("%s ether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp dport 67 accept", in),
			fmt.Sprintf("%s ether type ip ip saddr != %s drop", in, set))
	}
	if v6 {
		// Link-local and the unspecified address carry NDP/DAD and DHCPv6.
		set := "{ " + strings.Join(append([]string{"::", "fe80::/10"}, allow6...), ", ") + " }"
		rules = append(rules,
			fmt.Sprintf("%s ether type ip6 icmpv6 type nd-router-advert drop", in),
			fmt.Sprintf("%s ether type ip6 udp sport 547 drop", in),
			fmt.Sprintf("%s ether type ip6 ip6 saddr != %s drop", in, set))
	}
	return rules
}

// applyFilter installs the port's chain in `table bridge <table>` when any
// security.*_filtering key is on (ip filtering implies MAC filtering).
func applyFilter(ctx context.Context, o Opts, res Result) error {
	on := func(k string) bool { return config.ParseBool(o.Config[k]) }
	v4, v6 := on("security.ipv4_filtering"), on("security.ipv6_filtering")
	if !on("security.mac_filtering") && !v4 && !v6 {
		return nil
	}
	if o.FirewallTable == "" {
		return api.InternalError("NIC filtering needs the daemon's firewall table name")
	}
	allow4, allow6 := o.AllowedIPv4, o.AllowedIPv6
	if a := o.Config["ipv4.address"]; a != "" {
		allow4 = []string{a}
	}
	if a := o.Config["ipv6.address"]; a != "" {
		allow6 = []string{a}
	}
	chain := nft.Chain{
		Name: chainName(res.HostName), Type: "filter", Hook: "prerouting", Priority: -200,
		Rules: filterRules(res.HostName, res.Hwaddr, v4, v6, allow4, allow6),
	}
	if err := nft.ReplaceChains(ctx, nft.FamilyBridge, o.FirewallTable, []nft.Chain{chain}); err != nil {
		return fmt.Errorf("Failed setting up NIC filtering: %w", err)
	}
	return nil
}

func removeFilter(ctx context.Context, table, host string) {
	if table == "" {
		return
	}
	if err := nft.DeleteChains(ctx, nft.FamilyBridge, table, chainName(host)); err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed removing NIC filter chain")
	}
}

// rates returns the ingress and egress limits in bit/s (0 = none);
// limits.max fills whichever is unset.
func rates(cfg map[string]string) (ingress, egress int64, err error) {
	parse := func(k string) (int64, error) {
		if cfg[k] == "" {
			return 0, nil
		}
		return units.ParseBitSize(cfg[k])
	}
	if ingress, err = parse("limits.ingress"); err != nil {
		return 0, 0, err
	}
	if egress, err = parse("limits.egress"); err != nil {
		return 0, 0, err
	}
	max, err := parse("limits.max")
	if err != nil {
		return 0, 0, err
	}
	if ingress == 0 {
		ingress = max
	}
	if egress == 0 {
		egress = max
	}
	return ingress, egress, nil
}

// applyLimits shapes the host end: what it transmits is what the instance
// receives (limits.ingress, HTB); what it receives is what the instance
// sends (limits.egress), policed by an nftables netdev ingress chain since
// this kernel has no tc police action.
func applyLimits(ctx context.Context, o Opts, host string, rev *revert.Reverter) error {
	ingress, egress, err := rates(o.Config)
	if err != nil {
		return api.BadRequest("Invalid limit: %w", err)
	}
	if ingress > 0 {
		if err := iproute.SetEgressRate(ctx, host, ingress); err != nil {
			return err
		}
	}
	if egress == 0 {
		return nil
	}
	if o.FirewallTable == "" {
		return api.InternalError("NIC egress limits need the daemon's firewall table name")
	}
	bytesPerSec := max(egress/8, 1)
	chain := nft.Chain{
		Name: chainName(host), Type: "filter", Hook: "ingress", Device: host, Priority: 0,
		Rules: []string{fmt.Sprintf("limit rate over %d bytes/second burst %d bytes drop", bytesPerSec, 1<<20)},
	}
	rev.Add(func() { _ = removeLimits(context.Background(), o.FirewallTable, host) })
	if err := nft.ReplaceChains(ctx, nft.FamilyNetdev, o.FirewallTable, []nft.Chain{chain}); err != nil {
		return fmt.Errorf("Failed setting egress limit: %w", err)
	}
	return nil
}

func removeLimits(ctx context.Context, table, host string) error {
	if iproute.LinkExists(host) {
		if err := iproute.ClearEgressRate(ctx, host); err != nil {
			return err
		}
	}
	if table == "" {
		return nil
	}
	return nft.DeleteChains(ctx, nft.FamilyNetdev, table, chainName(host))
}

package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/lxdng/lxd/drivers/instance/proxy/proxyconf"
	"net"
	"os"
	"regexp"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/internal/nft"
	"github.com/lxdng/lxd/shared/logctx"
)

// NAT chains of one device in `table inet <FirewallTable>`, named like LXD
// names them in its own table (prert/out/pstrt + project.instance.device)
// with a "proxy." prefix so they never meet the network driver's chains.
const (
	natPrefix = "proxy."
	chainPre  = "prert"
	chainOut  = "out"
	chainPost = "pstrt"
)

var plainLabel = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,60}$`)

// labelPart keeps a name as is when nft accepts it inside a chain name and
// it has no dot (dots separate the parts), else a stable hash of it.
func labelPart(s string) string {
	if plainLabel.MatchString(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "x" + hex.EncodeToString(sum[:6])
}

func instanceLabel(r Ref) string { return labelPart(r.Project) + "." + labelPart(r.Instance) }

func natChainNames(r Ref) []string {
	label := instanceLabel(r) + "." + labelPart(r.Device)
	return []string{natPrefix + chainPre + "." + label, natPrefix + chainOut + "." + label, natPrefix + chainPost + "." + label}
}

// natTarget picks the connect IP among the NICs' static addresses, as LXD:
// the connect host must be one of them, or the wildcard for "the first
// one". It returns the IP and the NIC's host-side interface for hairpin.
func natTarget(listen, connect proxyconf.Address, nics []NIC) (net.IP, NIC, error) {
	v6 := strings.Contains(listen.Host, ":")
	family, wildcard := 4, "0.0.0.0"
	if v6 {
		family, wildcard = 6, "::"
	}
	for _, nic := range nics {
		if nic.NICType != "bridged" && nic.NICType != "routed" {
			continue
		}
		addr := nic.IPv4
		if v6 {
			addr = nic.IPv6
		}
		if addr != "" && (connect.Host == addr || connect.Host == wildcard) {
			return net.ParseIP(addr), nic, nil
		}
	}
	if connect.Host == "0.0.0.0" || connect.Host == "::" {
		return nil, NIC{}, fmt.Errorf("Instance has no static IPv%d address assigned to be used as the connect IP", family)
	}
	return nil, NIC{}, fmt.Errorf("Connect IP %q must be one of the instance's static IPv%d addresses", connect.Host, family)
}

// natRules are the DNAT rules (for prerouting and output alike) and the
// hairpin masquerade rules, one per listen port.
func natRules(listen, connect proxyconf.Address, target net.IP) (dnat, snat []string) {
	ipk, natFam, dst := "ip", "ip", target.String()
	if target.To4() == nil {
		ipk, natFam, dst = "ip6", "ip6", "["+target.String()+"]"
	}
	seen := map[uint64]bool{}
	for i := uint64(0); i < listen.PortCount(); i++ {
		cport := connect.Port(proxyconf.ConnectIndex(connect, i))
		dnat = append(dnat, fmt.Sprintf("%s daddr %s %s dport %d dnat %s to %s:%d",
			ipk, listen.Host, listen.Protocol, listen.Port(i), natFam, dst, cport))
		if !seen[cport] {
			seen[cport] = true
			// The instance reaching itself through the listen address:
			// without this its reply would bypass the DNAT.
			snat = append(snat, fmt.Sprintf("%s saddr %s %s daddr %s %s dport %d masquerade",
				ipk, target, ipk, target, connect.Protocol, cport))
		}
	}
	return dnat, snat
}

// startNAT installs the device's DNAT chains (replacing earlier ones).
func startNAT(ctx context.Context, s Spec) (*Handle, error) {
	if s.FirewallTable == "" {
		return nil, errors.New("Proxy NAT mode needs the daemon's firewall table name")
	}
	listen, _ := proxyconf.ParseAddress(s.Listen)
	connect, _ := proxyconf.ParseAddress(s.Connect)
	if err := proxyconf.CheckRuntime(listen, connect); err != nil {
		return nil, err
	}
	target, nic, err := natTarget(listen, connect, s.NICs)
	if err != nil {
		return nil, err
	}
	if err := hairpin(ctx, target, nic); err != nil {
		return nil, err
	}
	dnat, snat := natRules(listen, connect, target)
	if err := natAdded(ctx, s.Ref); err != nil {
		return nil, err
	}
	names := natChainNames(s.Ref)
	chains := []nft.Chain{
		{Name: names[0], Type: "nat", Hook: "prerouting", Priority: -100, Rules: dnat},
		{Name: names[1], Type: "nat", Hook: "output", Priority: -100, Rules: dnat},
		{Name: names[2], Type: "nat", Hook: "postrouting", Priority: 100, Rules: snat},
	}
	if err := nft.ReplaceChains(ctx, nft.FamilyInet, s.FirewallTable, chains); err != nil {
		return nil, fmt.Errorf("Failed to start device %q: %w", s.Device, err)
	}
	return &Handle{spec: s}, nil
}

// hairpin lets instances on the same bridge reach the listen address: with
// br_netfilter on, their DNATed packets go back out of the port they came
// in through, which a bridge refuses unless the port is in hairpin mode.
func hairpin(ctx context.Context, target net.IP, nic NIC) error {
	knob := "/proc/sys/net/bridge/bridge-nf-call-iptables"
	if target.To4() == nil {
		knob = "/proc/sys/net/bridge/bridge-nf-call-ip6tables"
	}
	if v, err := os.ReadFile(knob); err != nil || strings.TrimSpace(string(v)) != "1" || nic.NICType != "bridged" {
		logctx.From(ctx).Debug("Bridge netfilter off or NIC not bridged: no hairpin mode for the proxy")
		return nil
	}
	if nic.HostName == "" {
		return errors.New("Proxy cannot find bridge port host_name to enable hairpin mode")
	}
	if _, err := iproute.IP(ctx, "link", "set", "dev", nic.HostName, "type", "bridge_slave", "hairpin", "on"); err != nil {
		return fmt.Errorf("Error enabling hairpin mode on bridge port %q: %w", nic.HostName, err)
	}
	return nil
}

// clearNAT removes the device's chains, if any.
func clearNAT(ctx context.Context, r Ref) error {
	if r.FirewallTable == "" {
		return nil
	}
	if err := nft.DeleteChains(ctx, nft.FamilyInet, r.FirewallTable, natChainNames(r)...); err != nil {
		return fmt.Errorf("Failed to remove proxy NAT rules: %w", err)
	}
	return nil
}

// clearInstanceNAT removes the NAT chains of every device of the instance
// but the kept ones.
func clearInstanceNAT(ctx context.Context, base Ref, kept map[string]bool) error {
	if base.FirewallTable == "" {
		return nil
	}
	may, gen, err := natMayExist(ctx, base)
	if err != nil || !may {
		return err
	}
	all, err := nft.Chains(ctx, nft.FamilyInet, base.FirewallTable)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for dev := range kept {
		r := base
		r.Device = dev
		for _, n := range natChainNames(r) {
			keep[n] = true
		}
	}
	var drop []string
	for _, n := range all {
		for _, c := range []string{chainPre, chainOut, chainPost} {
			if strings.HasPrefix(n, natPrefix+c+"."+instanceLabel(base)+".") && !keep[n] {
				drop = append(drop, n)
			}
		}
	}
	if len(drop) > 0 {
		if err := nft.DeleteChains(ctx, nft.FamilyInet, base.FirewallTable, drop...); err != nil {
			return err
		}
	}
	if len(keep) == 0 {
		natCleared(base, gen)
	}
	return nil
}

package dnsmasq

import (
	"fmt"
	"path/filepath"
)

// File names inside Config.StateDir.
const (
	PidFile    = "dnsmasq.pid"
	LeasesFile = "dnsmasq.leases"
	HostsFile  = "dnsmasq.hosts"
	RawFile    = "dnsmasq.raw"
	LogFile    = "dnsmasq.log"
)

// Config is everything one bridge's dnsmasq needs.
type Config struct {
	// Interface is the bridge dnsmasq serves; it binds nothing else.
	Interface string
	// StateDir holds the pid, lease, hosts, raw config and log files.
	StateDir string
	// ListenAddresses are the bridge addresses DNS answers on.
	ListenAddresses []string
	// DHCPRanges are --dhcp-range values ("10.0.0.2,10.0.0.254,1h",
	// "::,constructor:br0,ra-stateless,ra-names").
	DHCPRanges []string
	// DHCPOptions are --dhcp-option values ("3,10.0.0.1").
	DHCPOptions []string
	// RA enables IPv6 router advertisements.
	RA bool
	// Domain is the local DNS domain ("lxd"); empty disables local names.
	Domain string
	// IgnoreClientNames makes dnsmasq ignore hostnames clients send, so
	// only names from the hosts file are published (dns.mode=managed).
	IgnoreClientNames bool
	// Upstream lets dnsmasq forward other queries to the host's resolvers
	// (/etc/resolv.conf). Without it dnsmasq answers only local names and
	// sends nothing off the host.
	Upstream bool
	// DisableDNS turns the DNS server off (--port=0).
	DisableDNS bool
	// User and Group dnsmasq drops privileges to (default nobody/nogroup).
	User, Group string
}

// Path returns the path of one of the state files.
func (c Config) Path(file string) string { return filepath.Join(c.StateDir, file) }

// Args builds the dnsmasq command line (without the program name).
func (c Config) Args() []string {
	user, group := c.User, c.Group
	if user == "" {
		user = "nobody"
	}
	if group == "" {
		group = "nogroup"
	}
	args := []string{
		"--keep-in-foreground",
		"--log-facility=-",
		"--strict-order",
		"--bind-interfaces",
		"--except-interface=lo",
		"--interface=" + c.Interface,
		"--pid-file=" + c.Path(PidFile),
		"--conf-file=" + c.Path(RawFile),
		"--no-ping",
		"--dhcp-no-override",
		"--dhcp-authoritative",
		"--dhcp-rapid-commit",
		"--quiet-dhcp", "--quiet-dhcp6", "--quiet-ra",
		"--dhcp-leasefile=" + c.Path(LeasesFile),
		"--dhcp-hostsfile=" + c.Path(HostsFile),
		"--user=" + user,
		"--group=" + group,
	}
	for _, a := range c.ListenAddresses {
		args = append(args, "--listen-address="+a)
	}
	for _, r := range c.DHCPRanges {
		args = append(args, "--dhcp-range="+r)
	}
	for _, o := range c.DHCPOptions {
		args = append(args, "--dhcp-option-force="+o)
	}
	if c.RA {
		args = append(args, "--enable-ra")
	}
	if c.DisableDNS {
		args = append(args, "--port=0")
	}
	if c.Domain != "" && !c.DisableDNS {
		args = append(args,
			"--domain="+c.Domain,
			fmt.Sprintf("--local=/%s/", c.Domain),
			fmt.Sprintf("--interface-name=_gateway.%s,%s", c.Domain, c.Interface))
	}
	if c.IgnoreClientNames {
		args = append(args, "--dhcp-ignore-names")
	}
	if !c.Upstream {
		args = append(args, "--no-resolv")
	}
	return args
}

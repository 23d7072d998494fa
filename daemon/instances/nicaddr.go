package instances

import (
	"context"
	"fmt"
	"net"
	"sort"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// Static addresses of bridged NICs on managed networks, checked as LXD
// 5.0.2 does: at validation the address must fit the network (DHCP on,
// inside its subnet, not its gateway); when a NIC is added, no other NIC
// on the network may have the same MAC or static address.

// checkNICAddresses runs the validation rules on every NIC of rec with
// network=<managed bridge> and a static address.
func (s *Service) checkNICAddresses(ctx context.Context, rec *record) error {
	if s.o.Networks == nil {
		return nil
	}
	names := make([]string, 0, len(rec.expDevices))
	for name := range rec.expDevices {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		dev := rec.expDevices[name]
		if dev["ipv4.address"] == "" && dev["ipv6.address"] == "" {
			continue
		}
		network := s.nicManagedBridge(ctx, rec.row.Project, dev)
		if network == "" {
			continue // not on a managed bridge: the device validation decides
		}
		n, err := s.o.Networks.NICNetwork(ctx, rec.row.Project, network)
		if err != nil {
			return err
		}
		if err := staticAddressRules(network, dev, n.Config); err != nil {
			return api.BadRequest("Invalid devices: Device validation failed for %q: %s", name, err)
		}
	}
	return nil
}

// staticAddressRules checks a NIC's ipv4.address / ipv6.address against
// its network's config.
func staticAddressRules(network string, dev, netCfg map[string]string) error {
	for _, family := range []string{"ipv4", "ipv6"} {
		addr := dev[family+".address"]
		if addr == "" {
			continue
		}
		gw, subnet, cidrErr := net.ParseCIDR(netCfg[family+".address"])
		dhcp := cidrErr == nil && (netCfg[family+".dhcp"] == "" || config.ParseBool(netCfg[family+".dhcp"]))
		filtering := config.ParseBool(dev["security."+family+"_filtering"])
		if family == "ipv4" && !dhcp && !filtering {
			return fmt.Errorf(`Cannot specify "ipv4.address" when DHCP is disabled (unless using security.ipv4_filtering) on network %q`, network)
		}
		if family == "ipv6" && (!dhcp || !config.ParseBool(netCfg["ipv6.dhcp.stateful"])) && !filtering {
			return fmt.Errorf(`Cannot specify "ipv6.address" when DHCP or "ipv6.dhcp.stateful" are disabled (unless using security.ipv6_filtering) on network %q`, network)
		}
		if cidrErr != nil {
			continue // "none" (filtering only): nothing to compare with
		}
		ip := net.ParseIP(addr)
		if ip == nil || !subnet.Contains(ip) {
			return fmt.Errorf("Device IP address %q not within network %q subnet", addr, network)
		}
		if ip.Equal(gw) {
			return fmt.Errorf("IP address %q is assigned to parent managed network device %q", addr, dev["parent"])
		}
	}
	return nil
}

// addressConflict refuses NIC dev of rec when another instance's NIC on
// the same managed bridge has its MAC or one of its static addresses
// (LXD's add validation).
func (s *Service) addressConflict(ctx context.Context, rec *record, dev, phase string) error {
	network := s.nicManagedBridge(ctx, rec.row.Project, rec.expDevices[dev])
	if network == "" {
		return nil
	}
	cfg := rec.expDevices[dev]
	ours := nicMAC(cfg["hwaddr"], rec.row.Config["volatile."+dev+".hwaddr"])
	var users []db.DeviceUser
	netProject := map[string]string{}
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		projects, err := tx.Projects(ctx)
		if err != nil {
			return err
		}
		for _, p := range projects {
			netProject[p.Name] = "default"
			if p.Name != "default" && config.ParseBool(p.Config["features.networks"]) {
				netProject[p.Name] = p.Name
			}
		}
		users, err = tx.DeviceUsers(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Kind != db.DeviceUserInstance || netProject[u.Project] != netProject[rec.row.Project] ||
			(u.Project == rec.row.Project && u.Name == rec.row.Name) {
			continue
		}
		for other, od := range u.Devices {
			if od["type"] != "nic" || (od["network"] != network && od["parent"] != network) || s.nicManagedBridge(ctx, u.Project, od) != network {
				continue
			}
			if mac := nicMAC(od["hwaddr"], u.Config["volatile."+other+".hwaddr"]); ours != nil && mac != nil && mac.String() == ours.String() {
				return api.Conflict("Failed %s validation for device %q: MAC address %q already defined on another NIC", phase, dev, mac.String())
			}
			for _, key := range []string{"ipv4.address", "ipv6.address"} {
				a, b := net.ParseIP(cfg[key]), net.ParseIP(od[key])
				if a != nil && b != nil && a.Equal(b) {
					return api.Conflict("Failed %s validation for device %q: IP address %q already defined on another NIC", phase, dev, b.String())
				}
			}
		}
	}
	return nil
}

// nicMAC is the NIC's configured MAC, else its volatile one (nil if none).
func nicMAC(hwaddr, volatile string) net.HardwareAddr {
	for _, v := range []string{hwaddr, volatile} {
		if mac, err := net.ParseMAC(v); err == nil {
			return mac
		}
	}
	return nil
}

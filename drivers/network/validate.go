package network

import (
	"bytes"
	"fmt"
	"math/big"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/shared/config"
)

// IsInterfaceName accepts a valid Linux interface name (1-15 characters).
func IsInterfaceName(v string) error { return iproute.ValidName(v) }

// IsMTU accepts 1280..16384, LXD's range for network MTUs.
func IsMTU(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1280 || n > 16384 {
		return fmt.Errorf("Out of MTU range (1280-16384) %q", v)
	}
	return nil
}

// IsVLAN accepts a VLAN ID 0..4094.
func IsVLAN(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 4094 {
		return fmt.Errorf("Invalid VLAN ID %q", v)
	}
	return nil
}

// IsHostAddressCIDR returns a validator for an address with prefix of one
// family ("10.0.0.1/24", 4 or 6) that is neither the network nor (IPv4) the
// broadcast address.
func IsHostAddressCIDR(family int) config.Validator {
	return func(v string) error {
		ip, subnet, err := net.ParseCIDR(v)
		if err != nil {
			return err // LXD's wording: "invalid CIDR address: <v>"
		}
		if familyOf(ip) != family {
			return fmt.Errorf("Not an IPv%d address in CIDR notation %q", family, v)
		}
		if ip.Equal(subnet.IP) {
			return fmt.Errorf("Not a usable IPv%d address %q (network address)", family, v)
		}
		if family == 4 {
			ones, bits := subnet.Mask.Size()
			if ones < bits-1 && ip.Equal(Broadcast(subnet)) {
				return fmt.Errorf("Not a usable IPv4 address %q (broadcast address)", v)
			}
		}
		return nil
	}
}

// IsSubnet returns a validator for a network in CIDR notation of one family
// ("10.0.0.0/24"); host bits must be zero.
func IsSubnet(family int) config.Validator {
	return func(v string) error {
		ip, subnet, err := net.ParseCIDR(v)
		if err != nil || familyOf(ip) != family {
			return fmt.Errorf("Not an IPv%d network in CIDR notation %q", family, v)
		}
		if !ip.Equal(subnet.IP) {
			return fmt.Errorf("Not an IPv%d network address %q (host bits set)", family, v)
		}
		return nil
	}
}

// IsAddress returns a validator for a single address of one family.
func IsAddress(family int) config.Validator {
	return func(v string) error {
		ip := net.ParseIP(v)
		if ip == nil || familyOf(ip) != family {
			return fmt.Errorf("Not an IPv%d address %q", family, v)
		}
		return nil
	}
}

// IsRangeList returns a validator for "start-end[,start-end...]" of one family.
func IsRangeList(family int) config.Validator {
	return func(v string) error {
		_, err := ParseRanges(v, family)
		return err
	}
}

// IPRange is an inclusive address range.
type IPRange struct{ Start, End net.IP }

// ParseRanges parses "a-b,c-d" ranges of one family.
func ParseRanges(v string, family int) ([]IPRange, error) {
	var out []IPRange
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		parts := strings.SplitN(item, "-", 2)
		if len(parts) != 2 {
			return nil, fmt.Errorf("IP range %q must be two addresses separated by '-'", item)
		}
		start, end := net.ParseIP(strings.TrimSpace(parts[0])), net.ParseIP(strings.TrimSpace(parts[1]))
		if start == nil || end == nil || familyOf(start) != family || familyOf(end) != family {
			return nil, fmt.Errorf("Invalid IPv%d range %q", family, item)
		}
		if bytes.Compare(normalise(start), normalise(end)) > 0 {
			return nil, fmt.Errorf("IP range %q ends before it starts", item)
		}
		out = append(out, IPRange{Start: start, End: end})
	}
	return out, nil
}

var expiryRe = regexp.MustCompile(`^([0-9]+[smhdw]?|infinite)$`)

// IsLeaseExpiry accepts a dnsmasq lease time ("1h", "45m", "3600", "infinite").
func IsLeaseExpiry(v string) error {
	if !expiryRe.MatchString(v) {
		return fmt.Errorf("Invalid lease expiry %q", v)
	}
	return nil
}

// familyOf returns 4 or 6.
func familyOf(ip net.IP) int {
	if ip.To4() != nil {
		return 4
	}
	return 6
}

// FamilyOf returns 4 or 6 for an address.
func FamilyOf(ip net.IP) int { return familyOf(ip) }

func normalise(ip net.IP) net.IP {
	if v4 := ip.To4(); v4 != nil {
		return v4
	}
	return ip.To16()
}

// Broadcast returns the last address of subnet.
func Broadcast(subnet *net.IPNet) net.IP {
	ip := normalise(subnet.IP)
	out := make(net.IP, len(ip))
	mask := subnet.Mask
	if len(mask) != len(ip) {
		mask = mask[len(mask)-len(ip):]
	}
	for i := range ip {
		out[i] = ip[i] | ^mask[i]
	}
	return out
}

// NthAddress returns the n-th address of subnet (n >= 0 from the start, n < 0
// from the end: -1 is the last).
func NthAddress(subnet *net.IPNet, n int64) net.IP {
	base := normalise(subnet.IP)
	v := new(big.Int).SetBytes(base)
	if n < 0 {
		v.SetBytes(Broadcast(subnet))
		n++
	}
	v.Add(v, big.NewInt(n))
	out := make(net.IP, len(base))
	v.FillBytes(out)
	return out
}

// Overlaps reports whether two subnets share any address.
func Overlaps(a, b *net.IPNet) bool {
	return a.Contains(b.IP) || b.Contains(a.IP)
}

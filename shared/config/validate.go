package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/units"
)

// Validator checks one value.
type Validator func(string) error

// IsAny accepts every value.
func IsAny(string) error { return nil }

// IsBool accepts the boolean spellings LXD accepts.
func IsBool(v string) error {
	switch strings.ToLower(v) {
	case "true", "false", "1", "0", "yes", "no", "on", "off":
		return nil
	}
	return fmt.Errorf("Invalid value for a boolean %q", v)
}

// ParseBool interprets a value that passed IsBool; anything else is false.
func ParseBool(v string) bool {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}

// IsInt64 accepts any decimal 64-bit integer.
func IsInt64(v string) error {
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return fmt.Errorf("invalid integer")
	}
	return nil
}

// IsUint32 accepts 0..2^32-1.
func IsUint32(v string) error {
	if _, err := strconv.ParseUint(v, 10, 32); err != nil {
		return fmt.Errorf("Invalid value for uint32 %q: %w", v, err)
	}
	return nil
}

// IsUint64 accepts any non-negative 64-bit integer.
func IsUint64(v string) error {
	if _, err := strconv.ParseUint(v, 10, 64); err != nil {
		return fmt.Errorf("Invalid value for uint64 %q: %w", v, err)
	}
	return nil
}

// IsIntRange returns a validator for integers in [min, max].
func IsIntRange(min, max int64) Validator {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid integer")
		}
		if n < min || n > max {
			return fmt.Errorf("Value must be between %d and %d", min, max)
		}
		return nil
	}
}

// IsPriority accepts 0..10 (boot and stop priorities use this range).
func IsPriority(v string) error { return IsIntRange(0, 10)(v) }

// IsOneOf accepts exactly one of the listed values.
func IsOneOf(valid ...string) Validator {
	return func(v string) error {
		for _, ok := range valid {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("Invalid value %q (not one of %s)", v, strings.Join(valid, ", "))
	}
}

// IsSize accepts a byte size such as "10GiB" or "512".
func IsSize(v string) error {
	_, err := units.ParseByteSize(v)
	return err
}

// IsSizeOrPercent accepts a byte size or a percentage ("50%").
func IsSizeOrPercent(v string) error {
	if strings.HasSuffix(v, "%") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil || n <= 0 || n > 100 {
			return fmt.Errorf("Invalid percentage %q", v)
		}
		return nil
	}
	return IsSize(v)
}

// IsBitRate accepts a network rate such as "100Mbit".
func IsBitRate(v string) error {
	_, err := units.ParseBitSize(v)
	return err
}

// IsListenAddress accepts "host", "host:port", ":port" or "[v6]:port"; the
// host must be an IP or resolve.
func IsListenAddress(v string) error {
	host := v
	if h, port, err := net.SplitHostPort(v); err == nil {
		host = h
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return fmt.Errorf("Invalid port %q", port)
		}
	} else if strings.Count(v, ":") == 1 {
		return err
	}
	host = strings.Trim(host, "[]")
	if host == "" || net.ParseIP(host) != nil {
		return nil
	}
	if _, err := net.LookupHost(host); err != nil {
		return fmt.Errorf("Couldn't resolve %q", host)
	}
	return nil
}

// IsIP accepts an IPv4 or IPv6 address.
func IsIP(v string) error {
	if net.ParseIP(v) == nil {
		return fmt.Errorf("Not an IP address %q", v)
	}
	return nil
}

// IsIPv4 accepts a dotted IPv4 address.
func IsIPv4(v string) error {
	ip := net.ParseIP(v)
	if ip == nil || ip.To4() == nil {
		return fmt.Errorf("Not an IPv4 address %q", v)
	}
	return nil
}

// IsIPv6 accepts an IPv6 address.
func IsIPv6(v string) error {
	ip := net.ParseIP(v)
	if ip == nil || ip.To4() != nil {
		return fmt.Errorf("Not an IPv6 address %q", v)
	}
	return nil
}

// IsCIDR accepts an address in CIDR notation ("10.0.0.1/24").
func IsCIDR(v string) error {
	if _, _, err := net.ParseCIDR(v); err != nil {
		return fmt.Errorf("Not a CIDR address %q", v)
	}
	return nil
}

// IsNetworkMAC accepts a colon-separated MAC address.
func IsNetworkMAC(v string) error {
	if _, err := net.ParseMAC(v); err != nil || strings.Count(v, ":") != 5 {
		return fmt.Errorf("Invalid MAC address %q", v)
	}
	return nil
}

// IsList applies each element validator to a comma-separated list.
func IsList(each Validator) Validator {
	return func(v string) error {
		for _, item := range strings.Split(v, ",") {
			if err := each(strings.TrimSpace(item)); err != nil {
				return err
			}
		}
		return nil
	}
}

// Optional wraps validators so the empty value is accepted and all must pass.
func Optional(vs ...Validator) Validator {
	return func(v string) error {
		if v == "" {
			return nil
		}
		for _, f := range vs {
			if err := f(v); err != nil {
				return err
			}
		}
		return nil
	}
}

// IsNotEmpty refuses the empty value.
func IsNotEmpty(v string) error {
	if v == "" {
		return fmt.Errorf("Required value")
	}
	return nil
}

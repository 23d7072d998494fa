package instconfig

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/units"
)

// The validators below reproduce the error texts LXD 5.0.2 answers with
// (checked against the reference daemon), which differ from the generic
// ones in shared/config.

// isInt64 accepts any decimal 64-bit integer.
func isInt64(v string) error {
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return fmt.Errorf("Invalid value for an integer %q", v)
	}
	return nil
}

// isPriority accepts 0..10.
func isPriority(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("Invalid value for an integer %q", v)
	}
	if n < 0 || n > 10 {
		return fmt.Errorf("Invalid value for a limit %q. Must be between 0 and 10", v)
	}
	return nil
}

// isOneOf accepts one of valid, refusing with LXD's list rendering.
func isOneOf(valid ...string) config.Validator {
	return func(v string) error {
		for _, ok := range valid {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("Invalid value %q (not one of %v)", v, valid)
	}
}

// isSize accepts a byte size ("10GiB", "512MB", "1024").
func isSize(v string) error {
	if _, err := units.ParseByteSize(v); err != nil {
		return fmt.Errorf("Invalid value: %s", v)
	}
	return nil
}

// isSizeOrPercent accepts a byte size or an integer percentage ("50%").
func isSizeOrPercent(v string) error {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		if _, err := strconv.ParseUint(p, 10, 64); err != nil {
			return fmt.Errorf("Invalid value: %s", v)
		}
		return nil
	}
	return isSize(v)
}

// isCPULimit accepts a CPU count ("2") or a cpuset of ranges and lists
// ("0-3", "0,2", "1-2,5").
func isCPULimit(v string) error {
	for _, chunk := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(chunk, "-")
		if _, err := strconv.ParseUint(lo, 10, 32); err != nil {
			return fmt.Errorf("Invalid CPU limit syntax")
		}
		if isRange {
			if _, err := strconv.ParseUint(hi, 10, 32); err != nil {
				return fmt.Errorf("Invalid CPU limit syntax")
			}
		}
	}
	return nil
}

// CPUCount returns the number of CPUs a limits.cpu value stands for, and
// whether it is a plain count (project limits only aggregate counts).
func CPUCount(v string) (count int64, plain bool, err error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true, nil
	}
	if err := isCPULimit(v); err != nil {
		return 0, false, err
	}
	for _, chunk := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(chunk, "-")
		if !isRange {
			count++
			continue
		}
		a, _ := strconv.ParseInt(lo, 10, 64)
		b, _ := strconv.ParseInt(hi, 10, 64)
		if b >= a {
			count += b - a + 1
		}
	}
	return count, false, nil
}

var allowanceTime = regexp.MustCompile(`^([0-9]+)ms/([0-9]+)ms$`)

// isCPUAllowance accepts "50%" or "25ms/100ms".
func isCPUAllowance(v string) error {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		if _, err := strconv.ParseUint(p, 10, 64); err == nil {
			return nil
		}
		return fmt.Errorf("Invalid allowance: %s", v)
	}
	if !allowanceTime.MatchString(v) {
		return fmt.Errorf("Invalid allowance: %s", v)
	}
	return nil
}

var cronShortcuts = map[string]bool{
	"@hourly": true, "@daily": true, "@midnight": true, "@weekly": true, "@monthly": true,
	"@annually": true, "@yearly": true, "@startup": true,
}

var cronField = regexp.MustCompile(`^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)*$`)

// isSchedule accepts a cron expression with five fields or a shortcut,
// several of them separated by commas.
func isSchedule(v string) error {
	bad := fmt.Errorf("Schedule must be of the form: <minute> <hour> <day-of-month> <month> <day-of-week>")
	for _, sched := range splitSchedules(v) {
		if cronShortcuts[sched] {
			continue
		}
		fields := strings.Fields(sched)
		if len(fields) != 5 {
			return bad
		}
		for _, f := range fields {
			if !cronField.MatchString(f) {
				return bad
			}
		}
	}
	return nil
}

// splitSchedules splits "@daily, 0 6 * * *" into schedules; a comma inside
// a cron field ("0,30 * * * *") stays in it.
func splitSchedules(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ", ") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isUUID accepts a canonical UUID.
func isUUID(v string) error {
	if !uuidPattern.MatchString(v) {
		return fmt.Errorf("Invalid UUID")
	}
	return nil
}

// isYAMLMapping accepts a YAML document that is a mapping (cloud-init
// network configuration).
func isYAMLMapping(v string) error {
	var out map[string]any
	return yaml.Unmarshal([]byte(v), &out)
}

// isRawLXC refuses raw.lxc lines that would break the daemon's handling
// of the container: its log, ephemerality, rlimits and networking.
func isRawLXC(v string) error {
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimLeft(line, " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("Invalid raw.lxc line: %s", line)
		}
		if err := rawLXCKeyAllowed(strings.ToLower(strings.TrimSpace(k))); err != nil {
			return err
		}
	}
	return nil
}

func rawLXCKeyAllowed(key string) error {
	switch {
	case key == "lxc.logfile" || key == "lxc.log.file":
		return fmt.Errorf("Setting lxc.logfile is not allowed")
	case key == "lxc.syslog" || key == "lxc.log.syslog":
		return fmt.Errorf("Setting lxc.log.syslog is not allowed")
	case key == "lxc.ephemeral":
		return fmt.Errorf("Setting lxc.ephemeral is not allowed")
	case strings.HasPrefix(key, "lxc.prlimit."):
		return fmt.Errorf(`Process limits should be set via "limits.kernel.[limit name]" and not directly via "lxc.prlimit.[limit name]"`)
	case strings.HasPrefix(key, "lxc.net."):
		f := strings.Split(key, ".")
		// Only lxc.net.<n>.ipv4.address/gateway (and ipv6) are allowed.
		if len(f) == 5 && (f[3] == "ipv4" || f[3] == "ipv6") && (f[4] == "address" || f[4] == "gateway") {
			return nil
		}
		return fmt.Errorf("Only interface-specific ipv4/ipv6 lxc.net. keys are allowed")
	}
	return nil
}

// isUnixID accepts a uid or gid.
func isUnixID(v string) error {
	if _, err := strconv.ParseUint(v, 10, 32); err != nil {
		return fmt.Errorf("Invalid value for a UNIX ID")
	}
	return nil
}

// isDeviceNumber accepts a major or minor number.
func isDeviceNumber(v string) error {
	if _, err := strconv.ParseUint(v, 10, 32); err != nil {
		return fmt.Errorf("Invalid value for a UNIX device number")
	}
	return nil
}

// isFileMode accepts an octal permission mode ("0660", "660").
func isFileMode(v string) error {
	if n, err := strconv.ParseUint(v, 8, 32); err != nil || n > 0o7777 {
		return fmt.Errorf("Invalid value for an octal file mode")
	}
	return nil
}

var usbID = regexp.MustCompile(`^[0-9a-f]{4}$`)

// isUSBID accepts four lower-case hex digits (vendor and product ids).
func isUSBID(v string) error {
	if !usbID.MatchString(v) {
		return fmt.Errorf("Invalid value, must be four lower case hex characters")
	}
	return nil
}

var pciAddress = regexp.MustCompile(`^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-9a-fA-F]$`)

// isPCIAddress accepts "0000:00:01.0" or "00:01.0".
func isPCIAddress(v string) error {
	if !pciAddress.MatchString(v) {
		return fmt.Errorf("Invalid PCI address")
	}
	return nil
}

// isMTU accepts 1280..16384 (the range LXD allows on NICs).
func isMTU(v string) error {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < 1280 || n > 16384 {
		return fmt.Errorf("Invalid MTU %q", v)
	}
	return nil
}

// isMAC accepts a colon-separated 6-byte MAC address.
func isMAC(v string) error {
	if config.IsNetworkMAC(v) != nil {
		return fmt.Errorf("Invalid MAC address, must be 6 bytes of hex separated by colons")
	}
	return nil
}

// isRequired refuses the empty value with LXD's wording.
func isRequired(v string) error {
	if v == "" {
		return fmt.Errorf("Required value")
	}
	return nil
}

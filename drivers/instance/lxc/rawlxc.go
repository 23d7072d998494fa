package lxc

import (
	"fmt"
	"strings"
)

// rawLine is one "key = value" line of raw.lxc.
type rawLine struct {
	key, value string
}

// parseRawLXC splits raw.lxc into lines and refuses the keys LXD refuses
// (the driver owns logging, ephemerality, process limits, networking apart
// from per-interface addresses) plus the rootfs and the id map, which come
// from storage and security.idmap.* / raw.idmap.
func parseRawLXC(raw string) ([]rawLine, error) {
	var out []rawLine
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimLeft(line, " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("Invalid raw.lxc line: %s", line)
		}
		key := strings.ToLower(strings.Trim(k, " \t"))
		if err := checkRawKey(key); err != nil {
			return nil, err
		}
		out = append(out, rawLine{key: key, value: strings.Trim(v, " \t")})
	}
	return out, nil
}

func checkRawKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("Invalid raw.lxc line: missing key")
	case key == "lxc.logfile" || key == "lxc.log.file":
		return fmt.Errorf("Setting lxc.logfile is not allowed")
	case key == "lxc.syslog" || key == "lxc.log.syslog":
		return fmt.Errorf("Setting lxc.log.syslog is not allowed")
	case key == "lxc.ephemeral":
		return fmt.Errorf("Setting lxc.ephemeral is not allowed")
	case strings.HasPrefix(key, "lxc.prlimit."):
		return fmt.Errorf(`Process limits should be set via "limits.kernel.[limit name]" and not directly via "lxc.prlimit.[limit name]"`)
	case key == "lxc.rootfs" || strings.HasPrefix(key, "lxc.rootfs."):
		return fmt.Errorf("Setting %s is not allowed: the root filesystem comes from the instance's storage", key)
	case key == "lxc.idmap" || key == "lxc.id_map":
		return fmt.Errorf("Setting %s is not allowed: use raw.idmap or security.idmap.*", key)
	case strings.HasPrefix(key, "lxc.net."):
		fields := strings.Split(key, ".")
		if len(fields) == 5 && (fields[3] == "ipv4" || fields[3] == "ipv6") && (fields[4] == "address" || fields[4] == "gateway") {
			return nil
		}
		return fmt.Errorf("Only interface-specific ipv4/ipv6 lxc.net. keys are allowed")
	}
	return nil
}

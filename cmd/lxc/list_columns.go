package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/units"
)

// listColumn is one column of `lxc list`: its header and how to compute a
// cell. needsState/needsSnapshots decide whether the list needs
// recursion=2 (state and snapshots) or recursion=1 is enough.
type listColumn struct {
	name           string
	data           func(inst *api.InstanceFull) string
	needsState     bool
	needsSnapshots bool
}

const (
	defaultListColumns = "ns46tSL"
	fastListColumns    = "nsacPt"
)

// shorthandColumns maps LXD's column characters to columns. 'L' is only
// known on clusters (parseListColumns adds it).
func shorthandColumns() map[rune]listColumn {
	return map[rune]listColumn{
		'4': {name: "IPV4", data: func(i *api.InstanceFull) string { return instanceAddresses(i, "inet") }, needsState: true},
		'6': {name: "IPV6", data: func(i *api.InstanceFull) string { return instanceAddresses(i, "inet6") }, needsState: true},
		'a': {name: "ARCHITECTURE", data: func(i *api.InstanceFull) string { return i.Architecture }},
		'b': {name: "STORAGE POOL", data: storagePoolColumn},
		'c': {name: "CREATED AT", data: func(i *api.InstanceFull) string { return listTime(i.CreatedAt) }},
		'd': {name: "DESCRIPTION", data: func(i *api.InstanceFull) string { return i.Description }},
		'D': {name: "DISK USAGE", data: diskUsageColumn, needsState: true},
		'e': {name: "PROJECT", data: func(i *api.InstanceFull) string { return i.Project }},
		'f': {name: "BASE IMAGE", data: func(i *api.InstanceFull) string { return baseImage(i, 12) }},
		'F': {name: "BASE IMAGE", data: func(i *api.InstanceFull) string { return baseImage(i, -1) }},
		'l': {name: "LAST USED AT", data: func(i *api.InstanceFull) string { return listTime(i.LastUsedAt) }},
		'm': {name: "MEMORY USAGE", data: memoryColumn, needsState: true},
		'M': {name: "MEMORY USAGE%", data: memoryPercentColumn, needsState: true},
		'n': {name: "NAME", data: func(i *api.InstanceFull) string { return i.Name }},
		'N': {name: "PROCESSES", data: func(i *api.InstanceFull) string {
			return activeInt(i, func(s *api.InstanceState) int64 { return s.Processes })
		}, needsState: true},
		'p': {name: "PID", data: func(i *api.InstanceFull) string {
			return activeInt(i, func(s *api.InstanceState) int64 { return s.Pid })
		}, needsState: true},
		'P': {name: "PROFILES", data: func(i *api.InstanceFull) string { return strings.Join(i.Profiles, "\n") }},
		's': {name: "STATE", data: func(i *api.InstanceFull) string { return strings.ToUpper(i.Status) }},
		'S': {name: "SNAPSHOTS", data: func(i *api.InstanceFull) string { return strconv.Itoa(len(i.Snapshots)) }, needsSnapshots: true},
		't': {name: "TYPE", data: typeColumn},
		'u': {name: "CPU USAGE", data: cpuColumn, needsState: true},
	}
}

// parseListColumns reads the -c spec: runs of shorthand characters, or
// "[config:|devices:]key[:name][:maxWidth]" entries, comma separated.
func parseListColumns(spec string, fast, clustered bool) ([]listColumn, bool, error) {
	if fast {
		if spec != defaultListColumns {
			return nil, false, fmt.Errorf("Can't specify --fast with --columns")
		}
		spec = fastListColumns
	}
	shorthand := shorthandColumns()
	if clustered {
		shorthand['L'] = listColumn{name: "LOCATION", data: func(i *api.InstanceFull) string { return i.Location }}
	} else {
		if spec != defaultListColumns && strings.Contains(spec, "L") {
			return nil, false, fmt.Errorf("Can't specify column L when not clustered")
		}
		spec = strings.ReplaceAll(spec, "L", "")
	}
	var columns []listColumn
	needsData := false
	for _, entry := range strings.Split(spec, ",") {
		if entry == "" {
			return nil, false, fmt.Errorf("Empty column entry (redundant, leading or trailing command) in '%s'", spec)
		}
		if !strings.Contains(entry, ".") {
			for _, r := range entry {
				col, ok := shorthand[r]
				if !ok {
					return nil, false, fmt.Errorf("Unknown column shorthand char '%c' in '%s'", r, entry)
				}
				columns = append(columns, col)
				needsData = needsData || col.needsState || col.needsSnapshots
			}
			continue
		}
		col, err := parseKeyColumn(entry)
		if err != nil {
			return nil, false, err
		}
		columns = append(columns, col)
	}
	return columns, needsData, nil
}

// parseKeyColumn reads "[config:|devices:]key[:name][:maxWidth]".
func parseKeyColumn(entry string) (listColumn, error) {
	fields := strings.Split(entry, ":")
	kind := "config"
	if (fields[0] == "config" || fields[0] == "devices") && len(fields) > 1 {
		kind, fields = fields[0], fields[1:]
	}
	if len(fields) > 3 {
		return listColumn{}, fmt.Errorf("Invalid config key column format (too many fields): '%s'", entry)
	}
	key := fields[0]
	if kind == "config" && !knownInstanceKey(key) {
		return listColumn{}, fmt.Errorf("Invalid config key '%s' in '%s'", key, entry)
	}
	col := listColumn{name: key}
	if len(fields) > 1 {
		if fields[1] == "" && len(fields) != 3 {
			return listColumn{}, fmt.Errorf("Invalid name in '%s', empty string is only allowed when defining maxWidth", entry)
		}
		col.name = fields[1]
	}
	maxWidth := -1
	if len(fields) > 2 {
		n, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			return listColumn{}, fmt.Errorf("Invalid max width (must be an integer) '%s' in '%s'", fields[2], entry)
		}
		if n < -1 {
			return listColumn{}, fmt.Errorf("Invalid max width (must -1, 0 or a positive integer) '%s' in '%s'", fields[2], entry)
		}
		maxWidth = int(n)
		if n == 0 {
			maxWidth = len(col.name)
		}
	}
	truncate := func(v string) string {
		if maxWidth > 0 && len(v) > maxWidth {
			return v[:maxWidth]
		}
		return v
	}
	if kind == "config" {
		col.data = func(i *api.InstanceFull) string {
			v, ok := i.Config[key]
			if !ok {
				v = i.ExpandedConfig[key]
			}
			return truncate(v)
		}
		return col, nil
	}
	col.data = func(i *api.InstanceFull) string {
		dev, k, ok := strings.Cut(key, ".")
		if !ok || strings.Contains(k, ".") {
			return ""
		}
		v, ok := i.Devices[dev][k]
		if !ok {
			v = i.ExpandedDevices[dev][k]
		}
		return truncate(v)
	}
	return col, nil
}

// listHeader is a column's title: config key columns are shown upper-cased
// with dots as spaces ("image.os" -> "IMAGE OS"), like the shorthands.
func listHeader(col listColumn) string {
	return strings.ToUpper(strings.ReplaceAll(col.name, ".", " "))
}

// isActive mirrors LXD's InstanceFull.IsActive: anything not stopped or
// in error has live state worth showing.
func isActive(i *api.InstanceFull) bool {
	return i.StatusCode != api.Stopped && i.StatusCode != api.Error
}

func instanceAddresses(i *api.InstanceFull, family string) string {
	if !isActive(i) || i.State == nil {
		return ""
	}
	var out []string
	for nic, n := range i.State.Network {
		if n.Type == "loopback" {
			continue
		}
		for _, addr := range n.Addresses {
			if addr.Scope == "link" || addr.Scope == "local" || addr.Family != family {
				continue
			}
			out = append(out, fmt.Sprintf("%s (%s)", addr.Address, nic))
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return strings.Join(out, "\n")
}

func storagePoolColumn(i *api.InstanceFull) string {
	for _, dev := range i.ExpandedDevices {
		if dev["type"] == "disk" && dev["path"] == "/" {
			return dev["pool"]
		}
	}
	return ""
}

// rootDiskName is the name of the instance's root disk device.
func rootDiskName(devices map[string]map[string]string) string {
	for name, dev := range devices {
		if dev["type"] == "disk" && dev["path"] == "/" && dev["source"] == "" {
			return name
		}
	}
	return ""
}

func diskUsageColumn(i *api.InstanceFull) string {
	if i.State == nil || i.State.Disk == nil {
		return ""
	}
	if usage := i.State.Disk[rootDiskName(i.ExpandedDevices)].Usage; usage > 0 {
		return units.FormatByteSize(usage)
	}
	return ""
}

func memoryColumn(i *api.InstanceFull) string {
	if isActive(i) && i.State != nil && i.State.Memory.Usage > 0 {
		return units.FormatByteSize(i.State.Memory.Usage)
	}
	return ""
}

func memoryPercentColumn(i *api.InstanceFull) string {
	if !isActive(i) || i.State == nil || i.State.Memory.Usage <= 0 {
		return ""
	}
	limit := i.ExpandedConfig["limits.memory"]
	if limit == "" || strings.Contains(limit, "%") {
		return ""
	}
	n, err := units.ParseByteSize(limit)
	if err != nil || n <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%%", float64(i.State.Memory.Usage)/float64(n)*100)
}

func cpuColumn(i *api.InstanceFull) string {
	if isActive(i) && i.State != nil && i.State.CPU.Usage > 0 {
		return fmt.Sprintf("%ds", i.State.CPU.Usage/1000000000)
	}
	return ""
}

func activeInt(i *api.InstanceFull, get func(*api.InstanceState) int64) string {
	if isActive(i) && i.State != nil {
		return strconv.FormatInt(get(i.State), 10)
	}
	return ""
}

func typeColumn(i *api.InstanceFull) string {
	t := strings.ToUpper(i.Type)
	if t == "" {
		t = "CONTAINER"
	}
	if i.Ephemeral {
		t += " (EPHEMERAL)"
	}
	return t
}

func baseImage(i *api.InstanceFull, n int) string {
	v, ok := i.Config["volatile.base_image"]
	if !ok {
		return ""
	}
	if n > 0 && len(v) > n {
		return v[:n]
	}
	return v
}

// listTime formats a timestamp as LXD's list does; unset times are blank.
func listTime(t time.Time) string {
	if t.IsZero() || t.Unix() <= 0 {
		return ""
	}
	return t.Local().Format("2006/01/02 15:04 MST")
}

// instanceKeys are the instance config keys LXD 5.0.2 knows (a "*" stands
// for any text): a config column must name one of them.
var instanceKeys = strings.Fields(`agent.nic_config boot.autostart boot.autostart.delay boot.autostart.priority
boot.host_shutdown_timeout boot.stop.priority cloud-init.network-config cloud-init.user-data
cloud-init.vendor-data cluster.evacuate environment.* image.* limits.cpu limits.cpu.allowance
limits.cpu.priority limits.disk.priority limits.kernel.* limits.memory limits.memory.enforce
limits.memory.hugepages limits.memory.swap limits.memory.swap.priority limits.network.priority
limits.processes linux.kernel_modules linux.sysctl.* migration.incremental.memory
migration.incremental.memory.goal migration.incremental.memory.iterations migration.stateful
nvidia.driver.capabilities nvidia.require.cuda nvidia.require.driver nvidia.runtime raw.apparmor
raw.idmap raw.lxc raw.qemu raw.qemu.conf raw.seccomp security.agent.metrics security.devlxd
security.devlxd.images security.idmap.base security.idmap.isolated security.idmap.size
security.nesting security.privileged security.protection.delete security.protection.shift
security.secureboot security.syscalls.* snapshots.expiry snapshots.pattern snapshots.schedule
snapshots.schedule.stopped user.* volatile.*`)

func knownInstanceKey(key string) bool {
	for _, pattern := range instanceKeys {
		prefix, suffix, wild := strings.Cut(pattern, "*")
		if !wild && key == pattern {
			return true
		}
		if wild && len(key) > len(prefix)+len(suffix) && strings.HasPrefix(key, prefix) && strings.HasSuffix(key, suffix) {
			return true
		}
	}
	return false
}

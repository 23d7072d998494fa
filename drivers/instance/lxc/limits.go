package lxc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/units"
)

// cgroupItem is one cgroup file value of a container.
type cgroupItem struct {
	controller string
	file       string // "memory.limit_in_bytes"
	value      string
}

// limitOpts says whether limits left unset produce their kernel default
// ("reset": live updates, where a removed key must undo what it set) or
// nothing (start, where the cgroup is fresh).
type limitOpts struct {
	reset bool
}

// limitItems converts the limits.* keys of an expanded config into cgroup
// file values for this host's hierarchy layout.
func limitItems(cfg map[string]string, h host, o limitOpts) ([]cgroupItem, error) {
	var items []cgroupItem
	for _, f := range []func(map[string]string, host, limitOpts) ([]cgroupItem, error){
		memoryItems, cpuItems, cpusetItems, pidsItems, hugepagesItems,
	} {
		more, err := f(cfg, h, o)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	return items, nil
}

// memoryItems implements limits.memory, .enforce, .swap, .swap.priority.
// Hard: the limit, with a soft limit at 90% so reclaim starts before the
// OOM killer (what LXD does); soft: only the soft limit. No swap: the
// cgroup's swappiness is 0; else 60-10+priority when a priority is set.
func memoryItems(cfg map[string]string, h host, o limitOpts) ([]cgroupItem, error) {
	if _, ok := h.cgroupKey("memory", "memory"); !ok {
		return nil, nil
	}
	limit, err := parseMemory(cfg["limits.memory"], h.memory)
	if err != nil {
		return nil, err
	}
	soft := cfg["limits.memory.enforce"] == "soft"
	var items []cgroupItem
	add := func(file, value string) { items = append(items, cgroupItem{"memory", file, value}) }
	if h.isV2("memory") {
		max, high := "max", "max"
		switch {
		case limit > 0 && soft:
			high = strconv.FormatInt(limit, 10)
		case limit > 0:
			max = strconv.FormatInt(limit, 10)
		}
		if limit > 0 || o.reset {
			add("memory.max", max)
			add("memory.high", high)
		}
		if cfg["limits.memory.swap"] != "" && !config.ParseBool(cfg["limits.memory.swap"]) {
			add("memory.swap.max", "0")
		} else if o.reset {
			add("memory.swap.max", "max")
		}
		return items, nil
	}
	hard, softLimit := "-1", "-1"
	switch {
	case limit > 0 && soft:
		softLimit = strconv.FormatInt(limit, 10)
	case limit > 0:
		hard = strconv.FormatInt(limit, 10)
		softLimit = strconv.FormatInt(limit*9/10, 10)
	}
	if limit > 0 || o.reset {
		add("memory.limit_in_bytes", hard)
		add("memory.soft_limit_in_bytes", softLimit)
	}
	swappiness, err := swappiness(cfg)
	if err != nil {
		return nil, err
	}
	if swappiness >= 0 || o.reset {
		if swappiness < 0 {
			swappiness = 60
		}
		add("memory.swappiness", strconv.Itoa(swappiness))
	}
	return items, nil
}

// swappiness returns the v1 swappiness the swap keys ask for, -1 if none.
func swappiness(cfg map[string]string) (int, error) {
	if v := cfg["limits.memory.swap"]; v != "" && !config.ParseBool(v) {
		return 0, nil
	}
	p := cfg["limits.memory.swap.priority"]
	if p == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 10 {
		return 0, fmt.Errorf("Invalid limits.memory.swap.priority %q", p)
	}
	return 60 - 10 + n, nil
}

// parseMemory reads limits.memory: a byte size or a percentage of the host's
// memory. 0 means no limit.
func parseMemory(v string, hostMemory int64) (int64, error) {
	if v == "" {
		return 0, nil
	}
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.ParseFloat(pct, 64)
		if err != nil || n <= 0 || n > 100 {
			return 0, fmt.Errorf("Invalid limits.memory %q", v)
		}
		return int64(float64(hostMemory) * n / 100), nil
	}
	n, err := units.ParseByteSize(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("Invalid limits.memory %q", v)
	}
	return n, nil
}

// cpuItems implements limits.cpu.allowance and limits.cpu.priority with
// LXD's arithmetic: a percentage gives 1024*pct/100 shares, a time slice
// ("25ms/100ms") a CFS quota and period with full shares; each priority
// step below 10 takes one share away.
func cpuItems(cfg map[string]string, h host, o limitOpts) ([]cgroupItem, error) {
	allowance, priority := cfg["limits.cpu.allowance"], cfg["limits.cpu.priority"]
	if allowance == "" && priority == "" && !o.reset {
		return nil, nil
	}
	if _, ok := h.cgroupKey("cpu", "cpu"); !ok {
		return nil, nil
	}
	shares, quota, period, err := parseCPUAllowance(allowance, priority)
	if err != nil {
		return nil, err
	}
	if h.isV2("cpu") {
		weight := shares * 100 / 1024
		if weight < 1 {
			weight = 1
		}
		max := "max"
		if quota > 0 {
			max = strconv.FormatInt(quota, 10)
		}
		return []cgroupItem{
			{"cpu", "cpu.weight", strconv.FormatInt(weight, 10)},
			{"cpu", "cpu.max", fmt.Sprintf("%s %d", max, period)},
		}, nil
	}
	return []cgroupItem{
		{"cpu", "cpu.shares", strconv.FormatInt(shares, 10)},
		{"cpu", "cpu.cfs_period_us", strconv.FormatInt(period, 10)},
		{"cpu", "cpu.cfs_quota_us", strconv.FormatInt(quota, 10)},
	}, nil
}

// parseCPUAllowance returns shares, CFS quota (-1: none) and period, in µs.
func parseCPUAllowance(allowance, priority string) (shares, quota, period int64, err error) {
	prio := int64(10)
	if priority != "" {
		if prio, err = strconv.ParseInt(priority, 10, 64); err != nil || prio < 0 || prio > 10 {
			return 0, 0, 0, fmt.Errorf("Invalid limits.cpu.priority %q", priority)
		}
	}
	shares, quota, period = 1024, -1, 100000
	switch {
	case allowance == "":
	case strings.HasSuffix(allowance, "%"):
		pct, perr := strconv.ParseInt(strings.TrimSuffix(allowance, "%"), 10, 64)
		if perr != nil || pct < 0 || pct > 100 {
			return 0, 0, 0, fmt.Errorf("Invalid limits.cpu.allowance %q", allowance)
		}
		shares = 1024 * pct / 100
	default:
		q, p, ok := strings.Cut(allowance, "/")
		quotaMs, err1 := strconv.ParseInt(strings.TrimSuffix(q, "ms"), 10, 64)
		periodMs, err2 := strconv.ParseInt(strings.TrimSuffix(p, "ms"), 10, 64)
		if !ok || err1 != nil || err2 != nil || quotaMs <= 0 || periodMs <= 0 {
			return 0, 0, 0, fmt.Errorf("Invalid limits.cpu.allowance %q", allowance)
		}
		quota, period = quotaMs*1000, periodMs*1000
	}
	shares -= 10 - prio
	if shares < 2 {
		shares = 2 // the kernel's minimum
	}
	return shares, quota, period, nil
}

// cpusetItems implements limits.cpu.
func cpusetItems(cfg map[string]string, h host, o limitOpts) ([]cgroupItem, error) {
	if _, ok := h.cgroupKey("cpuset", "cpuset"); !ok {
		return nil, nil
	}
	v := cfg["limits.cpu"]
	if v == "" && !o.reset {
		return nil, nil
	}
	set, err := parseCPUSet(v, h.cpus)
	if err != nil {
		return nil, err
	}
	return []cgroupItem{{"cpuset", "cpuset.cpus", set}}, nil
}

// parseCPUSet reads limits.cpu: a count N (the first N CPUs: the daemon may
// balance instances by passing explicit sets instead), or a list of CPUs
// and ranges ("0-3", "0,2", "1-2,5"). "" is every CPU.
func parseCPUSet(v string, ncpu int) (string, error) {
	all := "0"
	if ncpu > 1 {
		all = fmt.Sprintf("0-%d", ncpu-1)
	}
	if v == "" {
		return all, nil
	}
	if !strings.ContainsAny(v, ",-") {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return "", fmt.Errorf("Invalid limits.cpu %q", v)
		}
		switch {
		case n >= ncpu:
			return all, nil
		case n == 1:
			return "0", nil
		}
		return fmt.Sprintf("0-%d", n-1), nil
	}
	for _, part := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a {
			return "", fmt.Errorf("Invalid limits.cpu %q", v)
		}
		if b >= ncpu {
			return "", fmt.Errorf("Invalid limits.cpu %q: the host has %d CPUs", v, ncpu)
		}
	}
	return v, nil
}

// pidsItems implements limits.processes.
func pidsItems(cfg map[string]string, h host, o limitOpts) ([]cgroupItem, error) {
	v := cfg["limits.processes"]
	if _, ok := h.cgroupKey("pids", "pids"); !ok || (v == "" && !o.reset) {
		return nil, nil
	}
	if v == "" {
		return []cgroupItem{{"pids", "pids.max", "max"}}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("Invalid limits.processes %q", v)
	}
	return []cgroupItem{{"pids", "pids.max", v}}, nil
}

// hugepageSizes are LXD's limits.hugepages.<size> suffixes, which are also
// the kernel's hugetlb cgroup file infixes.
var hugepageSizes = []string{"64KB", "1MB", "2MB", "1GB"}

// hugepagesItems implements limits.hugepages.*.
func hugepagesItems(cfg map[string]string, h host, o limitOpts) ([]cgroupItem, error) {
	var items []cgroupItem
	for _, size := range hugepageSizes {
		v := cfg["limits.hugepages."+size]
		if v == "" && !o.reset {
			continue
		}
		_, haveController := h.cgroupKey("hugetlb", "hugetlb")
		if !haveController || !h.hugepages[size] {
			if v != "" {
				return nil, fmt.Errorf("limits.hugepages.%s: this host has no %s hugepages or no hugetlb cgroup controller", size, size)
			}
			continue
		}
		value := "-1"
		if h.isV2("hugetlb") {
			value = "max"
		}
		if v != "" {
			n, err := units.ParseByteSize(v)
			if err != nil {
				return nil, fmt.Errorf("Invalid limits.hugepages.%s %q", size, v)
			}
			value = strconv.FormatInt(n, 10)
		}
		file := "hugetlb." + size + ".limit_in_bytes"
		if h.isV2("hugetlb") {
			file = "hugetlb." + size + ".max"
		}
		items = append(items, cgroupItem{"hugetlb", file, value})
	}
	return items, nil
}

// prlimitNames are the resources limits.kernel.* may name (setrlimit(2)
// without the RLIMIT_ prefix, lower case).
var prlimitNames = map[string]bool{
	"as": true, "core": true, "cpu": true, "data": true, "fsize": true, "locks": true, "memlock": true,
	"msgqueue": true, "nice": true, "nofile": true, "nproc": true, "rss": true, "rtprio": true,
	"rttime": true, "sigpending": true, "stack": true,
}

// validPrlimit checks a limits.kernel.* value: "unlimited", N, or "soft:hard".
func validPrlimit(v string) error {
	for _, part := range strings.SplitN(v, ":", 2) {
		if part == "unlimited" {
			continue
		}
		if _, err := strconv.ParseUint(part, 10, 64); err != nil {
			return fmt.Errorf("Invalid process limit %q", v)
		}
	}
	return nil
}

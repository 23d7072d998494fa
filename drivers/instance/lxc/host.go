package lxc

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// cgroupRoot is where the cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// host is what the driver learns about the machine once, in New.
type host struct {
	// v1 maps a controller to its v1 hierarchy directory; controllers only
	// in the unified hierarchy are in v2.
	v1 map[string]string
	// unified is the cgroup2 mount ("/sys/fs/cgroup/unified" on a hybrid
	// host, "/sys/fs/cgroup" on a pure v2 one; "" when absent).
	unified string
	v2      map[string]bool
	cpus    int
	memory  int64 // bytes of RAM, for limits.memory percentages
	// hugepages holds the hugepage sizes the kernel offers, in LXD's
	// names ("2MB", "1GB").
	hugepages map[string]bool
}

func detectHost() host {
	h := host{v1: map[string]string{}, v2: map[string]bool{}, cpus: runtime.NumCPU(), memory: memTotal(),
		hugepages: hugepageSizesOnHost()}
	for _, c := range []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "pids", "blkio", "hugetlb", "net_cls"} {
		dir := filepath.Join(cgroupRoot, c)
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil {
			h.v1[c] = dir
		}
	}
	for _, dir := range []string{filepath.Join(cgroupRoot, "unified"), cgroupRoot} {
		// liblxc puts containers right below the root: the controllers
		// they get are those the root delegates.
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
		if err != nil {
			continue
		}
		h.unified = dir
		for _, c := range strings.Fields(string(b)) {
			if _, inV1 := h.v1[c]; !inV1 {
				h.v2[c] = true
			}
		}
		break
	}
	return h
}

// cgroupKey is the liblxc config key for a cgroup file of controller:
// lxc.cgroup.<file> on v1, lxc.cgroup2.<file> on the unified hierarchy.
// ok is false when the host has the controller nowhere.
func (h host) cgroupKey(controller, file string) (string, bool) {
	if _, ok := h.v1[controller]; ok {
		return "lxc.cgroup." + file, true
	}
	if h.v2[controller] {
		return "lxc.cgroup2." + file, true
	}
	return "", false
}

// isV2 reports whether controller lives in the unified hierarchy.
func (h host) isV2(controller string) bool {
	_, inV1 := h.v1[controller]
	return !inV1 && h.v2[controller]
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// hugepageSizesOnHost lists /sys/kernel/mm/hugepages ("hugepages-2048kB")
// in LXD's size names.
func hugepageSizesOnHost() map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir("/sys/kernel/mm/hugepages")
	for _, e := range entries {
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(e.Name(), "hugepages-"), "kB"))
		if err != nil {
			continue
		}
		switch {
		case kb >= 1<<20:
			out[strconv.Itoa(kb>>20)+"GB"] = true
		case kb >= 1<<10:
			out[strconv.Itoa(kb>>10)+"MB"] = true
		default:
			out[strconv.Itoa(kb)+"KB"] = true
		}
	}
	return out
}

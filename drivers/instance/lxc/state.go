package lxc

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	lxc "github.com/lxc/go-lxc"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
)

// status returns the API status of r.
func (d *Driver) status(r instance.Ref) (api.StatusCode, error) {
	var st api.StatusCode
	err := d.withContainer(r, func(c *lxc.Container) error { st = status(c); return nil })
	return st, err
}

// Status reads the status over the container's command socket.
func (d *Driver) Status(ctx context.Context, r instance.Ref) (api.StatusCode, error) {
	return d.status(r)
}

// State reads status and init pid over the container's command socket,
// usage from its cgroup files and network state through netlink in its
// network namespace. Nothing forks.
func (d *Driver) State(ctx context.Context, r instance.Ref) (instance.State, error) {
	var s instance.State
	err := d.withContainer(r, func(c *lxc.Container) error {
		s.Status = status(c)
		if s.Status == api.Stopped {
			return nil
		}
		s.Pid = c.InitPid()
		return nil
	})
	if err != nil || s.Pid <= 0 {
		if s.Pid <= 0 && s.Status != api.Stopped && err == nil {
			s.Status = api.Stopped // stopped between the two queries
		}
		return s, err
	}
	cg := readCgroupPaths(s.Pid, lxcName(r))
	s.Processes = d.processCount(cg)
	if s.Processes > 0 && d.liveServer(r) != nil {
		s.Processes-- // the exec server is in the cgroup, not in the container
	}
	s.CPU.Usage = d.cpuUsage(cg)
	s.Memory = d.memoryUsage(cg)
	s.Network = networkState(s.Pid)
	return s, nil
}

// readCgroupPaths maps controllers ("" for the unified hierarchy) to the
// container's limit cgroup, from /proc/<init>/cgroup. The path is cut after
// liblxc's "lxc.payload.<name>" component, so cgroups the container's init
// created below it count too.
func readCgroupPaths(pid int, name string) map[string]string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		path := payloadPath(parts[2], name)
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = path
		}
	}
	return out
}

func payloadPath(path, name string) string {
	elems := strings.Split(path, "/")
	for i, e := range elems {
		if strings.HasPrefix(e, "lxc.payload."+name) {
			return strings.Join(elems[:i+1], "/")
		}
	}
	return path
}

// cgroupFile is the path of file in controller's hierarchy for cg.
func (d *Driver) cgroupFile(cg map[string]string, controller, file string) string {
	if dir, ok := d.host.v1[controller]; ok {
		if p, ok := cg[controller]; ok {
			return filepath.Join(dir, p, file)
		}
		return ""
	}
	if d.host.unified != "" {
		if p, ok := cg[""]; ok {
			return filepath.Join(d.host.unified, p, file)
		}
	}
	return ""
}

// readInt reads a file holding one integer; -1 when absent or "max".
func readInt(path string) int64 {
	if path == "" {
		return -1
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func nonNegative(n int64) int64 {
	if n < 0 {
		return 0
	}
	return n
}

func (d *Driver) processCount(cg map[string]string) int64 {
	if n := readInt(d.cgroupFile(cg, "pids", "pids.current")); n >= 0 {
		return n
	}
	// No pids controller: count the cgroup's member processes.
	b, err := os.ReadFile(d.cgroupFile(cg, "memory", "cgroup.procs"))
	if err != nil {
		return 0
	}
	return int64(strings.Count(string(b), "\n"))
}

func (d *Driver) cpuUsage(cg map[string]string) int64 {
	if n := readInt(d.cgroupFile(cg, "cpuacct", "cpuacct.usage")); n >= 0 {
		return n
	}
	// cgroup2: cpu.stat usage_usec.
	if v, ok := statField(d.cgroupFile(cg, "cpu", "cpu.stat"), "usage_usec"); ok {
		return v * 1000
	}
	return 0
}

func (d *Driver) memoryUsage(cg map[string]string) instance.MemoryState {
	if d.host.isV2("memory") {
		usage := nonNegative(readInt(d.cgroupFile(cg, "memory", "memory.current")))
		return instance.MemoryState{
			Usage:         usage,
			UsagePeak:     nonNegative(readInt(d.cgroupFile(cg, "memory", "memory.peak"))),
			SwapUsage:     nonNegative(readInt(d.cgroupFile(cg, "memory", "memory.swap.current"))),
			SwapUsagePeak: nonNegative(readInt(d.cgroupFile(cg, "memory", "memory.swap.peak"))),
		}
	}
	m := instance.MemoryState{
		Usage:     nonNegative(readInt(d.cgroupFile(cg, "memory", "memory.usage_in_bytes"))),
		UsagePeak: nonNegative(readInt(d.cgroupFile(cg, "memory", "memory.max_usage_in_bytes"))),
	}
	// memsw counts memory plus swap; swap alone is the difference.
	if sw := readInt(d.cgroupFile(cg, "memory", "memory.memsw.usage_in_bytes")); sw >= m.Usage {
		m.SwapUsage = sw - m.Usage
	}
	if sw := readInt(d.cgroupFile(cg, "memory", "memory.memsw.max_usage_in_bytes")); sw >= m.UsagePeak {
		m.SwapUsagePeak = sw - m.UsagePeak
	}
	return m
}

// statField reads "<key> <value>" from a flat-keyed cgroup file.
func statField(path, key string) (int64, bool) {
	if path == "" {
		return 0, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+" "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

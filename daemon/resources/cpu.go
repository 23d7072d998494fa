package resources

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

const sysCPU = "/sys/devices/system/cpu"

// cpuInfoBlock is the processor number, vendor and model name of one
// /proc/cpuinfo block.
type cpuInfoBlock struct {
	processor    string
	vendor, name string
}

// parseCPUInfo splits /proc/cpuinfo into blocks. The name comes from "model
// name" (x86) or "cpu" (POWER); once both vendor and name are known the rest
// of the block is ignored.
func parseCPUInfo(data []byte) []cpuInfoBlock {
	var blocks []cpuInfoBlock
	var cur *cpuInfoBlock
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			cur = nil
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key == "processor" {
			blocks = append(blocks, cpuInfoBlock{processor: value})
			cur = &blocks[len(blocks)-1]
			continue
		}
		if cur == nil || (cur.vendor != "" && cur.name != "") {
			continue
		}
		switch key {
		case "vendor_id":
			cur.vendor = value
		case "model name", "cpu":
			cur.name = value
		}
	}
	return blocks
}

// cpuThread is one cpuN directory and its topology.
type cpuThread struct {
	name              string // "cpu3"
	id                int64
	socket, core, die int64
	path              string
}

// CPU reports the sockets, cores and threads.
func (s *Service) CPU() (api.ResourcesCPU, error) {
	out := api.ResourcesCPU{Architecture: s.uname.Machine, Sockets: []api.ResourcesCPUSocket{}}
	threads, err := s.cpuThreads()
	if err != nil {
		return out, err
	}
	isolated := s.isolatedCPUs()
	info, err := s.fs.readFile("/proc/cpuinfo")
	if err != nil {
		return out, fmt.Errorf("Failed to open /proc/cpuinfo: %w", err)
	}
	blocks, cursor := parseCPUInfo(info), 0

	sockets := map[int64]*api.ResourcesCPUSocket{}
	cores := map[int64]map[[2]int64]*api.ResourcesCPUCore{}
	for _, t := range threads {
		sock, ok := sockets[t.socket]
		if !ok {
			if sock, cursor, err = s.cpuSocket(t, blocks, cursor); err != nil {
				return out, err
			}
			sockets[t.socket] = sock
			cores[t.socket] = map[[2]int64]*api.ResourcesCPUCore{}
		}
		key := [2]int64{t.die, t.core}
		core, ok := cores[t.socket][key]
		if !ok {
			core = &api.ResourcesCPUCore{Core: uint64(t.core), Die: uint64(t.die), Threads: []api.ResourcesCPUThread{}}
			core.Frequency = s.cpuFreq(t.path, "scaling_cur_freq")
			cores[t.socket][key] = core
		}
		thread, err := s.cpuThreadState(t, isolated)
		if err != nil {
			return out, err
		}
		thread.Thread = uint64(len(core.Threads))
		core.Threads = append(core.Threads, thread)
		out.Total++
	}
	for id, sock := range sockets {
		out.Sockets = append(out.Sockets, assembleSocket(sock, cores[id]))
	}
	sort.Slice(out.Sockets, func(i, j int) bool { return out.Sockets[i].Socket < out.Sockets[j].Socket })
	return out, nil
}

// cpuThreads lists the cpuN directories in directory (name) order, which
// decides each thread's index within its core.
func (s *Service) cpuThreads() ([]cpuThread, error) {
	entries, err := s.fs.entries(sysCPU)
	if err != nil {
		return nil, fmt.Errorf("Failed to list %q: %w", sysCPU, err)
	}
	var out []cpuThread
	for _, e := range entries {
		path := filepath.Join(sysCPU, e.Name())
		if !s.fs.exists(filepath.Join(path, "topology")) {
			continue
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(e.Name(), "cpu"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Failed to parse thread number: %w", err)
		}
		t := cpuThread{name: e.Name(), id: id, path: path}
		for _, f := range []struct {
			file string
			dst  *int64
		}{{"physical_package_id", &t.socket}, {"core_id", &t.core}, {"die_id", &t.die}} {
			v, err := s.fs.readInt(filepath.Join(path, "topology", f.file))
			if err != nil && !os.IsNotExist(err) {
				return nil, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "topology", f.file), err)
			}
			// Missing files and -1 (no such level on this architecture) are 0.
			if err == nil && v > 0 {
				*f.dst = v
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// cpuSocket describes the socket a thread belongs to. Vendor and name come
// from the first /proc/cpuinfo block, at or after cursor, whose processor
// number equals the socket number (LXD's lookup); caches and frequency
// limits come from the socket's first thread.
func (s *Service) cpuSocket(t cpuThread, blocks []cpuInfoBlock, cursor int) (*api.ResourcesCPUSocket, int, error) {
	sock := &api.ResourcesCPUSocket{Socket: uint64(t.socket)}
	want := strconv.FormatInt(t.socket, 10)
	for cursor < len(blocks) {
		b := blocks[cursor]
		cursor++
		if b.processor == want {
			sock.Vendor, sock.Name = b.vendor, b.name
			break
		}
	}
	if s.fs.exists(filepath.Join(t.path, "cache")) {
		cache, err := s.cpuCache(filepath.Join(t.path, "cache"))
		if err != nil {
			return nil, cursor, fmt.Errorf("Failed to get CPU cache information: %w", err)
		}
		sock.Cache = cache
	}
	sock.FrequencyMinimum = s.cpuFreq(t.path, "cpuinfo_min_freq", "scaling_min_freq")
	sock.FrequencyTurbo = s.cpuFreq(t.path, "cpuinfo_max_freq", "scaling_max_freq")
	return sock, cursor, nil
}

// cpuFreq reads the first cpufreq file that exists, in MHz (0 if none).
func (s *Service) cpuFreq(cpuPath string, files ...string) uint64 {
	for _, f := range files {
		path := filepath.Join(cpuPath, "cpufreq", f)
		if !s.fs.exists(path) {
			continue
		}
		khz, err := s.fs.readUint(path)
		if err != nil {
			return 0
		}
		return khz / 1000
	}
	return 0
}

// cpuCache lists the cache levels of a CPU's cache directory.
func (s *Service) cpuCache(dir string) ([]api.ResourcesCPUCache, error) {
	entries, err := s.fs.entries(dir)
	if err != nil {
		return nil, fmt.Errorf("Failed to list %q: %w", dir, err)
	}
	caches := []api.ResourcesCPUCache{}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if !s.fs.exists(filepath.Join(path, "level")) {
			continue
		}
		c := api.ResourcesCPUCache{Type: "Unknown"}
		if c.Level, err = s.fs.readUint(filepath.Join(path, "level")); err != nil {
			return nil, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "level"), err)
		}
		size, err := s.fs.optString(filepath.Join(path, "size"))
		if err != nil {
			return nil, err
		}
		if size != "" {
			if c.Size, err = parseCacheSize(size); err != nil {
				return nil, err
			}
		}
		typ, err := s.fs.optString(filepath.Join(path, "type"))
		if err != nil {
			return nil, err
		}
		if typ != "" {
			c.Type = typ
		}
		caches = append(caches, c)
	}
	return caches, nil
}

// parseCacheSize parses a sysfs cache size ("48K" or bytes).
func parseCacheSize(s string) (uint64, error) {
	mult := uint64(1)
	if strings.HasSuffix(s, "K") {
		mult, s = 1024, strings.TrimSuffix(s, "K")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Failed to parse cache size: %w", err)
	}
	return n * mult, nil
}

// cpuThreadState reads whether a thread is online, isolated and its NUMA node.
func (s *Service) cpuThreadState(t cpuThread, isolated map[int64]bool) (api.ResourcesCPUThread, error) {
	th := api.ResourcesCPUThread{ID: t.id, Online: true, Isolated: isolated[t.id]}
	online := filepath.Join(t.path, "online")
	if s.fs.exists(online) {
		v, err := s.fs.readUint(online)
		if err != nil {
			return th, fmt.Errorf("Failed to read %q: %w", online, err)
		}
		th.Online = v != 0
	}
	node, err := s.sysfsNUMANode(t.path)
	if err != nil {
		return th, fmt.Errorf("Failed to find NUMA node: %w", err)
	}
	th.NUMANode = node
	return th, nil
}

// sysfsNUMANode finds the nodeN entry (with a numastat file) in a sysfs
// directory; none means a single-node machine.
func (s *Service) sysfsNUMANode(dir string) (uint64, error) {
	entries, err := s.fs.entries(dir)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		num, ok := strings.CutPrefix(e.Name(), "node")
		if !ok || !s.fs.exists(filepath.Join(dir, e.Name(), "numastat")) {
			continue
		}
		return strconv.ParseUint(num, 10, 64)
	}
	return 0, nil
}

// isolatedCPUs parses /sys/devices/system/cpu/isolated (a cpuset list).
func (s *Service) isolatedCPUs() map[int64]bool {
	out := map[int64]bool{}
	list, err := s.fs.readString(filepath.Join(sysCPU, "isolated"))
	if err != nil || list == "" {
		return out
	}
	ids, err := parseCPUSet(list)
	if err != nil {
		return out
	}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// parseCPUSet expands "0-2,5" into its CPU numbers.
func parseCPUSet(set string) ([]int64, error) {
	var out []int64
	for _, chunk := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(chunk, "-")
		low, err := strconv.ParseInt(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Invalid cpuset value: %s", set)
		}
		high := low
		if isRange {
			if high, err = strconv.ParseInt(hi, 10, 64); err != nil {
				return nil, fmt.Errorf("Invalid cpuset value: %s", set)
			}
		}
		for i := low; i <= high; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

// assembleSocket attaches a socket's cores, sorted by core then die, and
// sets the socket frequency to the average of its cores' current ones.
func assembleSocket(sock *api.ResourcesCPUSocket, cores map[[2]int64]*api.ResourcesCPUCore) api.ResourcesCPUSocket {
	sock.Cores = []api.ResourcesCPUCore{}
	var sum, n uint64
	for _, c := range cores {
		if c.Frequency > 0 {
			sum += c.Frequency
			n++
		}
		sock.Cores = append(sock.Cores, *c)
	}
	if n > 0 {
		sock.Frequency = sum / n
	}
	sort.Slice(sock.Cores, func(i, j int) bool {
		a, b := sock.Cores[i], sock.Cores[j]
		if a.Core != b.Core {
			return a.Core < b.Core
		}
		return a.Die < b.Die
	})
	return *sock
}

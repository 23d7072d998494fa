package resources

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

const (
	sysNode   = "/sys/devices/system/node"
	sysMemory = "/sys/devices/system/memory"
)

// meminfo holds the /proc/meminfo (or node meminfo) values, in bytes, except
// the huge page counts, which are page counts.
type meminfo struct {
	total, free, used, cached, buffers      uint64
	hugepagesTotal, hugepagesFree, hugeSize uint64
}

// parseMeminfo reads "Key: value [kB]" lines; node files prefix the key with
// "Node N", so the key is the last word before the colon.
func parseMeminfo(data []byte) (meminfo, error) {
	var m meminfo
	fields := map[string]*uint64{
		"MemTotal": &m.total, "MemFree": &m.free, "MemUsed": &m.used, "Cached": &m.cached,
		"Buffers": &m.buffers, "HugePages_Total": &m.hugepagesTotal, "HugePages_Free": &m.hugepagesFree,
		"Hugepagesize": &m.hugeSize,
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		words := strings.Fields(key)
		if len(words) == 0 {
			continue
		}
		dst, ok := fields[words[len(words)-1]]
		if !ok {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(value), " ")
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return m, fmt.Errorf("Failed to parse %s: %w", words[len(words)-1], err)
		}
		if unit == "kB" {
			n *= 1024
		}
		*dst = n
	}
	return m, nil
}

// Memory reports the system memory and each NUMA node's.
func (s *Service) Memory() (api.ResourcesMemory, error) {
	var out api.ResourcesMemory
	data, err := s.fs.readFile("/proc/meminfo")
	if err != nil {
		return out, fmt.Errorf("Failed to parse /proc/meminfo: %w", err)
	}
	info, err := parseMeminfo(data)
	if err != nil {
		return out, fmt.Errorf("Failed to parse /proc/meminfo: %w", err)
	}
	// MemTotal leaves out what the kernel reserved: count the online memory
	// blocks instead, as LXD does.
	if total := s.onlineMemory(sysMemory); total > 0 {
		info.total = total
	}
	out.HugepagesSize = info.hugeSize
	out.HugepagesTotal = info.hugepagesTotal * info.hugeSize
	out.HugepagesUsed = (info.hugepagesTotal - info.hugepagesFree) * info.hugeSize
	out.Used = info.total - info.free - info.cached - info.buffers
	out.Total = info.total
	if !s.fs.exists(sysNode) {
		return out, nil
	}
	out.Nodes, err = s.memoryNodes(info.hugeSize)
	return out, err
}

// memoryNodes reads every nodeN/meminfo.
func (s *Service) memoryNodes(hugeSize uint64) ([]api.ResourcesMemoryNode, error) {
	entries, err := s.fs.entries(sysNode)
	if err != nil {
		return nil, fmt.Errorf("Failed to list %q: %w", sysNode, err)
	}
	nodes := []api.ResourcesMemoryNode{}
	for _, e := range entries {
		dir := filepath.Join(sysNode, e.Name())
		if !s.fs.exists(filepath.Join(dir, "meminfo")) {
			continue
		}
		num, err := strconv.ParseUint(strings.TrimPrefix(e.Name(), "node"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Failed to find NUMA node: %w", err)
		}
		data, err := s.fs.readFile(filepath.Join(dir, "meminfo"))
		if err != nil {
			return nil, fmt.Errorf("Failed to read %q: %w", filepath.Join(dir, "meminfo"), err)
		}
		info, err := parseMeminfo(data)
		if err != nil {
			return nil, fmt.Errorf("Failed to parse %q: %w", filepath.Join(dir, "meminfo"), err)
		}
		node := api.ResourcesMemoryNode{
			NUMANode:       num,
			HugepagesUsed:  (info.hugepagesTotal - info.hugepagesFree) * hugeSize,
			HugepagesTotal: info.hugepagesTotal * hugeSize,
			Used:           info.used,
			Total:          info.total,
		}
		if total := s.onlineMemory(dir); total > 0 {
			node.Total = total
		}
		nodes = append(nodes, node)
	}
	return nodes, nil
}

// onlineMemory is the size of the online memoryN blocks listed in dir
// (0 when unknown).
func (s *Service) onlineMemory(dir string) uint64 {
	sizeHex, err := s.fs.readString(filepath.Join(sysMemory, "block_size_bytes"))
	if err != nil {
		return 0
	}
	blockSize, err := strconv.ParseUint(sizeHex, 16, 64)
	if err != nil || blockSize == 0 {
		return 0
	}
	entries, err := s.fs.entries(dir)
	if err != nil {
		return 0
	}
	var count uint64
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "memory") {
			continue
		}
		online := filepath.Join(dir, e.Name(), "online")
		if !s.fs.exists(online) {
			continue
		}
		v, err := s.fs.readString(online)
		if err != nil {
			return 0
		}
		if v == "1" {
			count++
		}
	}
	return blockSize * count
}

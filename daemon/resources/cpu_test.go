package resources

import (
	"fmt"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// cpuTree is one cpuN directory with its topology.
func cpuTree(n int, pkg, core, die string) tree {
	dir := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/topology/", n)
	tr := tree{dir + "core_id": core, dir + "physical_package_id": pkg}
	if die != "" {
		tr[dir+"die_id"] = die
	}
	return tr
}

func cacheTree(cpu, index int, level, size, typ string) tree {
	dir := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/cache/index%d/", cpu, index)
	tr := tree{dir + "level": level, dir + "size": size}
	if typ != "" {
		tr[dir+"type"] = typ
	}
	return tr
}

const twoSocketCPUInfo = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model name	: Xeon A
cpu MHz		: 2100.000

processor	: 1
vendor_id	: GenuineIntel
model name	: Xeon B

processor	: 2
vendor_id	: GenuineIntel
model name	: Xeon A

processor	: 3
vendor_id	: GenuineIntel
model name	: Xeon B
`

// TestResourcesCPU proves resources_cpu_socket (socket name, vendor,
// caches, frequencies), resources_cpu_threads_numa (thread NUMA node) and
// resources_cpu_core_die (die of each core).
func TestResourcesCPU(t *testing.T) {
	base := "/sys/devices/system/cpu/"
	twoSockets := merge(
		tree{"/proc/cpuinfo": twoSocketCPUInfo, base + "isolated": "1\n", base + "cpufreq/": "", base + "online": "0-3,10"},
		cpuTree(0, "0", "0", "0"), cpuTree(1, "1", "0", "0"), cpuTree(2, "0", "0", "0"),
		cpuTree(3, "1", "1", "1"), cpuTree(10, "0", "1", "0"),
		cacheTree(0, 0, "1", "32K", "Data"), cacheTree(0, 1, "2", "1024K", "Unified"), cacheTree(0, 2, "3", "8388608", ""),
		tree{
			base + "cpu0/cpufreq/cpuinfo_min_freq": "800000", base + "cpu0/cpufreq/cpuinfo_max_freq": "3500000",
			base + "cpu0/cpufreq/scaling_cur_freq": "2000000", base + "cpu10/cpufreq/scaling_cur_freq": "3000000",
			base + "cpu1/cpufreq/scaling_min_freq": "1000000", base + "cpu1/cpufreq/scaling_max_freq": "2000000",
			base + "cpu1/node1/numastat": "", base + "cpu3/node1/numastat": "", base + "cpu3/online": "0",
			base + "cpu0/node0/numastat": "", base + "cpu0/nodefoo": "",
		},
	)
	thread := func(id int64, node, idx uint64, online, isolated bool) api.ResourcesCPUThread {
		return api.ResourcesCPUThread{ID: id, NUMANode: node, Thread: idx, Online: online, Isolated: isolated}
	}
	tests := []struct {
		name string
		tree tree
		want api.ResourcesCPU
	}{{
		name: "two sockets, SMT, dies, isolated and offline threads",
		tree: twoSockets,
		want: api.ResourcesCPU{Architecture: "x86_64", Total: 5, Sockets: []api.ResourcesCPUSocket{{
			Name: "Xeon A", Vendor: "GenuineIntel", Socket: 0,
			Cache: []api.ResourcesCPUCache{{Level: 1, Type: "Data", Size: 32768}, {Level: 2, Type: "Unified", Size: 1 << 20},
				{Level: 3, Type: "Unknown", Size: 8 << 20}},
			// cpu10 comes before cpu2 in directory order: it is thread 0 of
			// core 1 and cpu2 is thread 1 of core 0.
			Cores: []api.ResourcesCPUCore{
				{Core: 0, Die: 0, Frequency: 2000, Threads: []api.ResourcesCPUThread{thread(0, 0, 0, true, false), thread(2, 0, 1, true, false)}},
				{Core: 1, Die: 0, Frequency: 3000, Threads: []api.ResourcesCPUThread{thread(10, 0, 0, true, false)}},
			},
			Frequency: 2500, FrequencyMinimum: 800, FrequencyTurbo: 3500,
		}, {
			Name: "Xeon B", Vendor: "GenuineIntel", Socket: 1,
			Cores: []api.ResourcesCPUCore{
				{Core: 0, Die: 0, Threads: []api.ResourcesCPUThread{thread(1, 1, 0, true, true)}},
				{Core: 1, Die: 1, Threads: []api.ResourcesCPUThread{thread(3, 1, 0, false, false)}},
			},
			FrequencyMinimum: 1000, FrequencyTurbo: 2000,
		}}},
	}, {
		name: "no topology levels (-1) and a POWER-style cpuinfo",
		tree: merge(tree{"/proc/cpuinfo": "processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\n", base + "isolated": ""},
			cpuTree(0, "-1", "-1", "")),
		want: api.ResourcesCPU{Architecture: "x86_64", Total: 1, Sockets: []api.ResourcesCPUSocket{{
			Name: "POWER9 (raw), altivec supported", Socket: 0,
			Cores: []api.ResourcesCPUCore{{Threads: []api.ResourcesCPUThread{thread(0, 0, 0, true, false)}}},
		}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newTestService(t, tt.tree.write(t), nil).CPU()
			mustDo(t, err)
			assertJSON(t, got, tt.want)
		})
	}
}

func TestParseCPUSet(t *testing.T) {
	tests := []struct {
		in      string
		want    []int64
		wantErr bool
	}{
		{in: "0", want: []int64{0}},
		{in: "0-2,5", want: []int64{0, 1, 2, 5}},
		{in: "3,1-1", want: []int64{3, 1}},
		{in: "a-b", wantErr: true},
		{in: "1-x", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseCPUSet(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err %v", tt.in, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) && !tt.wantErr {
			t.Errorf("%q: got %v, want %v", tt.in, got, tt.want)
		}
	}
}

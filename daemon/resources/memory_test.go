package resources

import (
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

const procMeminfo = `MemTotal:        4000000 kB
MemFree:         1000000 kB
MemAvailable:    2500000 kB
Buffers:          100000 kB
Cached:           900000 kB
SwapCached:            0 kB
HugePages_Total:       8
HugePages_Free:        6
HugePages_Rsvd:        0
Hugepagesize:       2048 kB
`

func nodeMeminfo(node, total, free, used, hugeTotal, hugeFree string) string {
	p := "Node " + node + " "
	return p + "MemTotal:       " + total + " kB\n" + p + "MemFree:        " + free + " kB\n" +
		p + "MemUsed:        " + used + " kB\n" + p + "HugePages_Total:     " + hugeTotal + "\n" +
		p + "HugePages_Free:      " + hugeFree + "\n"
}

// TestResourcesMemory proves resources_numa: per-node memory and huge
// pages, and the total taken from the online memory blocks.
func TestResourcesMemory(t *testing.T) {
	const block = 128 << 20
	blocks := tree{
		"/sys/devices/system/memory/block_size_bytes": "8000000\n",
		"/sys/devices/system/memory/memory0/online":   "1", "/sys/devices/system/memory/memory1/online": "1",
		"/sys/devices/system/memory/memory2/online": "1", "/sys/devices/system/memory/memory3/online": "0",
		"/sys/devices/system/memory/auto_online_blocks": "online",
	}
	nodes := tree{
		"/sys/devices/system/node/node0/meminfo":         nodeMeminfo("0", "2000000", "500000", "1500000", "4", "2"),
		"/sys/devices/system/node/node0/memory0":         link("../../memory/memory0"),
		"/sys/devices/system/node/node0/memory1":         link("../../memory/memory1"),
		"/sys/devices/system/node/node1/meminfo":         nodeMeminfo("1", "2000000", "500000", "1500000", "4", "4"),
		"/sys/devices/system/node/node1/memory2":         link("../../memory/memory2"),
		"/sys/devices/system/node/node1/memory3":         link("../../memory/memory3"),
		"/sys/devices/system/node/possible":              "0-1",
		"/sys/devices/system/node/has_memory":            "0-1",
		"/sys/devices/system/node/node1/hugepages/dummy": "",
	}
	kib := func(n uint64) uint64 { return n * 1024 }
	tests := []struct {
		name string
		tree tree
		want api.ResourcesMemory
	}{{
		name: "meminfo only",
		tree: tree{"/proc/meminfo": procMeminfo},
		want: api.ResourcesMemory{
			HugepagesTotal: 8 * 2 << 20, HugepagesUsed: 2 * 2 << 20, HugepagesSize: 2 << 20,
			Used: kib(4000000 - 1000000 - 900000 - 100000), Total: kib(4000000),
		},
	}, {
		name: "memory blocks and two NUMA nodes",
		tree: merge(tree{"/proc/meminfo": procMeminfo}, blocks, nodes),
		want: api.ResourcesMemory{
			Nodes: []api.ResourcesMemoryNode{
				{NUMANode: 0, HugepagesUsed: 2 * 2 << 20, HugepagesTotal: 4 * 2 << 20, Used: kib(1500000), Total: 2 * block},
				{NUMANode: 1, HugepagesUsed: 0, HugepagesTotal: 4 * 2 << 20, Used: kib(1500000), Total: block},
			},
			HugepagesTotal: 8 * 2 << 20, HugepagesUsed: 2 * 2 << 20, HugepagesSize: 2 << 20,
			Used: 3*block - kib(1000000+900000+100000), Total: 3 * block,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newTestService(t, tt.tree.write(t), nil).Memory()
			mustDo(t, err)
			assertJSON(t, got, tt.want)
		})
	}
}

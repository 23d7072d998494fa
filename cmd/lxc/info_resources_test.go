package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// richResources exercises every branch of the layout this machine cannot
// show: two sockets with frequencies, huge pages, NUMA nodes, GPUs with DRM,
// SR-IOV and mdev, NICs with supported modes, a link speed and InfiniBand,
// and disks with partitions.
func richResources() *api.Resources {
	thread := func(id int64, idx uint64, node uint64) api.ResourcesCPUThread {
		return api.ResourcesCPUThread{ID: id, Thread: idx, Online: true, NUMANode: node}
	}
	socket := func(n uint64, node uint64) api.ResourcesCPUSocket {
		return api.ResourcesCPUSocket{
			Name: "AMD EPYC 7401P", Vendor: "AuthenticAMD", Socket: n,
			Cache: []api.ResourcesCPUCache{{Level: 1, Type: "Data", Size: 32768}, {Level: 3, Type: "Unified", Size: 8 << 20}},
			Cores: []api.ResourcesCPUCore{{Core: 0, Frequency: 2900, Threads: []api.ResourcesCPUThread{
				thread(int64(2*n), 0, node), thread(int64(2*n+1), 1, node)}}},
			Frequency: 2900, FrequencyMinimum: 1200, FrequencyTurbo: 3000,
		}
	}
	gb := uint64(1 << 30)
	return &api.Resources{
		CPU: api.ResourcesCPU{Architecture: "x86_64", Total: 4, Sockets: []api.ResourcesCPUSocket{socket(0, 0), socket(1, 1)}},
		Memory: api.ResourcesMemory{
			Nodes: []api.ResourcesMemoryNode{
				{NUMANode: 0, HugepagesTotal: 2 * gb, HugepagesUsed: gb, Total: 32 * gb, Used: 8 * gb},
				{NUMANode: 1, Total: 32 * gb, Used: 4 * gb},
			},
			HugepagesTotal: 2 * gb, HugepagesUsed: gb, HugepagesSize: 2 << 20, Total: 64 * gb, Used: 12 * gb,
		},
		GPU: api.ResourcesGPU{Total: 3, Cards: []api.ResourcesGPUCard{{
			Driver: "i915", DriverVersion: "6.1.0", PCIAddress: "0000:00:02.0", Vendor: "Intel Corporation", VendorID: "8086",
			Product: "HD Graphics 620", ProductID: "5916",
			DRM: &api.ResourcesGPUCardDRM{ID: 0, CardName: "card0", CardDevice: "226:0", RenderName: "renderD128", RenderDevice: "226:128"},
			SRIOV: &api.ResourcesGPUCardSRIOV{CurrentVFs: 1, MaximumVFs: 7, VFs: []api.ResourcesGPUCard{{
				Driver: "i915", DriverVersion: "6.1.0", PCIAddress: "0000:00:02.1", NUMANode: 0}}},
			Mdev: map[string]api.ResourcesGPUCardMdev{
				"i915-GVTg_V5_8": {Available: 2, Description: "low_gm_size: 128MB\nhigh_gm_size: 512MB"},
				"i915-GVTg_V5_4": {Available: 1},
			},
		}, {
			Driver: "udl", DriverVersion: "6.1.0", USBAddress: "3:2", NUMANode: 1,
		}}},
		Network: api.ResourcesNetwork{Total: 2, Cards: []api.ResourcesNetworkCard{{
			Driver: "e1000e", DriverVersion: "3.2.6-k", PCIAddress: "0000:00:1f.6", Vendor: "Intel Corporation", VendorID: "8086",
			Ports: []api.ResourcesNetworkCardPort{{
				ID: "eno1", Address: "aa:bb:cc:00:00:01", Protocol: "ethernet", SupportedModes: []string{"100baseT/Full", "1000baseT/Full"},
				SupportedPorts: []string{"twisted pair"}, PortType: "twisted pair", TransceiverType: "internal",
				AutoNegotiation: true, LinkDetected: true, LinkSpeed: 1000, LinkDuplex: "full",
			}},
			SRIOV: &api.ResourcesNetworkCardSRIOV{CurrentVFs: 0, MaximumVFs: 7},
		}, {
			Driver: "mlx4_core", DriverVersion: "4.0-0", PCIAddress: "0000:02:00.0", NUMANode: 1,
			Ports: []api.ResourcesNetworkCardPort{{ID: "ib0", Port: 1, Protocol: "infiniband",
				Infiniband: &api.ResourcesNetworkCardPortInfiniband{IsSMName: "issm0", IsSMDevice: "231:64", MADName: "umad0",
					MADDevice: "231:0", VerbName: "uverbs0", VerbDevice: "231:192"}}},
		}}},
		Storage: api.ResourcesStorage{Total: 3, Disks: []api.ResourcesStorageDisk{{
			ID: "nvme0n1", Device: "259:0", Model: "INTEL SSDPEKKW256G7", Type: "nvme", Size: 256060514304,
			WWN:        "eui.0000000001000000e4d25cafae2e4c00",
			Partitions: []api.ResourcesStorageDiskPartition{{ID: "nvme0n1p1", Device: "259:1", Size: 536870912, Partition: 1}},
		}, {
			ID: "sr0", Device: "11:0", Type: "cdrom", Removable: true, ReadOnly: true, NUMANode: 1,
		}}},
	}
}

func TestPrintResources(t *testing.T) {
	tests := []struct {
		name   string
		res    *api.Resources
		golden string
	}{
		{name: "rich machine", res: richResources(), golden: "info-resources-rich.txt"},
		{name: "nothing but memory", res: &api.Resources{Memory: api.ResourcesMemory{Total: 1 << 30, Used: 1 << 29}},
			golden: "info-resources-empty.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			printResources(&buf, tt.res)
			path := filepath.Join("testdata", tt.golden)
			if os.Getenv("LXDNG_UPDATE_TESTDATA") == "1" {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
			}
		})
	}
}

func TestFormatIEC(t *testing.T) {
	tests := []struct {
		n         uint64
		precision int
		want      string
	}{
		{0, 2, "0B"}, {1023, 2, "1023B"}, {1024, 0, "1KiB"}, {49152, 0, "48KiB"}, {314572800, 0, "300MiB"},
		{25769803776, 2, "24.00GiB"}, {274877906944, 2, "256.00GiB"}, {1536, 2, "1.50KiB"}, {1 << 62, 2, "4.00EiB"},
	}
	for _, tt := range tests {
		if got := formatIEC(tt.n, tt.precision); got != tt.want {
			t.Errorf("formatIEC(%d, %d) = %q, want %q", tt.n, tt.precision, got, tt.want)
		}
	}
}

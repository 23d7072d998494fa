package resources

import (
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// pciDevice is a PCI function under /sys/devices/pci0000:00 with its
// /sys/bus/pci/devices link; driver "" means unbound.
func pciDevice(addr, class, vendor, device, driver string) tree {
	dir := "/sys/devices/pci0000:00/" + addr + "/"
	tr := tree{
		dir + "class": class + "\n", dir + "vendor": vendor + "\n", dir + "device": device + "\n",
		dir + "subsystem": link("../../../bus/pci"), dir + "numa_node": "-1\n",
		"/sys/bus/pci/devices/" + addr: link("../../../devices/pci0000:00/" + addr),
	}
	if driver != "" {
		tr[dir+"driver"] = link("../../../bus/pci/drivers/" + driver)
		tr["/sys/bus/pci/drivers/"+driver+"/"] = ""
	}
	return tr
}

// netIface is /sys/class/net/<name> for an interface of the PCI function
// at /sys/devices/pci0000:00/<addr>.
func netIface(name, addr, typ, address, devPort string) tree {
	dir := "/sys/devices/pci0000:00/" + addr + "/net/" + name + "/"
	tr := tree{
		"/sys/class/net/" + name: link("../../devices/pci0000:00/" + addr + "/net/" + name),
		dir + "device":           link("../../../" + addr),
		dir + "type":             typ, dir + "address": address + "\n",
	}
	if devPort != "" {
		tr[dir+"dev_port"] = devPort
	}
	return tr
}

const testPCIIDs = `# comment
8086  Intel Corporation
	15bb  Ethernet Connection (7) I219-LM
	0d57  Xeon host bridge
1af4  Red Hat, Inc.
	1041  Virtio 1.0 network device
C 02  Network controller
	00  Ethernet controller
`

// networkHost is a machine with a PCI NIC with a VF, a two-port card whose
// second port ethtool cannot describe, an InfiniBand card, a USB NIC, an
// unbound PCI NIC and the loopback.
func networkHost() tree {
	usbIf := "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/"
	ib := "/sys/devices/pci0000:00/0000:02:00.0/"
	return merge(
		pciDevice("0000:00:1f.6", "0x020000", "0x8086", "0x15bb", "e1000e"),
		pciDevice("0000:00:1f.7", "0x020000", "0x8086", "0x15bc", "igbvf"),
		pciDevice("0000:01:00.0", "0x020000", "0x15b3", "0x1003", "mlx4_core"),
		pciDevice("0000:02:00.0", "0x020700", "0x15b3", "0x1007", "mlx4_core"),
		pciDevice("0000:03:00.0", "0x020000", "0x10ec", "0x8168", ""),
		pciDevice("0000:00:00.0", "0x060000", "0x8086", "0x0d57", ""),
		netIface("eno1", "0000:00:1f.6", "1", "aa:bb:cc:00:00:01", ""),
		netIface("eno1v0", "0000:00:1f.7", "1", "aa:bb:cc:00:00:02", ""),
		netIface("ens1", "0000:01:00.0", "1", "aa:bb:cc:00:01:00", "0"),
		netIface("ens1d1", "0000:01:00.0", "1", "aa:bb:cc:00:01:01", "1"),
		netIface("ib0", "0000:02:00.0", "32", "80:00:02:08", "0"),
		tree{
			"/sys/class/net/lo":                                    link("../../devices/virtual/net/lo"),
			"/sys/devices/virtual/net/lo/type":                     "772",
			"/sys/class/net/usb0":                                  link("../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/net/usb0"),
			usbIf + "net/usb0/device":                              link("../../../1-2:1.0"),
			usbIf + "net/usb0/type":                                "1",
			usbIf + "net/usb0/address":                             "02:00:00:00:00:09",
			usbIf + "subsystem":                                    link("../../../../../../bus/usb"),
			usbIf + "driver":                                       link("../../../../../../bus/usb/drivers/cdc_ether"),
			"/sys/bus/usb/drivers/cdc_ether/":                      "",
			"/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/busnum": "1",
			"/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/devnum": "4",
			"/sys/devices/pci0000:00/0000:00:1f.6/sriov_numvfs":    "1",
			"/sys/devices/pci0000:00/0000:00:1f.6/sriov_totalvfs":  "7",
			"/sys/devices/pci0000:00/0000:00:1f.6/numa_node":       "1",
			"/sys/devices/pci0000:00/0000:00:1f.7/physfn":          link("../0000:00:1f.6"),
			"/sys/bus/pci/drivers/e1000e/module":                   link("../../../../module/e1000e"),
			"/sys/module/e1000e/version":                           "3.2.6-k\n",
			ib + "infiniband/mlx4_0/":                              "",
			ib + "infiniband_mad/umad0/port":                       "1", ib + "infiniband_mad/umad0/dev": "231:0",
			ib + "infiniband_mad/issm0/port": "1", ib + "infiniband_mad/issm0/dev": "231:64",
			ib + "infiniband_mad/umad1/port": "2", ib + "infiniband_mad/umad1/dev": "231:1",
			ib + "infiniband_verbs/uverbs0/dev": "231:192",
			"/usr/share/misc/pci.ids":           testPCIIDs,
		},
	)
}

// TestResourcesNetwork proves resources_network_firmware (card firmware),
// resources_network_usb (USB address of a USB NIC) and resources_infiniband
// (InfiniBand devices of a port).
func TestResourcesNetwork(t *testing.T) {
	up := api.ResourcesNetworkCardPort{
		SupportedModes: []string{"1000baseT/Full"}, SupportedPorts: []string{"twisted pair"}, PortType: "twisted pair",
		TransceiverType: "internal", AutoNegotiation: true, LinkDetected: true, LinkSpeed: 1000, LinkDuplex: "full",
	}
	eth := fakeEthtool{
		ports: map[string]api.ResourcesNetworkCardPort{
			"eno1": up, "ens1": {PortType: "fibre", LinkDetected: false}, "ib0": {PortType: "other"}, "usb0": {PortType: "other"},
		},
		firmware: map[string]string{"eno1": "0.13-4", "ens1": "2.42.5000"},
	}
	want := api.ResourcesNetwork{Total: 6, Cards: []api.ResourcesNetworkCard{{
		Driver: "e1000e", DriverVersion: "3.2.6-k", NUMANode: 1, PCIAddress: "0000:00:1f.6",
		Vendor: "Intel Corporation", VendorID: "8086", Product: "Ethernet Connection (7) I219-LM", ProductID: "15bb",
		FirmwareVersion: "0.13-4",
		Ports: []api.ResourcesNetworkCardPort{{
			ID: "eno1", Address: "aa:bb:cc:00:00:01", Protocol: "ethernet", SupportedModes: up.SupportedModes,
			SupportedPorts: up.SupportedPorts, PortType: "twisted pair", TransceiverType: "internal",
			AutoNegotiation: true, LinkDetected: true, LinkSpeed: 1000, LinkDuplex: "full",
		}},
		SRIOV: &api.ResourcesNetworkCardSRIOV{CurrentVFs: 1, MaximumVFs: 7, VFs: []api.ResourcesNetworkCard{{
			Driver: "igbvf", DriverVersion: testKernel, PCIAddress: "0000:00:1f.7", Vendor: "Intel Corporation",
			VendorID: "8086", ProductID: "15bc",
			Ports: []api.ResourcesNetworkCardPort{{ID: "eno1v0", Address: "aa:bb:cc:00:00:02", Protocol: "ethernet"}},
		}}},
	}, {
		Driver: "mlx4_core", DriverVersion: testKernel, PCIAddress: "0000:01:00.0", VendorID: "15b3", ProductID: "1003",
		FirmwareVersion: "2.42.5000",
		Ports:           []api.ResourcesNetworkCardPort{{ID: "ens1", Address: "aa:bb:cc:00:01:00", Protocol: "ethernet", PortType: "fibre"}},
	}, {
		Driver: "mlx4_core", DriverVersion: testKernel, PCIAddress: "0000:02:00.0", VendorID: "15b3", ProductID: "1007",
		Ports: []api.ResourcesNetworkCardPort{{ID: "ib0", Address: "80:00:02:08", Protocol: "infiniband", PortType: "other",
			Infiniband: &api.ResourcesNetworkCardPortInfiniband{IsSMName: "issm0", IsSMDevice: "231:64", MADName: "umad0",
				MADDevice: "231:0", VerbName: "uverbs0", VerbDevice: "231:192"}}},
	}, {
		Driver: "cdc_ether", DriverVersion: testKernel, USBAddress: "1:4",
		Ports: []api.ResourcesNetworkCardPort{{ID: "usb0", Address: "02:00:00:00:00:09", Protocol: "ethernet", PortType: "other"}},
	}, {
		PCIAddress: "0000:03:00.0", VendorID: "10ec", ProductID: "8168",
	}}}
	s := newTestService(t, networkHost().write(t), eth)
	got, err := s.network(s.loadIDs())
	mustDo(t, err)
	assertJSON(t, got, want)
}

package resources

import (
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// usbDev is a USB device under the xHCI controller at 0000:00:14.0 ("usb1"
// is the root hub itself) with its /sys/bus/usb/devices link.
func usbDev(name, busnum, devnum, class, vendor, product string, attrs map[string]string) tree {
	rel := "pci0000:00/0000:00:14.0/usb1"
	if name != "usb1" {
		rel += "/" + name
	}
	dir := "/sys/devices/" + rel + "/"
	tr := tree{
		"/sys/bus/usb/devices/" + name: link("../../../devices/" + rel),
		dir + "busnum":                 busnum, dir + "devnum": devnum, dir + "bDeviceClass": class,
		dir + "idVendor": vendor, dir + "idProduct": product, dir + "power/": "",
	}
	for k, v := range attrs {
		tr[dir+k] = v
	}
	return tr
}

// vpdSample is Vital Product Data: a product name, a read-only section with
// a part number, an engineering change level, the checksum (dropped) and a
// vendor keyword, then the end tag.
var vpdSample = string([]byte{0x82, 0x10, 0x00}) + "HP Ethernet 1Gb " +
	string([]byte{0x90, 0x17, 0x00}) + "PN" + string([]byte{6}) + "123456" + "EC" + string([]byte{2}) + "A1" +
	"RV" + string([]byte{1, 0}) + "V0" + string([]byte{3}) + "5W " + string([]byte{0x78})

// TestResourcesUSBPCI proves resources_usb_pci (USB devices with their
// interfaces, PCI devices), resources_pci_iommu (IOMMU groups) and
// resources_pci_vpd (Vital Product Data).
func TestResourcesUSBPCI(t *testing.T) {
	host := merge(
		usbDev("usb1", "1", "1", "09", "1d6b", "0002", nil),
		usbDev("1-1", "1", "2", "00", "046d", "c31c", map[string]string{
			"product": "USB Keyboard\n", "speed": "1.5\n",
			"1-1:1.0/bInterfaceClass": "03", "1-1:1.0/bInterfaceSubClass": "01", "1-1:1.0/bInterfaceNumber": "00",
			"1-1:1.0/driver":          link("../../../../../../bus/usb/drivers/usbhid"),
			"1-1:1.1/bInterfaceClass": "03", "1-1:1.1/bInterfaceSubClass": "00", "1-1:1.1/bInterfaceNumber": "01",
		}),
		usbDev("1-2", "1", "3", "00", "0557", "2221", map[string]string{"speed": "12"}),
		usbDev("1-3", "1", "4", "09", "05e3", "0608", nil),
		pciDevice("0000:00:00.0", "0x060000", "0x8086", "0x0d57", ""),
		pciDevice("0000:00:1f.6", "0x020000", "0x8086", "0x15bb", "e1000e"),
		tree{
			"/sys/bus/usb/devices/1-1:1.0":                     link("../../../devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0"),
			"/sys/bus/usb/drivers/usbhid/":                     "",
			"/sys/devices/pci0000:00/0000:00:00.0/iommu_group": link("../../../kernel/iommu_groups/3"),
			"/sys/kernel/iommu_groups/3/":                      "",
			"/sys/devices/pci0000:00/0000:00:1f.6/iommu_group": link("../../../kernel/iommu_groups/12"),
			"/sys/kernel/iommu_groups/12/":                     "",
			"/sys/devices/pci0000:00/0000:00:1f.6/numa_node":   "1",
			"/sys/devices/pci0000:00/0000:00:1f.6/vpd":         vpdSample,
			"/sys/bus/pci/drivers/e1000e/module":               link("../../../../module/e1000e"),
			"/sys/module/e1000e/version":                       "3.2.6-k",
			"/usr/share/misc/pci.ids":                          testPCIIDs,
			"/usr/share/misc/usb.ids": "046d  Logitech, Inc.\n\tc31c  Keyboard K120\n0557  ATEN International Co., Ltd\n" +
				"\t2221  Winbond Hermon\nC 03  Human Interface Device\n\t01  Boot Interface Subclass\n",
		},
	)
	s := newTestService(t, host.write(t), nil)
	ids := s.loadIDs()

	usb, err := s.usb(ids)
	mustDo(t, err)
	assertJSON(t, usb, api.ResourcesUSB{Total: 2, Devices: []api.ResourcesUSBDevice{{
		BusAddress: 1, DeviceAddress: 2, Vendor: "Logitech, Inc.", VendorID: "046d", Product: "USB Keyboard",
		ProductID: "c31c", Speed: 1.5, Interfaces: []api.ResourcesUSBDeviceInterface{
			{Class: "Human Interface Device", ClassID: 3, Driver: "usbhid", DriverVersion: testKernel, Number: 0,
				SubClass: "Boot Interface Subclass", SubClassID: 1},
			{Class: "Human Interface Device", ClassID: 3, Number: 1},
		},
	}, {
		BusAddress: 1, DeviceAddress: 3, Vendor: "ATEN International Co., Ltd", VendorID: "0557", Product: "Winbond Hermon",
		ProductID: "2221", Speed: 12,
	}}})

	pci, err := s.pci(ids)
	mustDo(t, err)
	assertJSON(t, pci, api.ResourcesPCI{Total: 2, Devices: []api.ResourcesPCIDevice{{
		PCIAddress: "0000:00:00.0", Vendor: "Intel Corporation", VendorID: "8086", Product: "Xeon host bridge",
		ProductID: "0d57", IOMMUGroup: 3,
	}, {
		Driver: "e1000e", DriverVersion: "3.2.6-k", NUMANode: 1, PCIAddress: "0000:00:1f.6", Vendor: "Intel Corporation",
		VendorID: "8086", Product: "Ethernet Connection (7) I219-LM", ProductID: "15bb", IOMMUGroup: 12,
		VPD: api.ResourcesPCIVPD{ProductName: "HP Ethernet 1Gb", Entries: map[string]string{"PN": "123456", "EC": "A1", "V0": "5W"}},
	}}})
}

func TestParseVPD(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want api.ResourcesPCIVPD
	}{
		{name: "empty", in: "", want: api.ResourcesPCIVPD{Entries: map[string]string{}}},
		{name: "sample", in: vpdSample, want: api.ResourcesPCIVPD{ProductName: "HP Ethernet 1Gb",
			Entries: map[string]string{"PN": "123456", "EC": "A1", "V0": "5W"}}},
		{name: "truncated length", in: string([]byte{0x82, 0x40, 0x00}) + "short", want: api.ResourcesPCIVPD{
			ProductName: "short", Entries: map[string]string{}}},
		{name: "truncated header", in: string([]byte{0x82, 0x01}), want: api.ResourcesPCIVPD{Entries: map[string]string{}}},
		{name: "entry cut short", in: string([]byte{0x90, 0x04, 0x00}) + "SN" + string([]byte{9}) + "X",
			want: api.ResourcesPCIVPD{Entries: map[string]string{"SN": "X"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertJSON(t, parseVPD([]byte(tt.in)), tt.want) })
	}
}

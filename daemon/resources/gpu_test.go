package resources

import (
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func gpuHost() tree {
	igpu := "/sys/devices/pci0000:00/0000:00:02.0/"
	usbIf := "/sys/devices/pci0000:00/0000:00:14.0/usb3/3-1/3-1:1.0/"
	mdev := igpu + "mdev_supported_types/i915-GVTg_V5_4/"
	return merge(
		pciDevice("0000:00:02.0", "0x030000", "0x8086", "0x5916", "i915"),
		pciDevice("0000:00:02.1", "0x030000", "0x8086", "0x5916", "i915"),
		pciDevice("0000:01:00.0", "0x030200", "0x10de", "0x1eb8", "vfio-pci"),
		pciDevice("0000:00:14.0", "0x0c0330", "0x8086", "0xa36d", "xhci_hcd"),
		tree{
			"/sys/class/drm/card0":          link("../../devices/pci0000:00/0000:00:02.0/drm/card0"),
			"/sys/class/drm/card0-HDMI-A-1": link("../../devices/pci0000:00/0000:00:02.0/drm/card0/card0-HDMI-A-1"),
			"/sys/class/drm/renderD128":     link("../../devices/pci0000:00/0000:00:02.0/drm/renderD128"),
			"/sys/class/drm/card1":          link("../../devices/pci0000:00/0000:00:14.0/usb3/3-1/3-1:1.0/drm/card1"),
			"/sys/class/drm/version":        "drm 1.1.0 20060810",
			igpu + "drm/card0/dev":          "226:0", igpu + "drm/card0/device": link("../../../0000:00:02.0"),
			igpu + "drm/card0/card0-HDMI-A-1/status": "connected",
			igpu + "drm/renderD128/dev":              "226:128", igpu + "drm/controlD64/dev": "226:64",
			igpu + "sriov_numvfs": "1", igpu + "sriov_totalvfs": "7",
			"/sys/devices/pci0000:00/0000:00:02.1/physfn": link("../0000:00:02.0"),
			mdev + "device_api":                           "vfio-pci", mdev + "available_instances": "1",
			mdev + "description": "low_gm_size: 128MB\nhigh_gm_size: 512MB\n", mdev + "name": "GVTg_V5_4",
			mdev + "devices/42200aac-0977-495c-8c9e-6c51b9092a01": link("../../../42200aac-0977-495c-8c9e-6c51b9092a01"),
			usbIf + "drm/card1/dev":                               "226:1", usbIf + "drm/card1/device": link("../../../3-1:1.0"),
			usbIf + "driver":            link("../../../../../../bus/usb/drivers/udl"),
			"/sys/bus/usb/drivers/udl/": "",
			"/sys/devices/pci0000:00/0000:00:14.0/usb3/3-1/busnum": "3",
			"/sys/devices/pci0000:00/0000:00:14.0/usb3/3-1/devnum": "2",
			"/usr/share/hwdata/pci.ids":                            "8086  Intel Corporation\n\t5916  HD Graphics 620\n",
		},
	)
}

// TestResourcesGPU proves resources_gpu (cards with DRM nodes and SR-IOV),
// resources_gpu_mdev (mediated device profiles) and resources_gpu_usb (USB
// address of a USB display adapter).
func TestResourcesGPU(t *testing.T) {
	want := api.ResourcesGPU{Total: 4, Cards: []api.ResourcesGPUCard{{
		Driver: "i915", DriverVersion: testKernel, PCIAddress: "0000:00:02.0",
		Vendor: "Intel Corporation", VendorID: "8086", Product: "HD Graphics 620", ProductID: "5916",
		DRM: &api.ResourcesGPUCardDRM{ID: 0, CardName: "card0", CardDevice: "226:0", ControlName: "controlD64",
			ControlDevice: "226:64", RenderName: "renderD128", RenderDevice: "226:128"},
		SRIOV: &api.ResourcesGPUCardSRIOV{CurrentVFs: 1, MaximumVFs: 7, VFs: []api.ResourcesGPUCard{{
			Driver: "i915", DriverVersion: testKernel, PCIAddress: "0000:00:02.1",
			Vendor: "Intel Corporation", VendorID: "8086", Product: "HD Graphics 620", ProductID: "5916",
		}}},
		Mdev: map[string]api.ResourcesGPUCardMdev{"i915-GVTg_V5_4": {API: "vfio-pci", Available: 1, Name: "GVTg_V5_4",
			Description: "low_gm_size: 128MB\nhigh_gm_size: 512MB", Devices: []string{"42200aac-0977-495c-8c9e-6c51b9092a01"}}},
	}, {
		Driver: "udl", DriverVersion: testKernel, USBAddress: "3:2",
		DRM: &api.ResourcesGPUCardDRM{ID: 1, CardName: "card1", CardDevice: "226:1"},
	}, {
		Driver: "vfio-pci", DriverVersion: testKernel, PCIAddress: "0000:01:00.0", VendorID: "10de", ProductID: "1eb8",
	}}}
	s := newTestService(t, gpuHost().write(t), nil)
	got, err := s.gpu(s.loadIDs())
	mustDo(t, err)
	assertJSON(t, got, want)
}

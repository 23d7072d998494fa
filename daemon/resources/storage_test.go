package resources

import (
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// blockDev is a /sys/class/block entry for a device at /sys/devices/<dir>.
// A nil attrs map makes no files (a partition gets its own).
func blockDev(name, dir string, attrs map[string]string) tree {
	tr := tree{"/sys/class/block/" + name: link("../../devices/" + dir)}
	for k, v := range attrs {
		tr["/sys/devices/"+dir+"/"+k] = v
	}
	return tr
}

func storageHost() tree {
	sata := "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0"
	usb := "pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0"
	nvme := "pci0000:00/0000:00:1d.0/nvme/nvme0"
	cd := "pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0"
	return merge(
		pciDevice("0000:00:17.0", "0x010601", "0x8086", "0xa352", "ahci"),
		pciDevice("0000:00:1d.0", "0x010802", "0x8086", "0xf1a5", "nvme"),
		pciDevice("0000:00:14.0", "0x0c0330", "0x8086", "0xa36d", "xhci_hcd"),
		blockDev("sda", sata+"/block/sda", map[string]string{
			"dev": "8:0\n", "ro": "0\n", "size": "1000\n", "removable": "0\n", "wwid": "naa.5002538e40a0b1c2\n",
			"queue/rotational": "0\n", "device": link("../../../0:0:0:0"),
		}),
		blockDev("sda1", sata+"/block/sda/sda1", map[string]string{"dev": "8:1", "partition": "1", "ro": "0", "size": "500"}),
		blockDev("sda2", sata+"/block/sda/sda2", map[string]string{"dev": "8:2", "partition": "2", "ro": "1", "size": "400"}),
		blockDev("sdb", usb+"/block/sdb", map[string]string{
			"dev": "8:16", "ro": "0", "size": "2048", "removable": "1", "queue/rotational": "1",
			"device": link("../../../6:0:0:0"),
		}),
		blockDev("sdc", usb+"/block/sdc", map[string]string{"ro": "0", "device": link("../../../6:0:0:0")}),
		blockDev("nvme0n1", nvme+"/nvme0n1", map[string]string{
			"dev": "259:0", "ro": "0", "size": "4096", "removable": "0", "queue/rotational": "0",
			"device": link("../../nvme0"),
		}),
		blockDev("nvme0n1p1", nvme+"/nvme0n1/nvme0n1p1", map[string]string{"dev": "259:1", "partition": "1", "ro": "0", "size": "2048"}),
		blockDev("sr0", cd+"/block/sr0", map[string]string{
			"dev": "11:0", "ro": "0", "size": "2097151", "removable": "1", "queue/rotational": "1",
			"device": link("../../../1:0:0:0"),
		}),
		blockDev("rbd0", "virtual/rbd/rbd0/block/rbd0", map[string]string{"dev": "252:0", "device": link("../../../rbd0")}),
		blockDev("loop0", "virtual/block/loop0", map[string]string{"dev": "7:0", "ro": "0", "size": "0", "removable": "0"}),
		tree{
			"/sys/devices/" + sata + "/model": "Samsung SSD 860 \n", "/sys/devices/" + sata + "/subsystem": link("../../../../../../../bus/scsi"),
			"/sys/devices/" + usb + "/model": "Flash Disk\n", "/sys/devices/" + usb + "/subsystem": link("../../../../../../../../../bus/scsi"),
			"/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/busnum": "2", "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/devnum": "3",
			"/sys/devices/" + cd + "/model": "DVD-RAM UJ8E2\n", "/sys/devices/" + cd + "/subsystem": link("../../../../../../../bus/scsi"),
			"/sys/devices/" + nvme + "/model": "INTEL SSDPEKKW256G7\n", "/sys/devices/" + nvme + "/firmware_rev": "PSF121C\n",
			"/sys/devices/" + nvme + "/subsystem": link("../../../../../class/nvme"), "/sys/devices/" + nvme + "/device": link("../../../0000:00:1d.0"),
			"/sys/devices/virtual/rbd/rbd0/subsystem": link("../../../../bus/rbd"),
			"/sys/bus/scsi/": "", "/sys/bus/rbd/": "", "/sys/class/nvme/": "",
			"/run/udev/data/b8:0": "S:disk/by-id/ata-x\nE:ID_ATA_SATA=1\nE:ID_REVISION=RVT04B6Q\nE:ID_SERIAL_SHORT=S3Z9NB0K\n" +
				"E:ID_SERIAL=Samsung_SSD_860_EVO_S3Z9NB0K\nE:ID_MODEL_ENC=Samsung\\x20SSD\\x20860\\x20EVO\\x20\\x20\nE:ID_ATA_ROTATION_RATE_RPM=0\n",
			"/run/udev/data/b8:16": "E:ID_USB_DRIVER=usb-storage\nE:ID_SERIAL=Generic_Flash_Disk_1234-0:0\nE:ID_MODEL=Flash_Disk\n",
			"/run/udev/data/b11:0": "E:ID_CDROM=1\n",
			"/dev/sda":             "", "/dev/sda1": "", "/dev/nvme0n1": "",
			"/dev/disk/by-path/pci-0000:00:17.0-ata-1":       link("../../sda"),
			"/dev/disk/by-path/pci-0000:00:17.0-ata-1-part1": link("../../sda1"),
			"/dev/disk/by-path/pci-0000:00:1d.0-nvme-1":      link("../../nvme0n1"),
			"/dev/disk/by-id/ata-Samsung_SSD_860_S3Z9NB0K":   link("../../sda"),
			"/dev/disk/by-id/wwn-0x5002538e40a0b1c2":         link("../../sda"),
		},
	)
}

// TestResourcesStorage proves resources_disk_sata (device path, block size,
// firmware, RPM, serial), resources_disk_id (by-id name) and
// resources_disk_address (PCI and USB addresses of disks).
func TestResourcesStorage(t *testing.T) {
	want := api.ResourcesStorage{Total: 7, Disks: []api.ResourcesStorageDisk{{
		ID: "nvme0n1", Device: "259:0", Model: "INTEL SSDPEKKW256G7", Type: "nvme", Size: 4096 * 512,
		DevicePath: "pci-0000:00:1d.0-nvme-1", BlockSize: 512, FirmwareVersion: "PSF121C", PCIAddress: "0000:00:1d.0",
		Partitions: []api.ResourcesStorageDiskPartition{{ID: "nvme0n1p1", Device: "259:1", Size: 2048 * 512, Partition: 1}},
	}, {
		ID: "sda", Device: "8:0", Model: "Samsung SSD 860 EVO", Type: "sata", Size: 1000 * 512, WWN: "naa.5002538e40a0b1c2",
		DevicePath: "pci-0000:00:17.0-ata-1", BlockSize: 512, FirmwareVersion: "RVT04B6Q", Serial: "S3Z9NB0K",
		DeviceID: "wwn-0x5002538e40a0b1c2",
		Partitions: []api.ResourcesStorageDiskPartition{
			{ID: "sda1", Device: "8:1", Size: 500 * 512, Partition: 1},
			{ID: "sda2", Device: "8:2", ReadOnly: true, Size: 400 * 512, Partition: 2},
		},
	}, {
		ID: "sdb", Device: "8:16", Model: "Flash_Disk", Type: "usb", Size: 2048 * 512, Removable: true, BlockSize: 512,
		RPM: 1, Serial: "Generic_Flash_Disk_1234-0:0", USBAddress: "2:3", Partitions: []api.ResourcesStorageDiskPartition{},
	}, {
		ID: "sr0", Device: "11:0", Model: "DVD-RAM UJ8E2", Type: "cdrom", Size: 0, Removable: true, BlockSize: 512, RPM: 1,
		Partitions: []api.ResourcesStorageDiskPartition{},
	}}}
	got, err := newTestService(t, storageHost().write(t), nil).Storage()
	mustDo(t, err)
	assertJSON(t, got, want)
}

func TestUdevDecode(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Samsung\x20SSD`, "Samsung SSD"},
		{`plain`, "plain"},
		{`trailing\x2`, `trailing\x2`},
		{`a\x41\x42`, "aAB"},
	}
	for _, tt := range tests {
		if got, _ := udevDecode(tt.in); got != tt.want {
			t.Errorf("udevDecode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

package resources

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

const (
	sysBlock     = "/sys/class/block"
	devDiskPath  = "/dev/disk/by-path"
	devDiskID    = "/dev/disk/by-id"
	runUdevData  = "/run/udev/data"
	cdromMaxSize = 0x1fffff * 512 // what an empty drive reports
)

// Storage reports the disks (block devices backed by a device: not loop,
// zram or partitions) and their partitions.
func (s *Service) Storage() (api.ResourcesStorage, error) {
	out := api.ResourcesStorage{Disks: []api.ResourcesStorageDisk{}}
	if !s.fs.exists(sysBlock) {
		return out, nil
	}
	entries, err := s.fs.entries(sysBlock)
	if err != nil {
		return out, fmt.Errorf("Failed to list %q: %w", sysBlock, err)
	}
	var all []string
	for _, e := range entries {
		all = append(all, e.Name())
	}
	for _, name := range all {
		if !s.fs.exists(filepath.Join(sysBlock, name, "device")) {
			continue
		}
		disk, keep, err := s.disk(name, all)
		if err != nil {
			return out, err
		}
		if keep {
			out.Disks = append(out.Disks, disk)
			out.Total += 1 + uint64(len(disk.Partitions))
		}
	}
	return out, nil
}

// disk describes one whole disk; keep is false for entries LXD leaves out
// (multipath members without a dev file, Ceph RBD devices).
func (s *Service) disk(name string, all []string) (disk api.ResourcesStorageDisk, keep bool, err error) {
	path := filepath.Join(sysBlock, name)
	devicePath := filepath.Join(path, "device")
	disk = api.ResourcesStorageDisk{ID: name}
	if disk.FirmwareVersion, err = s.fs.optString(filepath.Join(devicePath, "firmware_rev")); err != nil {
		return disk, false, err
	}
	if disk.Device, err = s.fs.readString(filepath.Join(path, "dev")); err != nil {
		if os.IsNotExist(err) {
			return disk, false, nil
		}
		return disk, false, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "dev"), err)
	}
	if err = s.diskAddresses(devicePath, &disk); err != nil {
		return disk, false, err
	}
	if disk.Model, err = s.fs.optString(filepath.Join(devicePath, "model")); err != nil {
		return disk, false, err
	}
	if s.fs.exists(filepath.Join(devicePath, "subsystem")) {
		if disk.Type, err = s.fs.linkBase(filepath.Join(devicePath, "subsystem")); err != nil {
			return disk, false, err
		}
		if disk.Type == "rbd" {
			return disk, false, nil
		}
	}
	if err = s.blockAttributes(path, &disk.ReadOnly, &disk.Size); err != nil {
		return disk, false, err
	}
	removable, err := s.fs.readUint(filepath.Join(path, "removable"))
	if err != nil {
		return disk, false, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "removable"), err)
	}
	disk.Removable = removable == 1
	if disk.WWN, err = s.fs.optString(filepath.Join(path, "wwid")); err != nil {
		return disk, false, err
	}
	if strings.HasPrefix(name, "sr") && disk.Removable {
		disk.Type = "cdrom"
		if disk.Size == cdromMaxSize {
			disk.Size = 0
		}
	}
	if disk.Partitions, err = s.partitions(name, all); err != nil {
		return disk, false, err
	}
	if err = s.diskLinks(name, &disk); err != nil {
		return disk, false, err
	}
	if err = s.diskDriveInfo(name, &disk); err != nil {
		return disk, false, fmt.Errorf("Failed to retrieve disk information from %q: %w", "/dev/"+name, err)
	}
	return disk, true, nil
}

// diskAddresses fills the disk's NUMA node and PCI / USB address.
func (s *Service) diskAddresses(devicePath string, disk *api.ResourcesStorageDisk) (err error) {
	if disk.PCIAddress, err = s.pciAddress(devicePath); err != nil {
		return fmt.Errorf("Failed to find PCI address for %q: %w", devicePath, err)
	}
	if disk.USBAddress, err = s.usbAddress(devicePath); err != nil {
		return fmt.Errorf("Failed to find USB address for %q: %w", devicePath, err)
	}
	disk.NUMANode, err = s.fs.numaNode(devicePath)
	return err
}

// blockAttributes reads a block device's ro and size (in 512-byte sectors).
func (s *Service) blockAttributes(path string, readOnly *bool, size *uint64) error {
	ro, err := s.fs.readUint(filepath.Join(path, "ro"))
	if err != nil {
		return fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "ro"), err)
	}
	sectors, err := s.fs.readUint(filepath.Join(path, "size"))
	if err != nil {
		return fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "size"), err)
	}
	*readOnly, *size = ro == 1, sectors*512
	return nil
}

// partitions lists the entries named after the disk that have a partition
// number.
func (s *Service) partitions(disk string, all []string) ([]api.ResourcesStorageDiskPartition, error) {
	out := []api.ResourcesStorageDiskPartition{}
	for _, name := range all {
		path := filepath.Join(sysBlock, name)
		if !strings.HasPrefix(name, disk) || !s.fs.exists(filepath.Join(path, "partition")) {
			continue
		}
		p := api.ResourcesStorageDiskPartition{ID: name}
		var err error
		if p.Partition, err = s.fs.readUint(filepath.Join(path, "partition")); err != nil {
			return nil, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "partition"), err)
		}
		if p.Device, err = s.fs.readString(filepath.Join(path, "dev")); err != nil {
			return nil, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "dev"), err)
		}
		if err = s.blockAttributes(path, &p.ReadOnly, &p.Size); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// diskLinks finds the udev by-path and by-id names pointing at the disk
// (the last one in name order wins).
func (s *Service) diskLinks(name string, disk *api.ResourcesStorageDisk) error {
	for _, l := range []struct {
		dir string
		dst *string
	}{{devDiskPath, &disk.DevicePath}, {devDiskID, &disk.DeviceID}} {
		if !s.fs.exists(l.dir) {
			continue
		}
		links, err := s.fs.entries(l.dir)
		if err != nil {
			return fmt.Errorf("Failed to list the links in %q: %w", l.dir, err)
		}
		for _, link := range links {
			target, err := s.fs.resolve(filepath.Join(l.dir, link.Name()))
			if err != nil {
				return fmt.Errorf("Failed to find %q: %w", filepath.Join(l.dir, link.Name()), err)
			}
			if target == "/dev/"+name {
				*l.dst = link.Name()
			}
		}
	}
	return nil
}

// diskDriveInfo adds what the device node and udev know: physical block
// size, finer type, firmware, serial, model and rotation speed. A rotational
// disk with no known speed reports 1 RPM.
func (s *Service) diskDriveInfo(name string, disk *api.ResourcesStorageDisk) error {
	disk.BlockSize = s.blockSize("/dev/" + name)
	props, err := s.udevProperties("b" + disk.Device)
	if err != nil {
		return err
	}
	switch {
	case props["ID_CDROM"] == "1":
		disk.Type = "cdrom"
	case props["ID_USB_DRIVER"] == "usb-storage":
		disk.Type = "usb"
	case props["ID_ATA_SATA"] == "1":
		disk.Type = "sata"
	}
	if disk.FirmwareVersion == "" {
		disk.FirmwareVersion = props["ID_REVISION"]
	}
	for _, key := range []string{"SCSI_IDENT_SERIAL", "ID_SCSI_SERIAL", "ID_SERIAL_SHORT", "ID_SERIAL"} {
		if props[key] != "" {
			disk.Serial = props[key]
			break
		}
	}
	if enc := props["ID_MODEL_ENC"]; enc != "" {
		if model, err := udevDecode(enc); err == nil {
			disk.Model = strings.TrimSpace(model)
		} else if props["ID_MODEL"] != "" {
			disk.Model = props["ID_MODEL"]
		}
	} else if props["ID_MODEL"] != "" {
		disk.Model = props["ID_MODEL"]
	}
	if rpm := props["ID_ATA_ROTATION_RATE_RPM"]; rpm != "" {
		if disk.RPM, err = strconv.ParseUint(rpm, 10, 64); err != nil {
			return fmt.Errorf("Failed to parse RPM value: %w", err)
		}
	}
	if rotational := filepath.Join(sysBlock, name, "queue", "rotational"); disk.RPM == 0 && s.fs.exists(rotational) {
		if v, err := s.fs.readUint(rotational); err == nil {
			disk.RPM = v
		}
	}
	return nil
}

// udevProperties reads the E: lines of a /run/udev/data entry (empty when
// udev does not run, as in most containers).
func (s *Service) udevProperties(entry string) (map[string]string, error) {
	props := map[string]string{}
	path := filepath.Join(runUdevData, entry)
	if !s.fs.exists(path) {
		return props, nil
	}
	data, err := s.fs.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("Failed to open %q: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "E:")
		if !ok {
			continue
		}
		if key, value, ok := strings.Cut(rest, "="); ok {
			props[strings.TrimSpace(key)] = strings.TrimSpace(value)
		}
	}
	return props, nil
}

// udevDecode undoes udev's \xNN escaping of property values.
func udevDecode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return b.String(), err
			}
			b.WriteByte(byte(v))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

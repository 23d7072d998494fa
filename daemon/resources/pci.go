package resources

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

const sysPCI = "/sys/bus/pci/devices"

// pci lists every PCI function.
func (s *Service) pci(ids names) (api.ResourcesPCI, error) {
	out := api.ResourcesPCI{Devices: []api.ResourcesPCIDevice{}}
	if !s.fs.exists(sysPCI) {
		return out, nil
	}
	entries, err := s.fs.entries(sysPCI)
	if err != nil {
		return out, fmt.Errorf("Failed to list %q: %w", sysPCI, err)
	}
	for _, e := range entries {
		dev, err := s.pciDevice(e.Name(), ids)
		if err != nil {
			return out, err
		}
		out.Devices = append(out.Devices, dev)
		out.Total++
	}
	return out, nil
}

func (s *Service) pciDevice(address string, ids names) (api.ResourcesPCIDevice, error) {
	path := filepath.Join(sysPCI, address)
	dev := api.ResourcesPCIDevice{PCIAddress: address}
	var err error
	if dev.Driver, dev.DriverVersion, err = s.fs.driver(path, s.uname.Release); err != nil {
		return dev, fmt.Errorf("Failed to get driver of %q: %w", path, err)
	}
	if dev.NUMANode, err = s.fs.numaNode(path); err != nil {
		return dev, err
	}
	if dev.ProductID, err = s.fs.hexID(filepath.Join(path, "device")); err != nil {
		return dev, err
	}
	if dev.VendorID, err = s.fs.hexID(filepath.Join(path, "vendor")); err != nil {
		return dev, err
	}
	dev.Vendor, dev.Product = ids.pci.vendor(dev.VendorID, dev.ProductID)
	group := filepath.Join(path, "iommu_group")
	if s.fs.exists(group) {
		base, err := s.fs.linkBase(group)
		if err != nil {
			return dev, err
		}
		if dev.IOMMUGroup, err = strconv.ParseUint(base, 10, 64); err != nil {
			return dev, fmt.Errorf("Failed to parse %q: %w", base, err)
		}
	}
	// An unreadable VPD (common: reading it needs the device awake) is
	// left empty.
	if data, err := s.fs.readFile(filepath.Join(path, "vpd")); err == nil {
		dev.VPD = parseVPD(data)
	}
	return dev, nil
}

// pciAddress returns the PCI address of the device behind a sysfs device
// link ("" when it is not on PCI). A virtio device is its parent's PCI
// function.
func (s *Service) pciAddress(devicePath string) (string, error) {
	dir := s.deviceDir(devicePath)
	if !s.fs.exists(filepath.Join(dir, "subsystem")) {
		return "", nil
	}
	target, err := s.fs.resolve(dir)
	if err != nil {
		return "", fmt.Errorf("Failed to find %q: %w", dir, err)
	}
	subsystem, err := s.fs.linkBase(filepath.Join(target, "subsystem"))
	if err != nil {
		return "", err
	}
	if subsystem == "virtio" {
		target = filepath.Dir(target)
		if subsystem, err = s.fs.linkBase(filepath.Join(target, "subsystem")); err != nil {
			return "", err
		}
	}
	if subsystem != "pci" {
		return "", nil
	}
	return filepath.Base(target), nil
}

// usbAddress returns "bus:device" of the USB device a sysfs path sits
// under ("" when it is not on USB).
func (s *Service) usbAddress(devicePath string) (string, error) {
	path, err := s.fs.resolve(devicePath)
	if err != nil {
		return "", fmt.Errorf("Failed to resolve device symlink: %w", err)
	}
	if !strings.Contains(path, "/usb") {
		return "", nil
	}
	for ; path != "/" && path != "."; path = filepath.Dir(path) {
		if !s.fs.exists(filepath.Join(path, "busnum")) || !s.fs.exists(filepath.Join(path, "devnum")) {
			continue
		}
		bus, err := s.fs.readUint(filepath.Join(path, "busnum"))
		if err != nil {
			return "", fmt.Errorf("Unable to parse USB bus addr: %w", err)
		}
		dev, err := s.fs.readUint(filepath.Join(path, "devnum"))
		if err != nil {
			return "", fmt.Errorf("Unable to parse USB device addr: %w", err)
		}
		return fmt.Sprintf("%d:%d", bus, dev), nil
	}
	return "", nil
}

// deviceDir descends through nested "device" directories (wwan and similar
// sub-devices) to the one holding the device's own attributes.
func (s *Service) deviceDir(devicePath string) string {
	for {
		next := filepath.Join(devicePath, "device")
		st, err := os.Stat(s.fs.real(next))
		if err != nil || st.Mode().IsRegular() {
			return devicePath
		}
		devicePath = next
	}
}

// vpdKnownKey keeps the VPD keywords worth showing: vendor-specific (V*, Y*,
// Z*) and the standard descriptive ones; checksums and padding are dropped.
func vpdKnownKey(key string) bool {
	if key == "" {
		return false
	}
	switch key[0] {
	case 'V', 'Y', 'Z':
		return true
	}
	switch key {
	case "CC", "EC", "FC", "FN", "MN", "NA", "PN", "RM", "SN":
		return true
	}
	return false
}

// parseVPD decodes PCI Vital Product Data: resource tags, of which 0x82 is
// the product name and 0x90/0x91 hold keyword entries.
func parseVPD(buf []byte) api.ResourcesPCIVPD {
	vpd := api.ResourcesPCIVPD{Entries: map[string]string{}}
	for len(buf) > 0 {
		tag := int(buf[0])
		buf = buf[1:]
		length := tag & 0x07
		if tag&0x80 != 0 {
			if len(buf) < 2 {
				break
			}
			length = int(buf[0]) | int(buf[1])<<8
			buf = buf[2:]
		}
		length = min(length, len(buf))
		body := buf[:length]
		buf = buf[length:]
		switch tag {
		case 0x82:
			vpd.ProductName = vpdString(body)
		case 0x90, 0x91:
			for k, v := range vpdEntries(body) {
				vpd.Entries[k] = v
			}
		}
	}
	return vpd
}

// vpdEntries reads "KK" + length byte + value keyword records.
func vpdEntries(body []byte) map[string]string {
	out := map[string]string{}
	for len(body) > 0 {
		n := min(2, len(body))
		key := vpdString(body[:n])
		body = body[n:]
		if len(body) == 0 {
			break
		}
		length := min(int(body[0]), len(body)-1)
		body = body[1:]
		if length == 0 {
			continue
		}
		value := vpdString(body[:length])
		body = body[length:]
		if vpdKnownKey(key) {
			out[key] = value
		}
	}
	return out
}

func vpdString(b []byte) string {
	return strings.Trim(string(b), "\x00 ")
}

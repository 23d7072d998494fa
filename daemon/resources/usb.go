package resources

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

const sysUSB = "/sys/bus/usb/devices"

// usb lists the USB devices, hubs excluded.
func (s *Service) usb(ids names) (api.ResourcesUSB, error) {
	out := api.ResourcesUSB{Devices: []api.ResourcesUSBDevice{}}
	if !s.fs.exists(sysUSB) {
		return out, nil
	}
	entries, err := s.fs.entries(sysUSB)
	if err != nil {
		return out, fmt.Errorf("Failed to list %q: %w", sysUSB, err)
	}
	for _, e := range entries {
		path := filepath.Join(sysUSB, e.Name())
		// Interfaces ("1-1:1.0") have no bus number; hubs are class 9.
		if !s.fs.exists(filepath.Join(path, "busnum")) {
			continue
		}
		class, err := s.fs.optString(filepath.Join(path, "bDeviceClass"))
		if err != nil {
			return out, err
		}
		if class != "" {
			n, err := strconv.ParseUint(class, 16, 64)
			if err != nil {
				return out, fmt.Errorf("Failed to parse device class %q: %w", class, err)
			}
			if n == 9 {
				continue
			}
		}
		dev, err := s.usbDevice(path, ids)
		if err != nil {
			return out, err
		}
		out.Devices = append(out.Devices, dev)
		out.Total++
	}
	return out, nil
}

// usbDevice reads one device and its interfaces.
func (s *Service) usbDevice(path string, ids names) (api.ResourcesUSBDevice, error) {
	dev := api.ResourcesUSBDevice{}
	var err error
	if dev.BusAddress, err = s.fs.readUint(filepath.Join(path, "busnum")); err != nil {
		return dev, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "busnum"), err)
	}
	if dev.DeviceAddress, err = s.fs.readUint(filepath.Join(path, "devnum")); err != nil {
		return dev, fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "devnum"), err)
	}
	if dev.ProductID, err = s.fs.hexID(filepath.Join(path, "idProduct")); err != nil {
		return dev, err
	}
	if dev.VendorID, err = s.fs.hexID(filepath.Join(path, "idVendor")); err != nil {
		return dev, err
	}
	if dev.Product, err = s.fs.optString(filepath.Join(path, "product")); err != nil {
		return dev, err
	}
	// The vendor name comes from usb.ids; the product name from the device
	// itself, or usb.ids when the device has none.
	vendor, product := ids.usb.vendor(dev.VendorID, dev.ProductID)
	dev.Vendor = vendor
	if dev.Product == "" && vendor != "" {
		dev.Product = product
	}
	if speed, err := s.fs.optString(filepath.Join(path, "speed")); err != nil {
		return dev, err
	} else if speed != "" {
		if dev.Speed, err = strconv.ParseFloat(speed, 64); err != nil {
			return dev, fmt.Errorf("Failed to parse speed %q: %w", speed, err)
		}
	}
	dev.Interfaces, err = s.usbInterfaces(path, ids)
	return dev, err
}

// usbInterfaces reads the interface directories ("1-1:1.0") of a device.
func (s *Service) usbInterfaces(path string, ids names) ([]api.ResourcesUSBDeviceInterface, error) {
	entries, err := s.fs.entries(path)
	if err != nil {
		return nil, fmt.Errorf("Failed to list %q: %w", path, err)
	}
	var out []api.ResourcesUSBDeviceInterface
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), filepath.Base(path)) {
			continue
		}
		dir := filepath.Join(path, e.Name())
		iface := api.ResourcesUSBDeviceInterface{}
		hex := func(file string, bits int, dst *uint64) error {
			v, err := s.fs.optString(filepath.Join(dir, file))
			if err != nil || v == "" {
				return err
			}
			if *dst, err = strconv.ParseUint(v, 16, bits); err != nil {
				return fmt.Errorf("Failed to parse %s %q: %w", file, v, err)
			}
			return nil
		}
		if err := hex("bInterfaceClass", 8, &iface.ClassID); err != nil {
			return nil, err
		}
		class, hasClass := ids.usb.classes[iface.ClassID]
		iface.Class = class.name
		if err := hex("bInterfaceSubClass", 8, &iface.SubClassID); err != nil {
			return nil, err
		}
		if iface.SubClassID > 0 && hasClass {
			iface.SubClass = class.subclasses[iface.SubClassID]
		}
		if err := hex("bInterfaceNumber", 64, &iface.Number); err != nil {
			return nil, err
		}
		if iface.Driver, iface.DriverVersion, err = s.fs.driver(dir, s.uname.Release); err != nil {
			return nil, fmt.Errorf("Failed to get driver of %q: %w", dir, err)
		}
		out = append(out, iface)
	}
	return out, nil
}

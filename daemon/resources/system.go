package resources

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/lxdng/lxd/shared/api"
)

const sysDMI = "/sys/class/dmi/id"

// chassisTypes are the SMBIOS chassis type names (DMTF SMBIOS 3.x, 7.4.1).
var chassisTypes = map[uint64]string{
	0x1: "Other", 0x2: "Unknown", 0x3: "Desktop", 0x4: "Low Profile Desktop", 0x5: "Pizza Box",
	0x6: "Mini Tower", 0x7: "Tower", 0x8: "Portable", 0x9: "Laptop", 0xA: "Notebook", 0xB: "Hand Held",
	0xC: "Docking Station", 0xD: "All in One", 0xE: "Sub Notebook", 0xF: "Space-saving", 0x10: "Lunch Box",
	0x11: "Main Server Chassis", 0x12: "Expansion Chassis", 0x13: "SubChassis", 0x14: "Bus Expansion Chassis",
	0x15: "Peripheral Chassis", 0x16: "RAID Chassis", 0x17: "Rack Mount Chassis", 0x18: "Sealed-case PC",
	0x19: "Multi-system chassis", 0x1A: "Compact PCI", 0x1B: "Advanced TCA", 0x1C: "Blade",
	0x1D: "Blade Enclosure", 0x1E: "Tablet", 0x1F: "Convertible", 0x20: "Detachable", 0x21: "IoT Gateway",
	0x22: "Embedded PC", 0x23: "Mini PC", 0x24: "Stick PC",
}

// System describes the machine from its DMI tables; without them only the
// virtualization type is known.
func (s *Service) System() (api.ResourcesSystem, error) {
	s.systemTypeOnce.Do(func() { s.systemType = s.systemTypeFunc() })
	out := api.ResourcesSystem{Type: s.systemType}
	if !s.fs.exists(sysDMI) {
		return out, nil
	}
	var err error
	fields := []struct {
		file string
		dst  *string
	}{
		{"product_uuid", &out.UUID}, {"sys_vendor", &out.Vendor}, {"product_name", &out.Product},
		{"product_family", &out.Family}, {"product_version", &out.Version}, {"product_sku", &out.Sku},
		{"product_serial", &out.Serial},
	}
	if err = s.dmiStrings(fields); err != nil {
		return out, err
	}
	out.Firmware = &api.ResourcesSystemFirmware{}
	out.Chassis = &api.ResourcesSystemChassis{}
	out.Motherboard = &api.ResourcesSystemMotherboard{}
	err = s.dmiStrings([]struct {
		file string
		dst  *string
	}{
		{"bios_vendor", &out.Firmware.Vendor}, {"bios_date", &out.Firmware.Date},
		{"bios_version", &out.Firmware.Version},
		{"chassis_vendor", &out.Chassis.Vendor}, {"chassis_serial", &out.Chassis.Serial},
		{"chassis_version", &out.Chassis.Version},
		{"board_vendor", &out.Motherboard.Vendor}, {"board_name", &out.Motherboard.Product},
		{"board_serial", &out.Motherboard.Serial}, {"board_version", &out.Motherboard.Version},
	})
	if err != nil {
		return out, err
	}
	typePath := filepath.Join(sysDMI, "chassis_type")
	if s.fs.exists(typePath) {
		n, err := s.fs.readUint(typePath)
		if err != nil {
			return out, fmt.Errorf("Failed parsing %q: %w", typePath, err)
		}
		out.Chassis.Type = chassisTypes[n]
	}
	return out, nil
}

// dmiStrings reads DMI attributes; missing ones and the root-only ones
// (serials, UUID) an unprivileged reader cannot open are left empty.
func (s *Service) dmiStrings(fields []struct {
	file string
	dst  *string
}) error {
	for _, f := range fields {
		path := filepath.Join(sysDMI, f.file)
		v, err := s.fs.readString(path)
		if err != nil && !os.IsNotExist(err) && !os.IsPermission(err) {
			return fmt.Errorf("Failed reading %q: %w", path, err)
		}
		*f.dst = v
	}
	return nil
}

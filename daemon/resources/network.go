package resources

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

const sysNet = "/sys/class/net"

// ARPHRD_* link types LXD names; others are "unknown".
var netProtocols = map[uint64]string{1: "ethernet", 19: "ATM", 32: "infiniband"}

// network reports the physical network cards: interfaces backed by a
// device, then PCI network-class functions without an interface. Virtual
// functions are listed under their parent's SR-IOV section.
func (s *Service) network(ids names) (api.ResourcesNetwork, error) {
	out := api.ResourcesNetwork{Cards: []api.ResourcesNetworkCard{}}
	var known []string
	vfs := map[string][]api.ResourcesNetworkCard{}
	add := func(devicePath string, card api.ResourcesNetworkCard) error {
		if err := s.networkCard(devicePath, ids, &card); err != nil {
			return fmt.Errorf("Failed to add device information for %q: %w", devicePath, err)
		}
		if parent, ok, err := s.physfn(devicePath); err != nil {
			return err
		} else if ok {
			vfs[parent] = append(vfs[parent], card)
			return nil
		}
		out.Cards = append(out.Cards, card)
		return nil
	}
	if s.fs.exists(sysNet) {
		entries, err := s.fs.entries(sysNet)
		if err != nil {
			return out, fmt.Errorf("Failed to list %q: %w", sysNet, err)
		}
		for _, e := range entries {
			devicePath := filepath.Join(sysNet, e.Name(), "device")
			if !s.fs.exists(devicePath) {
				continue
			}
			card := api.ResourcesNetworkCard{}
			if card.PCIAddress, err = s.pciAddress(devicePath); err != nil {
				return out, fmt.Errorf("Failed to find PCI address for %q: %w", devicePath, err)
			}
			if card.PCIAddress != "" {
				if slices.Contains(known, card.PCIAddress) {
					continue
				}
				known = append(known, card.PCIAddress)
			}
			if err := add(devicePath, card); err != nil {
				return out, err
			}
		}
	}
	err := s.pciClass("0x02", known, func(address, devicePath string) error {
		return add(devicePath, api.ResourcesNetworkCard{PCIAddress: address})
	})
	if err != nil {
		return out, err
	}
	for i := range out.Cards {
		if out.Cards[i].SRIOV != nil {
			out.Cards[i].SRIOV.VFs = vfs[out.Cards[i].PCIAddress]
			out.Total += uint64(len(out.Cards[i].SRIOV.VFs))
		}
		out.Total++
	}
	return out, nil
}

// pciClass calls fn for every PCI function of a class (by prefix of its
// class file) not already in known.
func (s *Service) pciClass(prefix string, known []string, fn func(address, devicePath string) error) error {
	if !s.fs.exists(sysPCI) {
		return nil
	}
	entries, err := s.fs.entries(sysPCI)
	if err != nil {
		return fmt.Errorf("Failed to list %q: %w", sysPCI, err)
	}
	for _, e := range entries {
		path := filepath.Join(sysPCI, e.Name())
		if slices.Contains(known, e.Name()) || !s.fs.exists(filepath.Join(path, "class")) {
			continue
		}
		class, err := s.fs.readString(filepath.Join(path, "class"))
		if err != nil {
			return fmt.Errorf("Failed to read %q: %w", filepath.Join(path, "class"), err)
		}
		if !strings.HasPrefix(class, prefix) {
			continue
		}
		if err := fn(e.Name(), path); err != nil {
			return err
		}
	}
	return nil
}

// physfn returns the parent PCI address of an SR-IOV virtual function.
func (s *Service) physfn(devicePath string) (string, bool, error) {
	link := filepath.Join(devicePath, "physfn")
	if !s.fs.exists(link) {
		return "", false, nil
	}
	parent, err := s.fs.linkBase(link)
	return parent, err == nil, err
}

// networkCard fills a card from its device directory and its interfaces.
func (s *Service) networkCard(devicePath string, ids names, card *api.ResourcesNetworkCard) error {
	dir := s.deviceDir(devicePath)
	var err error
	if card.SRIOV, err = s.sriov(dir); err != nil {
		return err
	}
	if card.NUMANode, err = s.fs.numaNode(dir); err != nil {
		return err
	}
	if card.USBAddress, err = s.usbAddress(dir); err != nil {
		return fmt.Errorf("Failed to find USB address for %q: %w", dir, err)
	}
	if card.VendorID, err = s.fs.hexID(filepath.Join(dir, "vendor")); err != nil {
		return err
	}
	if card.ProductID, err = s.fs.hexID(filepath.Join(dir, "device")); err != nil {
		return err
	}
	card.Vendor, card.Product = ids.pci.vendor(card.VendorID, card.ProductID)
	if card.Driver, card.DriverVersion, err = s.fs.driver(dir, s.uname.Release); err != nil {
		return fmt.Errorf("Failed to find device directory %q: %w", filepath.Join(dir, "driver"), err)
	}
	return s.networkPorts(devicePath, card)
}

// sriov reads a PCI function's VF counts (nil without SR-IOV).
func (s *Service) sriov(dir string) (*api.ResourcesNetworkCardSRIOV, error) {
	numvfs := filepath.Join(dir, "sriov_numvfs")
	if !s.fs.exists(numvfs) {
		return nil, nil
	}
	total, err := s.fs.readUint(filepath.Join(dir, "sriov_totalvfs"))
	if err != nil {
		return nil, fmt.Errorf("Failed to read %q: %w", filepath.Join(dir, "sriov_totalvfs"), err)
	}
	current, err := s.fs.readUint(numvfs)
	if err != nil {
		return nil, fmt.Errorf("Failed to read %q: %w", numvfs, err)
	}
	return &api.ResourcesNetworkCardSRIOV{CurrentVFs: current, MaximumVFs: total}, nil
}

// networkPorts lists the interfaces of a card (its net/ directory). A port
// ethtool cannot describe is left out, except on a VF, where physical port
// details make no sense anyway.
func (s *Service) networkPorts(devicePath string, card *api.ResourcesNetworkCard) error {
	netPath := filepath.Join(devicePath, "net")
	if !s.fs.exists(netPath) {
		return nil
	}
	card.Ports = []api.ResourcesNetworkCardPort{}
	entries, err := s.fs.entries(netPath)
	if err != nil {
		return fmt.Errorf("Failed to list %q: %w", netPath, err)
	}
	isVF := s.fs.exists(filepath.Join(devicePath, "physfn"))
	for _, e := range entries {
		port, err := s.networkPort(devicePath, filepath.Join(netPath, e.Name()))
		if err != nil {
			return err
		}
		if !isVF && s.ethtool.PortInfo(port.ID, &port) != nil {
			continue
		}
		card.Ports = append(card.Ports, port)
	}
	if len(card.Ports) > 0 {
		fw, err := s.ethtool.FirmwareVersion(card.Ports[0].ID)
		if err != nil {
			return fmt.Errorf("Failed to add card info: %w", err)
		}
		card.FirmwareVersion = fw
	}
	return nil
}

// networkPort reads an interface's protocol, MAC address, port number and
// InfiniBand devices from sysfs.
func (s *Service) networkPort(devicePath, ifPath string) (api.ResourcesNetworkCardPort, error) {
	port := api.ResourcesNetworkCardPort{ID: filepath.Base(ifPath)}
	if s.fs.exists(filepath.Join(ifPath, "type")) {
		typ, err := s.fs.readUint(filepath.Join(ifPath, "type"))
		if err != nil {
			return port, fmt.Errorf("Failed to read %q: %w", filepath.Join(ifPath, "type"), err)
		}
		port.Protocol = "unknown"
		if p, ok := netProtocols[typ]; ok {
			port.Protocol = p
		}
	}
	var err error
	if port.Address, err = s.fs.optString(filepath.Join(ifPath, "address")); err != nil {
		return port, err
	}
	if s.fs.exists(filepath.Join(ifPath, "dev_port")) {
		if port.Port, err = s.fs.readUint(filepath.Join(ifPath, "dev_port")); err != nil {
			return port, fmt.Errorf("Failed to read %q: %w", filepath.Join(ifPath, "dev_port"), err)
		}
	}
	if port.Protocol == "infiniband" && s.fs.exists(filepath.Join(devicePath, "infiniband")) {
		if port.Infiniband, err = s.infiniband(devicePath, port.Port); err != nil {
			return port, err
		}
	}
	return port, nil
}

// infiniband finds the issm/umad devices of a port (numbered from 1) and
// the card's single verbs device.
func (s *Service) infiniband(devicePath string, port uint64) (*api.ResourcesNetworkCardPortInfiniband, error) {
	ib := &api.ResourcesNetworkCardPortInfiniband{}
	madPath := filepath.Join(devicePath, "infiniband_mad")
	if s.fs.exists(madPath) {
		entries, err := s.fs.entries(madPath)
		if err != nil {
			return nil, fmt.Errorf("Failed to list %q: %w", madPath, err)
		}
		for _, e := range entries {
			n, err := s.fs.readUint(filepath.Join(madPath, e.Name(), "port"))
			if err != nil {
				return nil, fmt.Errorf("Failed to read %q: %w", filepath.Join(madPath, e.Name(), "port"), err)
			}
			if n != port+1 || !s.fs.exists(filepath.Join(madPath, e.Name(), "dev")) {
				continue
			}
			dev, err := s.fs.readString(filepath.Join(madPath, e.Name(), "dev"))
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(e.Name(), "issm") {
				ib.IsSMName, ib.IsSMDevice = e.Name(), dev
			}
			if strings.HasPrefix(e.Name(), "umad") {
				ib.MADName, ib.MADDevice = e.Name(), dev
			}
		}
	}
	verbsPath := filepath.Join(devicePath, "infiniband_verbs")
	if entries, err := s.fs.entries(verbsPath); err == nil && len(entries) == 1 {
		ib.VerbName = entries[0].Name()
		if dev, err := s.fs.readString(filepath.Join(verbsPath, ib.VerbName, "dev")); err == nil {
			ib.VerbDevice = dev
		}
	}
	return ib, nil
}

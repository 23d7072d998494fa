package resources

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

const sysDRM = "/sys/class/drm"

// gpu reports the GPUs: DRM cards first, then PCI display-class functions
// without a DRM card. NVIDIA details (which need the NVIDIA tools) are not
// probed.
func (s *Service) gpu(ids names) (api.ResourcesGPU, error) {
	out := api.ResourcesGPU{Cards: []api.ResourcesGPUCard{}}
	var known []string
	vfs := map[string][]api.ResourcesGPUCard{}
	add := func(devicePath string, card api.ResourcesGPUCard) error {
		if err := s.gpuCard(devicePath, ids, &card); err != nil {
			return fmt.Errorf("Failed adding device information for %q: %w", devicePath, err)
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
	if s.fs.exists(sysDRM) {
		entries, err := s.fs.entries(sysDRM)
		if err != nil {
			return out, fmt.Errorf("Failed listing %q: %w", sysDRM, err)
		}
		for _, e := range entries {
			path := filepath.Join(sysDRM, e.Name())
			// Cards only (not renderD/controlD nodes nor connectors).
			if !strings.HasPrefix(e.Name(), "card") || !s.fs.exists(filepath.Join(path, "dev")) {
				continue
			}
			devicePath := filepath.Join(path, "device")
			card := api.ResourcesGPUCard{}
			if card.PCIAddress, err = s.pciAddress(devicePath); err != nil {
				return out, fmt.Errorf("Failed finding PCI address for %q: %w", devicePath, err)
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
	err := s.pciClass("0x03", known, func(address, devicePath string) error {
		return add(devicePath, api.ResourcesGPUCard{PCIAddress: address})
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

// gpuCard fills a card from its device directory.
func (s *Service) gpuCard(devicePath string, ids names, card *api.ResourcesGPUCard) error {
	if s.fs.isDir(filepath.Join(devicePath, "device")) {
		return s.gpuCard(filepath.Join(devicePath, "device"), ids, card)
	}
	sriov, err := s.sriov(devicePath)
	if err != nil {
		return err
	}
	if sriov != nil {
		card.SRIOV = &api.ResourcesGPUCardSRIOV{CurrentVFs: sriov.CurrentVFs, MaximumVFs: sriov.MaximumVFs}
	}
	if card.NUMANode, err = s.fs.numaNode(devicePath); err != nil {
		return err
	}
	// A USB display adapter has a USB address instead of PCI ids.
	if card.USBAddress, err = s.usbAddress(devicePath); err != nil {
		return fmt.Errorf("Failed finding USB address for %q: %w", devicePath, err)
	}
	if card.USBAddress == "" {
		if card.VendorID, err = s.fs.hexID(filepath.Join(devicePath, "vendor")); err != nil {
			return err
		}
		if card.ProductID, err = s.fs.hexID(filepath.Join(devicePath, "device")); err != nil {
			return err
		}
		card.Vendor, card.Product = ids.pci.vendor(card.VendorID, card.ProductID)
	}
	if card.Driver, card.DriverVersion, err = s.fs.driver(devicePath, s.uname.Release); err != nil {
		return err
	}
	if card.DRM, err = s.gpuDRM(filepath.Join(devicePath, "drm")); err != nil {
		return err
	}
	card.Mdev, err = s.gpuMdev(filepath.Join(devicePath, "mdev_supported_types"))
	return err
}

// gpuDRM reads the card, control and render nodes of a GPU (nil without DRM).
func (s *Service) gpuDRM(dir string) (*api.ResourcesGPUCardDRM, error) {
	if !s.fs.exists(dir) {
		return nil, nil
	}
	entries, err := s.fs.entries(dir)
	if err != nil {
		return nil, fmt.Errorf("Failed listing %q: %w", dir, err)
	}
	drm := &api.ResourcesGPUCardDRM{}
	for _, e := range entries {
		name := e.Name()
		var dst *string
		switch {
		case strings.HasPrefix(name, "card"):
			id, err := strconv.ParseUint(strings.TrimPrefix(name, "card"), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("Failed parsing card number: %w", err)
			}
			drm.ID, drm.CardName, dst = id, name, &drm.CardDevice
		case strings.HasPrefix(name, "controlD"):
			drm.ControlName, dst = name, &drm.ControlDevice
		case strings.HasPrefix(name, "renderD"):
			drm.RenderName, dst = name, &drm.RenderDevice
		default:
			continue
		}
		if *dst, err = s.fs.readString(filepath.Join(dir, name, "dev")); err != nil {
			return nil, fmt.Errorf("Failed reading %q: %w", filepath.Join(dir, name, "dev"), err)
		}
	}
	return drm, nil
}

// gpuMdev lists the mediated device profiles of a GPU (nil without mdev).
func (s *Service) gpuMdev(dir string) (map[string]api.ResourcesGPUCardMdev, error) {
	if !s.fs.exists(dir) {
		return nil, nil
	}
	entries, err := s.fs.entries(dir)
	if err != nil {
		return nil, fmt.Errorf("Failed listing %q: %w", dir, err)
	}
	out := map[string]api.ResourcesGPUCardMdev{}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		m := api.ResourcesGPUCardMdev{}
		if m.API, err = s.fs.optString(filepath.Join(path, "device_api")); err != nil {
			return nil, err
		}
		if s.fs.exists(filepath.Join(path, "available_instances")) {
			if m.Available, err = s.fs.readUint(filepath.Join(path, "available_instances")); err != nil {
				return nil, fmt.Errorf("Failed reading %q: %w", filepath.Join(path, "available_instances"), err)
			}
		}
		if m.Description, err = s.fs.optString(filepath.Join(path, "description")); err != nil {
			return nil, err
		}
		if devs, err := s.fs.entries(filepath.Join(path, "devices")); err == nil {
			m.Devices = []string{}
			for _, d := range devs {
				m.Devices = append(m.Devices, d.Name())
			}
		}
		if m.Name, err = s.fs.optString(filepath.Join(path, "name")); err != nil {
			return nil, err
		}
		out[e.Name()] = m
	}
	return out, nil
}

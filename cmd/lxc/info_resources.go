package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

// resourcesPrinter writes `lxc info --resources` in LXD 5.0.2's layout:
// CPU, memory, GPUs, NICs and disks (USB, PCI and system are not shown).
type resourcesPrinter struct{ w io.Writer }

func (p resourcesPrinter) f(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

// s writes text that is not a format.
func (p resourcesPrinter) s(text string) { fmt.Fprint(p.w, text) }

func printResources(w io.Writer, res *api.Resources) {
	p := resourcesPrinter{w}
	p.cpus(res.CPU)
	p.memory(res.Memory)
	printSection(p, res.GPU.Cards, "GPU", "GPUs", "Card", func(gpu api.ResourcesGPUCard, prefix string) { p.gpu(gpu, prefix, true) })
	printSection(p, res.Network.Cards, "NIC", "NICs", "Card", func(nic api.ResourcesNetworkCard, prefix string) { p.nic(nic, prefix, true) })
	printSection(p, res.Storage.Disks, "Disk", "Disks", "Disk", p.disk)
}

// printSection prints a list of devices as LXD does: nothing when empty,
// one device under the singular title, several numbered ("Card 0:") under
// the plural one, each printed by show at its indentation.
func printSection[T any](p resourcesPrinter, items []T, title, titles, label string, show func(T, string)) {
	switch len(items) {
	case 0:
	case 1:
		p.f("\n%s:\n", title)
		show(items[0], "  ")
	default:
		p.f("\n%s:\n", titles)
		for i, it := range items {
			p.f("  %s %d:\n", label, i)
			show(it, "    ")
		}
	}
}

func (p resourcesPrinter) cpus(cpu api.ResourcesCPU) {
	switch len(cpu.Sockets) {
	case 0:
	case 1:
		p.f("CPU (%s):\n", cpu.Architecture)
		p.cpu(cpu.Sockets[0], "  ")
	default:
		p.f("CPUs (%s):\n", cpu.Architecture)
		for _, s := range cpu.Sockets {
			p.f("  Socket %d:\n", s.Socket)
			p.cpu(s, "    ")
		}
	}
}

func (p resourcesPrinter) cpu(cpu api.ResourcesCPUSocket, prefix string) {
	if cpu.Vendor != "" {
		p.f(prefix+"Vendor: %v\n", cpu.Vendor)
	}
	if cpu.Name != "" {
		p.f(prefix+"Name: %v\n", cpu.Name)
	}
	if cpu.Cache != nil {
		p.s(prefix + "Caches:\n")
		for _, c := range cpu.Cache {
			p.f(prefix+"  - Level %d (type: %s): %s\n", c.Level, c.Type, formatIEC(c.Size, 0))
		}
	}
	p.s(prefix + "Cores:\n")
	for _, core := range cpu.Cores {
		p.f(prefix+"  - Core %d\n", core.Core)
		p.f(prefix+"    Frequency: %vMhz\n", core.Frequency)
		p.s(prefix + "    Threads:\n")
		for _, t := range core.Threads {
			p.f(prefix+"      - %d (id: %d, online: %v, NUMA node: %v)\n", t.Thread, t.ID, t.Online, t.NUMANode)
		}
	}
	if cpu.Frequency > 0 {
		if cpu.FrequencyTurbo > 0 && cpu.FrequencyMinimum > 0 {
			p.f(prefix+"Frequency: %vMhz (min: %vMhz, max: %vMhz)\n", cpu.Frequency, cpu.FrequencyMinimum, cpu.FrequencyTurbo)
		} else {
			p.f(prefix+"Frequency: %vMhz\n", cpu.Frequency)
		}
	}
}

// usage prints free/used/total lines (and hugepages when there are any).
func (p resourcesPrinter) usage(prefix string, hugeTotal, hugeUsed, total, used uint64) {
	if hugeTotal > 0 {
		p.s(prefix + "Hugepages:\n")
		p.usage(prefix+"  ", 0, 0, hugeTotal, hugeUsed)
	}
	p.f(prefix+"Free: %v\n", formatIEC(total-used, 2))
	p.f(prefix+"Used: %v\n", formatIEC(used, 2))
	p.f(prefix+"Total: %v\n", formatIEC(total, 2))
}

func (p resourcesPrinter) memory(mem api.ResourcesMemory) {
	p.s("\nMemory:\n")
	if mem.HugepagesTotal > 0 {
		p.s("  Hugepages:\n")
		p.usage("    ", 0, 0, mem.HugepagesTotal, mem.HugepagesUsed)
	}
	if len(mem.Nodes) > 1 {
		p.s("  NUMA nodes:\n")
		for _, n := range mem.Nodes {
			p.f("    Node %d:\n", n.NUMANode)
			p.usage("      ", n.HugepagesTotal, n.HugepagesUsed, n.Total, n.Used)
		}
	}
	p.usage("  ", 0, 0, mem.Total, mem.Used)
}

func (p resourcesPrinter) gpu(gpu api.ResourcesGPUCard, prefix string, initial bool) {
	if initial {
		p.s(prefix)
	}
	p.f("NUMA node: %v\n", gpu.NUMANode)
	p.device(prefix, gpu.Vendor, gpu.VendorID, gpu.Product, gpu.ProductID, gpu.PCIAddress, gpu.Driver, gpu.DriverVersion)
	if d := gpu.DRM; d != nil {
		p.s(prefix + "DRM:\n")
		p.f(prefix+"  ID: %d\n", d.ID)
		for _, n := range [][3]string{
			{"Card", d.CardName, d.CardDevice},
			{"Control", d.ControlName, d.ControlDevice},
			{"Render", d.RenderName, d.RenderDevice},
		} {
			if n[1] != "" {
				p.f(prefix+"  %s: %s (%s)\n", n[0], n[1], n[2])
			}
		}
	}
	if n := gpu.Nvidia; n != nil {
		p.s(prefix + "NVIDIA information:\n")
		p.f(prefix+"  Architecture: %v\n", n.Architecture)
		p.f(prefix+"  Brand: %v\n", n.Brand)
		p.f(prefix+"  Model: %v\n", n.Model)
		p.f(prefix+"  CUDA Version: %v\n", n.CUDAVersion)
		p.f(prefix+"  NVRM Version: %v\n", n.NVRMVersion)
		p.f(prefix+"  UUID: %v\n", n.UUID)
	}
	if s := gpu.SRIOV; s != nil {
		p.sriov(prefix, s.CurrentVFs, s.MaximumVFs, len(s.VFs))
		for _, vf := range s.VFs {
			p.s(prefix + "  - ")
			p.gpu(vf, prefix+"    ", false)
		}
	}
	if gpu.Mdev != nil {
		p.s(prefix + "Mdev profiles:\n")
		keys := make([]string, 0, len(gpu.Mdev))
		for k := range gpu.Mdev {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m := gpu.Mdev[k]
			p.f(prefix+"  - %s (%d available)\n", k, m.Available)
			if m.Description != "" {
				for _, line := range strings.Split(m.Description, "\n") {
					p.f(prefix+"      %s\n", line)
				}
			}
		}
	}
}

// device prints the vendor, product, PCI address and driver lines GPUs and
// NICs share.
func (p resourcesPrinter) device(prefix, vendor, vendorID, product, productID, pci, driver, version string) {
	if vendor != "" {
		p.f(prefix+"Vendor: %v (%v)\n", vendor, vendorID)
	}
	if product != "" {
		p.f(prefix+"Product: %v (%v)\n", product, productID)
	}
	if pci != "" {
		p.f(prefix+"PCI address: %v\n", pci)
	}
	if driver != "" {
		p.f(prefix+"Driver: %v (%v)\n", driver, version)
	}
}

// sriov prints the SR-IOV header; LXD shows the maximum on the "VFs:" line.
func (p resourcesPrinter) sriov(prefix string, current, maximum uint64, vfs int) {
	p.s(prefix + "SR-IOV information:\n")
	p.f(prefix+"  Current number of VFs: %d\n", current)
	p.f(prefix+"  Maximum number of VFs: %d\n", maximum)
	if vfs > 0 {
		p.f(prefix+"  VFs: %d\n", maximum)
	}
}

func (p resourcesPrinter) nic(nic api.ResourcesNetworkCard, prefix string, initial bool) {
	if initial {
		p.s(prefix)
	}
	p.f("NUMA node: %v\n", nic.NUMANode)
	p.device(prefix, nic.Vendor, nic.VendorID, nic.Product, nic.ProductID, nic.PCIAddress, nic.Driver, nic.DriverVersion)
	if len(nic.Ports) > 0 {
		p.s(prefix + "Ports:\n")
		for _, port := range nic.Ports {
			p.port(port, prefix)
		}
	}
	if s := nic.SRIOV; s != nil {
		p.sriov(prefix, s.CurrentVFs, s.MaximumVFs, len(s.VFs))
		for _, vf := range s.VFs {
			p.s(prefix + "  - ")
			p.nic(vf, prefix+"    ", false)
		}
	}
}

func (p resourcesPrinter) port(port api.ResourcesNetworkCardPort, prefix string) {
	p.f(prefix+"  - Port %d (%s)\n", port.Port, port.Protocol)
	in := prefix + "    "
	p.f(in+"ID: %s\n", port.ID)
	if port.Address != "" {
		p.f(in+"Address: %s\n", port.Address)
	}
	if port.SupportedModes != nil {
		p.f(in+"Supported modes: %s\n", strings.Join(port.SupportedModes, ", "))
	}
	if port.SupportedPorts != nil {
		p.f(in+"Supported ports: %s\n", strings.Join(port.SupportedPorts, ", "))
	}
	if port.PortType != "" {
		p.f(in+"Port type: %s\n", port.PortType)
	}
	if port.TransceiverType != "" {
		p.f(in+"Transceiver type: %s\n", port.TransceiverType)
	}
	p.f(in+"Auto negotiation: %v\n", port.AutoNegotiation)
	p.f(in+"Link detected: %v\n", port.LinkDetected)
	if port.LinkSpeed > 0 {
		p.f(in+"Link speed: %dMbit/s (%s duplex)\n", port.LinkSpeed, port.LinkDuplex)
	}
	if ib := port.Infiniband; ib != nil {
		p.s(in + "Infiniband:\n")
		if ib.IsSMName != "" {
			p.f(in+"  IsSM: %s (%s)\n", ib.IsSMName, ib.IsSMDevice)
		}
		if ib.MADName != "" {
			p.f(in+"  MAD: %s (%s)\n", ib.MADName, ib.MADDevice)
		}
		if ib.VerbName != "" {
			p.f(in+"  Verb: %s (%s)\n", ib.VerbName, ib.VerbDevice)
		}
	}
}

func (p resourcesPrinter) disk(disk api.ResourcesStorageDisk, prefix string) {
	p.f(prefix+"NUMA node: %v\n", disk.NUMANode)
	p.f(prefix+"ID: %s\n", disk.ID)
	p.f(prefix+"Device: %s\n", disk.Device)
	if disk.Model != "" {
		p.f(prefix+"Model: %s\n", disk.Model)
	}
	if disk.Type != "" {
		p.f(prefix+"Type: %s\n", disk.Type)
	}
	p.f(prefix+"Size: %s\n", formatIEC(disk.Size, 2))
	if disk.WWN != "" {
		p.f(prefix+"WWN: %s\n", disk.WWN)
	}
	p.f(prefix+"Read-Only: %v\n", disk.ReadOnly)
	p.f(prefix+"Removable: %v\n", disk.Removable)
	if len(disk.Partitions) != 0 {
		p.s(prefix + "Partitions:\n")
		for _, part := range disk.Partitions {
			p.f(prefix+"  - Partition %d\n", part.Partition)
			p.f(prefix+"    ID: %s\n", part.ID)
			p.f(prefix+"    Device: %s\n", part.Device)
			p.f(prefix+"    Read-Only: %v\n", part.ReadOnly)
			p.f(prefix+"    Size: %s\n", formatIEC(part.Size, 2))
		}
	}
}

// formatIEC renders a byte count with a binary unit and the given number of
// decimals ("48KiB", "24.00GiB"), like LXD's client; below 1KiB it is "NB".
func formatIEC(n uint64, precision int) string {
	if n < 1024 {
		return fmt.Sprintf("%dB", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"} {
		v /= 1024
		if v < 1024 {
			return fmt.Sprintf("%.*f%s", precision, v, unit)
		}
	}
	return fmt.Sprintf("%.*fEiB", precision, v)
}

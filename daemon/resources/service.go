package resources

import (
	"context"
	"fmt"
	"os/exec"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// Uname is what the probes need from uname(2).
type Uname struct {
	Machine string // CPU architecture name ("x86_64")
	Release string // kernel release, the version of built-in drivers
}

// Ethtool answers the network port questions sysfs cannot.
type Ethtool interface {
	// PortInfo fills link state, negotiation, speed, duplex, port and
	// transceiver types and supported modes of an interface. An error
	// leaves the port out of the card, as LXD does.
	PortInfo(name string, port *api.ResourcesNetworkCardPort) error
	// FirmwareVersion is the card's firmware version (ETHTOOL_GDRVINFO).
	FirmwareVersion(name string) (string, error)
}

// Options configure a Service. Zero values mean the running host.
type Options struct {
	// Root is where /proc, /sys, /dev, /run and /usr/share are read from
	// ("" is "/").
	Root string
	// Uname overrides uname(2).
	Uname *Uname
	// SystemType returns the virtualization type: "physical",
	// "virtual-machine", "container" or "unknown". The default asks
	// systemd-detect-virt, as LXD does.
	SystemType func() string
	// BlockSize returns a disk's physical block size from its /dev node
	// (0 when the node cannot be opened). The default uses BLKPBSZGET.
	BlockSize func(devPath string) uint64
	// Ethtool overrides the SIOCETHTOOL ioctls.
	Ethtool Ethtool
}

// Service probes the hardware. It is safe for concurrent use.
type Service struct {
	fs        hostFS
	uname     Uname
	blockSize func(string) uint64
	ethtool   Ethtool

	systemTypeOnce sync.Once
	systemTypeFunc func() string
	systemType     string
}

// New returns a Service reading the machine Options describe.
func New(o Options) (*Service, error) {
	s := &Service{fs: hostFS{root: o.Root}, blockSize: o.BlockSize, ethtool: o.Ethtool, systemTypeFunc: o.SystemType}
	if s.fs.root == "" {
		s.fs.root = "/"
	}
	if o.Uname != nil {
		s.uname = *o.Uname
	} else {
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			return nil, fmt.Errorf("Failed to get uname: %w", err)
		}
		s.uname = Uname{Machine: unix.ByteSliceToString(u.Machine[:]), Release: unix.ByteSliceToString(u.Release[:])}
	}
	if s.blockSize == nil {
		s.blockSize = func(dev string) uint64 { return physicalBlockSize(s.fs.real(dev)) }
	}
	if s.ethtool == nil {
		s.ethtool = ioctlEthtool{}
	}
	if s.systemTypeFunc == nil {
		s.systemTypeFunc = detectVirt
	}
	return s, nil
}

// Resources probes everything GET /1.0/resources reports.
func (s *Service) Resources(ctx context.Context) (api.Resources, error) {
	var res api.Resources
	var err error
	ids := s.loadIDs()
	steps := []struct {
		what string
		run  func() error
	}{
		{"CPU", func() (err error) { res.CPU, err = s.CPU(); return }},
		{"memory", func() (err error) { res.Memory, err = s.Memory(); return }},
		{"GPU", func() (err error) { res.GPU, err = s.gpu(ids); return }},
		{"network", func() (err error) { res.Network, err = s.network(ids); return }},
		{"storage", func() (err error) { res.Storage, err = s.Storage(); return }},
		{"USB", func() (err error) { res.USB, err = s.usb(ids); return }},
		{"PCI", func() (err error) { res.PCI, err = s.pci(ids); return }},
		{"system", func() (err error) { res.System, err = s.System(); return }},
	}
	for _, step := range steps {
		if err = ctx.Err(); err != nil {
			return res, err
		}
		if err = step.run(); err != nil {
			return res, fmt.Errorf("Failed to retrieve %s information: %w", step.what, err)
		}
	}
	return res, nil
}

// detectVirt asks systemd-detect-virt whether this is a container, then a
// VM; without the tool the type is unknown.
func detectVirt() string {
	if _, err := exec.LookPath("systemd-detect-virt"); err != nil {
		return "unknown"
	}
	if exec.Command("systemd-detect-virt", "--container").Run() == nil {
		return "container"
	}
	if exec.Command("systemd-detect-virt", "--vm").Run() == nil {
		return "virtual-machine"
	}
	return "physical"
}

// physicalBlockSize asks the kernel for a block device's physical block
// size; a device that cannot be opened (or answered) reports 0.
func physicalBlockSize(path string) uint64 {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	size, err := unix.IoctlGetUint32(fd, unix.BLKPBSZGET)
	if err != nil {
		return 0
	}
	return uint64(size)
}

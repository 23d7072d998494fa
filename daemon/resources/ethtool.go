package resources

import (
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// ethtool commands (linux/ethtool.h).
const (
	ethtoolGSET          = 0x00000001
	ethtoolGDRVINFO      = 0x00000003
	ethtoolGLINK         = 0x0000000a
	ethtoolGPERMADDR     = 0x00000020
	ethtoolGLINKSETTINGS = 0x0000004c
)

// ioctlEthtool asks the kernel through SIOCETHTOOL on an AF_INET socket.
type ioctlEthtool struct{}

// ifreqData is struct ifreq with ifr_data: the pointer is an
// unsafe.Pointer so the garbage collector keeps (and fixes up) its target.
type ifreqData struct {
	name [unix.IFNAMSIZ]byte
	data unsafe.Pointer
	_    [24 - unsafe.Sizeof(uintptr(0))]byte
}

// ethtool runs one SIOCETHTOOL request whose command struct is cmd.
func ethtool(fd int, name string, cmd unsafe.Pointer) error {
	req := ifreqData{data: cmd}
	copy(req.name[:unix.IFNAMSIZ-1], name)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&req)))
	if errno != 0 {
		return errno
	}
	return nil
}

func withSocket(fn func(fd int) error) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_IP)
	if err != nil {
		return fmt.Errorf("Failed to open IPPROTO_IP socket: %w", err)
	}
	defer unix.Close(fd)
	return fn(fd)
}

// FirmwareVersion reads the firmware version from ETHTOOL_GDRVINFO.
func (ioctlEthtool) FirmwareVersion(name string) (string, error) {
	var fw string
	err := withSocket(func(fd int) error {
		info := unix.EthtoolDrvinfo{Cmd: ethtoolGDRVINFO}
		if err := ethtool(fd, name, unsafe.Pointer(&info)); err != nil {
			return fmt.Errorf("Failed to ETHTOOL_GDRVINFO: %w", err)
		}
		fw = unix.ByteSliceToString(info.Fw_version[:])
		return nil
	})
	return fw, err
}

// PortInfo fills the port from the permanent address, the link state and
// the link settings (ETHTOOL_GLINKSETTINGS, or the older ETHTOOL_GSET).
func (ioctlEthtool) PortInfo(name string, port *api.ResourcesNetworkCardPort) error {
	return withSocket(func(fd int) error {
		perm := struct {
			cmd, size uint32
			data      [32]byte
		}{cmd: ethtoolGPERMADDR, size: 32}
		if ethtool(fd, name, unsafe.Pointer(&perm)) == nil && perm.size > 0 && perm.size <= 32 {
			port.Address = net.HardwareAddr(perm.data[:perm.size]).String()
		}
		link := struct{ cmd, data uint32 }{cmd: ethtoolGLINK}
		if err := ethtool(fd, name, unsafe.Pointer(&link)); err != nil {
			return fmt.Errorf("Failed to ETHTOOL_GLINK: %w", err)
		}
		port.LinkDetected = link.data == 1
		if linkSettings(fd, name, port) == nil {
			return nil
		}
		return legacySettings(fd, name, port)
	})
}

// ethtoolLinkSettings is struct ethtool_link_settings followed by room for
// the three link mode bitmaps.
type ethtoolLinkSettings struct {
	cmd                 uint32
	speed               uint32
	duplex              uint8
	port                uint8
	phyAddress          uint8
	autoneg             uint8
	mdioSupport         uint8
	ethTpMdix           uint8
	ethTpMdixCtrl       uint8
	linkModeMasksNwords int8
	transceiver         uint8
	reserved1           [3]uint8
	reserved            [7]uint32
	maps                [3 * 127]uint32
}

// linkSettings uses the two-step ETHTOOL_GLINKSETTINGS handshake: the
// kernel first answers with the negated bitmap size it wants.
func linkSettings(fd int, name string, port *api.ResourcesNetworkCardPort) error {
	ls := &ethtoolLinkSettings{cmd: ethtoolGLINKSETTINGS}
	if err := ethtool(fd, name, unsafe.Pointer(ls)); err != nil {
		return err
	}
	if ls.linkModeMasksNwords >= 0 || ls.cmd != ethtoolGLINKSETTINGS {
		return unix.EINVAL
	}
	ls.linkModeMasksNwords = -ls.linkModeMasksNwords
	if err := ethtool(fd, name, unsafe.Pointer(ls)); err != nil {
		return err
	}
	if ls.linkModeMasksNwords <= 0 || ls.cmd != ethtoolGLINKSETTINGS {
		return unix.EINVAL
	}
	supported := ls.maps[:ls.linkModeMasksNwords]
	speed := uint64(ls.speed)
	if speed >= uint64(^uint32(0)) {
		speed = 0
	}
	applySettings(port, linkState{autoneg: ls.autoneg, duplex: ls.duplex, speed: speed,
		transceiver: ls.transceiver, port: ls.port}, func(bit uint) bool {
		return int(bit/32) < len(supported) && supported[bit/32]&(1<<(bit%32)) != 0
	})
	return nil
}

// legacySettings uses ETHTOOL_GSET (struct ethtool_cmd).
func legacySettings(fd int, name string, port *api.ResourcesNetworkCardPort) error {
	cmd := struct {
		cmd, supported, advertising           uint32
		speed                                 uint16
		duplex, port, phyAddress, transceiver uint8
		autoneg, mdioSupport                  uint8
		maxtxpkt, maxrxpkt                    uint32
		speedHi                               uint16
		ethTpMdix, ethTpMdixCtrl              uint8
		lpAdvertising                         uint32
		reserved                              [2]uint32
	}{cmd: ethtoolGSET}
	if err := ethtool(fd, name, unsafe.Pointer(&cmd)); err != nil {
		return fmt.Errorf("Failed to ETHTOOL_GSET: %w", err)
	}
	speed := uint64(uint32(cmd.speedHi)<<16 | uint32(cmd.speed))
	if speed == 65535 || speed == 4294967295 {
		speed = 0
	}
	applySettings(port, linkState{autoneg: cmd.autoneg, duplex: cmd.duplex, speed: speed,
		transceiver: cmd.transceiver, port: cmd.port}, func(bit uint) bool {
		return bit < 32 && cmd.supported&(1<<bit) != 0
	})
	return nil
}

// linkState is what both ethtool interfaces report.
type linkState struct {
	autoneg, duplex, transceiver, port uint8
	speed                              uint64 // Mbit/s, 0 when unknown
}

// ethtoolModes and ethtoolPorts map link mode bits to LXD's names.
var (
	ethtoolModes = []struct {
		bit  uint
		name string
	}{
		{0, "10baseT/Half"}, {1, "10baseT/Full"}, {2, "100baseT/Half"}, {3, "100baseT/Full"},
		{4, "1000baseT/Half"}, {5, "1000baseT/Full"}, {12, "10000baseT/Full"}, {15, "2500baseX/Full"},
		{17, "1000baseKX/Full"}, {18, "10000baseKX4/Full"}, {19, "10000baseKR/Full"},
		{21, "20000baseMLD2/Full"}, {22, "20000baseKR2/Full"}, {23, "40000baseKR4/Full"},
		{24, "40000baseCR4/Full"}, {25, "40000baseSR4/Full"}, {26, "40000baseLR4/Full"},
		{27, "56000baseKR4/Full"}, {28, "56000baseCR4/Full"}, {29, "56000baseSR4/Full"},
		{30, "56000baseLR4/Full"}, {31, "25000baseCR/Full"}, {32, "25000baseKR/Full"},
		{33, "25000baseSR/Full"}, {34, "50000baseCR2/Full"}, {35, "50000baseKR2/Full"},
		{36, "100000baseKR4/Full"}, {37, "100000baseSR4/Full"}, {38, "100000baseCR4/Full"},
		{39, "100000baseLR4_ER4/Full"}, {40, "50000baseSR2/Full"}, {41, "1000baseX/Full"},
		{42, "10000baseCR/Full"}, {43, "10000baseSR/Full"}, {44, "10000baseLR/Full"},
		{45, "10000baseLRM/Full"}, {46, "10000baseER/Full"}, {47, "2500baseT/Full"},
		{48, "5000baseT/Full"},
	}
	ethtoolPorts = []struct {
		bit  uint
		name string
	}{{7, "twisted pair"}, {8, "AUI"}, {9, "media-independent"}, {10, "fibre"}, {11, "BNC"}, {16, "backplane"}}
	ethtoolPortTypes = map[uint8]string{
		0x00: "twisted pair", 0x01: "AUI", 0x02: "media-independent", 0x03: "fibre", 0x04: "BNC",
		0x05: "direct attach", 0xef: "none", 0xff: "other",
	}
)

// applySettings translates ethtool values into the port's fields; duplex
// and speed only mean something with a link.
func applySettings(port *api.ResourcesNetworkCardPort, st linkState, supported func(bit uint) bool) {
	port.AutoNegotiation = st.autoneg == 1
	if port.LinkDetected {
		switch st.duplex {
		case 0x00:
			port.LinkDuplex = "half"
		case 0x01:
			port.LinkDuplex = "full"
		}
		port.LinkSpeed = st.speed
	}
	switch st.transceiver {
	case 0x00:
		port.TransceiverType = "internal"
	case 0x01:
		port.TransceiverType = "external"
	}
	port.PortType = ethtoolPortTypes[st.port]
	port.SupportedModes = []string{}
	for _, m := range ethtoolModes {
		if supported(m.bit) {
			port.SupportedModes = append(port.SupportedModes, m.name)
		}
	}
	port.SupportedPorts = []string{}
	for _, p := range ethtoolPorts {
		if supported(p.bit) {
			port.SupportedPorts = append(port.SupportedPorts, p.name)
		}
	}
}

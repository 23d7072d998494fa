package nic

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// arpProbeWait is how long a probe waits for an answer.
const arpProbeWait = 500 * time.Millisecond

// ipv4InUse sends ARP probes (RFC 5227: sender address 0.0.0.0, so no
// neighbour learns anything) for ip on interface dev and reports whether
// anything answers: a routed NIC must not take an address its parent
// network already uses (LXD's ipv4.neighbor_probe).
func ipv4InUse(ctx context.Context, dev string, ip net.IP) (bool, error) {
	ip4 := ip.To4()
	if ip4 == nil {
		return false, fmt.Errorf("Invalid IPv4 address %q", ip)
	}
	ifc, err := net.InterfaceByName(dev)
	if err != nil {
		return false, fmt.Errorf("Failed to find interface %q: %w", dev, err)
	}
	if len(ifc.HardwareAddr) != 6 {
		return false, nil // not an Ethernet device: nothing to probe
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ARP)))
	if err != nil {
		return false, fmt.Errorf("Failed to open an ARP socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: ifc.Index}); err != nil {
		return false, fmt.Errorf("Failed to bind the ARP socket to %q: %w", dev, err)
	}
	to := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: ifc.Index, Halen: 6,
		Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	for try := 0; try < 2; try++ {
		if err := unix.Sendto(fd, arpProbe(ifc.HardwareAddr, ip4), 0, to); err != nil {
			return false, fmt.Errorf("Failed to send an ARP probe on %q: %w", dev, err)
		}
		found, err := awaitARPReply(ctx, fd, ip4, time.Now().Add(arpProbeWait))
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// arpProbe is an ARP request for ip from hw with sender address 0.0.0.0.
func arpProbe(hw net.HardwareAddr, ip net.IP) []byte {
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(b[2:], 0x0800) // IPv4
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], 1) // request
	copy(b[8:14], hw)
	// sender IP (14:18) and target MAC (18:24) stay zero
	copy(b[24:28], ip)
	return b
}

// awaitARPReply reads ARP packets until deadline and reports whether one
// is a reply (or a probe answer) from ip.
func awaitARPReply(ctx context.Context, fd int, ip net.IP, deadline time.Time) (bool, error) {
	buf := make([]byte, 128)
	for {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return false, ctx.Err()
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return false, err
		}
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, err
		}
		if n >= 28 && binary.BigEndian.Uint16(buf[6:]) == 2 && net.IP(buf[14:18]).Equal(ip) {
			return true, nil
		}
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

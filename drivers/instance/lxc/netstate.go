package lxc

import (
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/instance"
)

// networkState reports the interfaces of the network namespace of pid,
// read over rtnetlink; nil when the namespace cannot be entered.
func networkState(pid int) map[string]instance.NetworkState {
	fd, err := netlinkSocketIn(pid)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	links, err := nlDump(fd, unix.RTM_GETLINK, unix.AF_UNSPEC)
	if err != nil {
		return nil
	}
	out := map[string]instance.NetworkState{}
	names := map[int32]string{}
	for _, m := range links {
		idx, name, st := parseLink(m)
		if name == "" {
			continue
		}
		names[idx] = name
		out[name] = st
	}
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		addrs, err := nlDump(fd, unix.RTM_GETADDR, family)
		if err != nil {
			continue
		}
		for _, m := range addrs {
			idx, a, ok := parseAddr(m)
			if !ok {
				continue
			}
			if st, found := out[names[idx]]; found {
				st.Addresses = append(st.Addresses, a)
				out[names[idx]] = st
			}
		}
	}
	return out
}

// netlinkSocketIn opens an rtnetlink socket inside the network namespace
// of pid. Sockets stay bound to the namespace they were created in, so only
// the socket() call happens there, on a locked thread that switches back;
// if switching back fails the thread is left locked and dies with its
// goroutine.
func netlinkSocketIn(pid int) (int, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{-1, err}
			return
		}
		defer unix.Close(self)
		target, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{-1, err}
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{-1, err}
			return
		}
		fd, sockErr := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
		if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
			if sockErr == nil {
				unix.Close(fd)
			}
			ch <- result{-1, fmt.Errorf("Failed to return to the host network namespace: %w", err)}
			return // thread stays locked: Go discards it
		}
		runtime.UnlockOSThread()
		ch <- result{fd, sockErr}
	}()
	r := <-ch
	return r.fd, r.err
}

// nlDump sends a dump request and collects the answers.
func nlDump(fd int, typ uint16, family uint8) ([]syscall.NetlinkMessage, error) {
	req := make([]byte, unix.NLMSG_HDRLEN+unix.SizeofRtGenmsg)
	binary.NativeEndian.PutUint32(req[0:4], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:6], typ)
	binary.NativeEndian.PutUint16(req[6:8], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:12], 1)
	req[unix.NLMSG_HDRLEN] = family
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	var out []syscall.NetlinkMessage
	for {
		// A fresh buffer each time: parsed messages alias it.
		buf := make([]byte, 32*1024)
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				return nil, fmt.Errorf("netlink dump %d failed", typ)
			}
			out = append(out, m)
		}
	}
}

// parseLink reads an RTM_NEWLINK message.
func parseLink(m syscall.NetlinkMessage) (int32, string, instance.NetworkState) {
	var st instance.NetworkState
	if m.Header.Type != unix.RTM_NEWLINK || len(m.Data) < unix.SizeofIfInfomsg {
		return 0, "", st
	}
	idx := int32(binary.NativeEndian.Uint32(m.Data[4:8]))
	flags := binary.NativeEndian.Uint32(m.Data[8:12])
	st.State = "down"
	if flags&unix.IFF_UP != 0 {
		st.State = "up"
	}
	switch {
	case flags&unix.IFF_LOOPBACK != 0:
		st.Type = "loopback"
	case flags&unix.IFF_POINTOPOINT != 0:
		st.Type = "point-to-point"
	case flags&unix.IFF_BROADCAST != 0:
		st.Type = "broadcast"
	default:
		st.Type = "unknown"
	}
	attrs, err := syscall.ParseNetlinkRouteAttr(&m)
	if err != nil {
		return 0, "", st
	}
	var name string
	var peer uint32
	var peerElsewhere bool
	for _, a := range attrs {
		switch a.Attr.Type {
		case unix.IFLA_IFNAME:
			name = cString(a.Value)
		case unix.IFLA_ADDRESS:
			if len(a.Value) == 6 && st.Type != "loopback" {
				st.Hwaddr = net.HardwareAddr(a.Value).String()
			}
		case unix.IFLA_MTU:
			if len(a.Value) >= 4 {
				st.Mtu = int(binary.NativeEndian.Uint32(a.Value))
			}
		case unix.IFLA_STATS64:
			st.Counters = parseStats64(a.Value)
		case unix.IFLA_LINK:
			if len(a.Value) >= 4 {
				peer = binary.NativeEndian.Uint32(a.Value)
			}
		case unix.IFLA_LINK_NETNSID:
			peerElsewhere = true
		}
	}
	// A veth peer in another namespace: its index is the host's.
	if peerElsewhere && peer > 0 {
		if ifi, err := net.InterfaceByIndex(int(peer)); err == nil {
			st.HostName = ifi.Name
		}
	}
	st.Addresses = []instance.NetworkAddress{}
	return idx, name, st
}

// parseStats64 reads struct rtnl_link_stats64 (rx/tx packets, bytes,
// errors, dropped come first, 8 bytes each).
func parseStats64(b []byte) instance.NetworkCounters {
	if len(b) < 64 {
		return instance.NetworkCounters{}
	}
	f := func(i int) int64 { return int64(binary.NativeEndian.Uint64(b[i*8 : i*8+8])) }
	return instance.NetworkCounters{
		PacketsReceived: f(0), PacketsSent: f(1), BytesReceived: f(2), BytesSent: f(3),
		ErrorsReceived: f(4), ErrorsSent: f(5), PacketsDroppedInbound: f(6), PacketsDroppedOutbound: f(7),
	}
}

// parseAddr reads an RTM_NEWADDR message.
func parseAddr(m syscall.NetlinkMessage) (int32, instance.NetworkAddress, bool) {
	var a instance.NetworkAddress
	if m.Header.Type != unix.RTM_NEWADDR || len(m.Data) < unix.SizeofIfAddrmsg {
		return 0, a, false
	}
	family, prefix, scope := m.Data[0], m.Data[1], m.Data[3]
	idx := int32(binary.NativeEndian.Uint32(m.Data[4:8]))
	attrs, err := syscall.ParseNetlinkRouteAttr(&m)
	if err != nil {
		return 0, a, false
	}
	var addr, local net.IP
	for _, at := range attrs {
		switch at.Attr.Type {
		case unix.IFA_ADDRESS:
			addr = net.IP(at.Value)
		case unix.IFA_LOCAL:
			local = net.IP(at.Value)
		}
	}
	if local != nil {
		addr = local // point-to-point links: IFA_ADDRESS is the peer
	}
	if addr == nil {
		return 0, a, false
	}
	a.Family = "inet"
	if family == unix.AF_INET6 {
		a.Family = "inet6"
	}
	a.Address = addr.String()
	a.Netmask = strconv.Itoa(int(prefix))
	switch scope {
	case unix.RT_SCOPE_UNIVERSE:
		a.Scope = "global"
	case unix.RT_SCOPE_LINK:
		a.Scope = "link"
	case unix.RT_SCOPE_HOST:
		a.Scope = "local"
	default:
		a.Scope = strconv.Itoa(int(scope))
	}
	return idx, a, true
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

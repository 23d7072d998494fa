package proxy

import (
	"errors"
	"fmt"
	"github.com/lxdng/lxd/drivers/instance/proxy/proxyconf"
	"net"
	"os"
	"path"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// dialTimeout bounds a connection attempt to the connect side.
const dialTimeout = 10 * time.Second

// listenOne opens the i-th listener, inside the container for
// bind=instance.
func (f *forwarder) listenOne(i uint64) error {
	open := func() error { return f.openListener(i) }
	if f.listenInCtr {
		return f.ctr.ns.do(open)
	}
	return open()
}

func (f *forwarder) openListener(i uint64) error {
	a := f.listen
	switch {
	case a.Protocol == proxyconf.UDP:
		pc, err := net.ListenPacket("udp", a.Endpoint(i))
		if err != nil {
			return fmt.Errorf("Failed to listen on %s: %w", a.Endpoint(i), err)
		}
		f.packets = append(f.packets, pc)
		return nil
	case a.Protocol == proxyconf.Unix && !a.Abstract():
		return f.listenUnixPath()
	}
	l, err := net.Listen(a.Protocol, a.Endpoint(i))
	if err != nil {
		return fmt.Errorf("Failed to listen on %s: %w", a.Endpoint(i), err)
	}
	f.streams = append(f.streams, l)
	return nil
}

// listenUnixPath listens on a socket path (host or container side), after
// removing a stale socket there, and applies uid, gid and mode.
func (f *forwarder) listenUnixPath() error {
	p := f.listen.Host
	dirfd := unix.AT_FDCWD
	name := p
	uid, gid := f.spec.UID, f.spec.GID
	if f.listenInCtr {
		fd, err := f.ctr.openPath(path.Dir(p), unix.O_PATH|unix.O_DIRECTORY)
		if err != nil {
			return err
		}
		// Kept open: the listener's path goes through it, and closing the
		// listener unlinks the socket through it too.
		dirfd = fd
		name = "/proc/self/fd/" + strconv.Itoa(fd) + "/" + path.Base(p)
		if uid, err = mapID(f.ctr.uidMap, uid); err != nil {
			return err
		}
		if gid, err = mapID(f.ctr.gidMap, gid); err != nil {
			return err
		}
	}
	base := name
	if dirfd != unix.AT_FDCWD {
		base = path.Base(p)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		if err := unix.Unlinkat(dirfd, base, 0); err != nil {
			return fmt.Errorf("Failed to remove old socket %q: %w", p, err)
		}
	}
	l, err := net.Listen("unix", name)
	if err != nil {
		return fmt.Errorf("Failed to listen on %s: %w", p, err)
	}
	f.streams = append(f.streams, l)
	if uid >= 0 || gid >= 0 {
		if err := unix.Fchownat(dirfd, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("Failed to chown %q: %w", p, err)
		}
	}
	if err := unix.Fchmodat(dirfd, base, uint32(f.spec.Mode.Perm()), 0); err != nil {
		return fmt.Errorf("Failed to chmod %q: %w", p, err)
	}
	return nil
}

// mapID maps a container id to the host; -1 (unset) stays -1.
func mapID(m idMap, id int) (int, error) {
	if id < 0 {
		return id, nil
	}
	h, err := m.toHost(uint32(id))
	return int(h), err
}

// dial connects to the connect endpoint of listen endpoint i: on the host,
// or inside the container for bind=host.
func (f *forwarder) dial(i uint64) (net.Conn, error) {
	a := f.connect
	ep := a.Endpoint(proxyconf.ConnectIndex(a, i))
	if f.listenInCtr {
		return net.DialTimeout(a.Protocol, ep, dialTimeout)
	}
	return f.dialInContainer(a, ep)
}

// dialInContainer creates the socket on the namespace thread and connects
// it from here, so a slow connect never holds the thread.
func (f *forwarder) dialInContainer(a proxyconf.Address, ep string) (net.Conn, error) {
	domain, typ := unix.AF_UNIX, unix.SOCK_STREAM
	var sa unix.Sockaddr
	switch a.Protocol {
	case proxyconf.TCP, proxyconf.UDP:
		if a.Protocol == proxyconf.UDP {
			typ = unix.SOCK_DGRAM
		}
		host, portStr, _ := net.SplitHostPort(ep)
		port, _ := strconv.Atoi(portStr)
		ip := net.ParseIP(host)
		if ip == nil {
			ip = net.IPv4(127, 0, 0, 1) // an empty host is the local system, as for net.Dial
		}
		if ip4 := ip.To4(); ip4 != nil {
			domain, sa = unix.AF_INET, &unix.SockaddrInet4{Port: port, Addr: [4]byte(ip4)}
		} else {
			domain, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: port, Addr: [16]byte(ip.To16())}
		}
	case proxyconf.Unix:
		if a.Abstract() {
			sa = &unix.SockaddrUnix{Name: ep}
			break
		}
		pfd, err := f.ctr.openPath(ep, unix.O_PATH)
		if err != nil {
			return nil, err
		}
		defer unix.Close(pfd)
		sa = &unix.SockaddrUnix{Name: "/proc/self/fd/" + strconv.Itoa(pfd)}
	}
	var fd int
	err := f.ctr.ns.do(func() error {
		var err error
		fd, err = unix.Socket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("Failed to create socket in the instance: %w", err)
	}
	return connectFD(fd, sa)
}

// connectFD connects a non-blocking socket, waiting for an in-progress
// connect through the runtime's poller, and returns it as a net.Conn.
func connectFD(fd int, sa unix.Sockaddr) (net.Conn, error) {
	file := os.NewFile(uintptr(fd), "proxy-connect")
	defer file.Close() // net.FileConn works on a duplicate
	err := unix.Connect(fd, sa)
	if errors.Is(err, unix.EINPROGRESS) {
		err = waitConnected(file)
	}
	if err != nil {
		return nil, err
	}
	return net.FileConn(file)
}

// waitConnected waits until the socket is writable, then reads the connect
// outcome from SO_ERROR.
func waitConnected(file *os.File) error {
	rc, err := file.SyscallConn()
	if err != nil {
		return err
	}
	if err := file.SetWriteDeadline(time.Now().Add(dialTimeout)); err != nil {
		return err
	}
	waited := false
	var connErr error
	err = rc.Write(func(fd uintptr) bool {
		if !waited {
			waited = true
			return false // wait for writability first
		}
		v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			connErr = err
		case v != 0:
			connErr = unix.Errno(v)
		}
		return true
	})
	if err != nil {
		return err
	}
	return connErr
}

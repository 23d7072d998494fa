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
	l, err := f.listenUnixAs(name)
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

// listenUnixAs creates the socket inode. Inside the container it does so
// with the container root's host ids as filesystem ids (of this thread
// only: the namespace thread), as LXD's forwarder does from inside the
// user namespace: an unprivileged container's root is an idmapped mount on
// which the host's root has no id and may not create files.
func (f *forwarder) listenUnixAs(name string) (net.Listener, error) {
	if !f.listenInCtr {
		return net.Listen("unix", name)
	}
	uid, err := f.ctr.uidMap.toHost(0)
	if err != nil {
		return nil, err
	}
	gid, err := f.ctr.gidMap.toHost(0)
	if err != nil {
		return nil, err
	}
	_ = unix.Setfsgid(int(gid))
	_ = unix.Setfsuid(int(uid))
	defer func() {
		// Back to root's (and its capabilities) for chown and chmod.
		_ = unix.Setfsuid(0)
		_ = unix.Setfsgid(0)
	}()
	return net.Listen("unix", name)
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

// connectFD connects a non-blocking socket and returns it as a net.Conn.
// An in-progress connect is waited for with poll(2) on this goroutine's
// thread rather than through the runtime's poller: registering the socket
// before connect(2) gives a readiness event for the unconnected socket,
// and registering it after may lose the completion to a race, while a
// blocking poll has neither problem.
func connectFD(fd int, sa unix.Sockaddr) (net.Conn, error) {
	file := os.NewFile(uintptr(fd), "proxy-connect")
	defer file.Close() // net.FileConn works on a duplicate
	err := unix.Connect(fd, sa)
	if errors.Is(err, unix.EINPROGRESS) {
		err = waitConnected(fd, dialTimeout)
	}
	if err != nil {
		return nil, err
	}
	return net.FileConn(file)
}

// waitConnected waits until the connecting socket is writable (or failed),
// then returns the connect outcome from SO_ERROR.
func waitConnected(fd int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return os.ErrDeadlineExceeded
		}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if n > 0 {
			break
		}
	}
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}

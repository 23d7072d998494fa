package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/lxdng/lxd/drivers/instance/proxy/proxyconf"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// helperName is the hidden sub-command of the daemon binary that runs one
// forwarder: `<exe> forkproxy <pid file> <spec json>`, with the report pipe
// as fd 3.
const helperName = "forkproxy"

// HelperMain runs a forwarder and exits when the process was started as
// one (os.Args[1] is "forkproxy"); otherwise it returns at once. The
// daemon's RunHelper calls it first thing in main; test binaries that
// start forwarders call it in TestMain.
func HelperMain() {
	if len(os.Args) < 2 || os.Args[1] != helperName {
		return
	}
	if err := runForwarder(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// forwarder is the state of one forwarder process.
type forwarder struct {
	spec            Spec
	listen, connect proxyconf.Address
	ctr             *container
	listenInCtr     bool // bind=instance
	streams         []net.Listener
	packets         []net.PacketConn
}

func runForwarder(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: %s <pid file> <spec json>", helperName)
	}
	unix.CloseOnExec(3)
	report := os.NewFile(3, "report")
	var s Spec
	err := json.Unmarshal([]byte(args[1]), &s)
	var f *forwarder
	if err == nil {
		f, err = setup(s)
	}
	if err != nil {
		fmt.Fprintf(report, "Error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		report.Close()
		return err
	}
	fmt.Println("Status: Started")
	fmt.Fprintln(report, "Status: Started")
	report.Close()
	f.serve()
	fmt.Println("Stopping proxy")
	return nil
}

// setup enters the container, listens and drops privileges.
func setup(s Spec) (*forwarder, error) {
	s, listen, connect, err := s.normalize()
	if err != nil {
		return nil, err
	}
	if s.NAT {
		return nil, errors.New("NAT mode needs no forwarder")
	}
	f := &forwarder{spec: s, listen: listen, connect: connect, listenInCtr: s.Bind == proxyconf.BindInstance}
	if f.ctr, err = openContainer(s.ContainerPid); err != nil {
		return nil, err
	}
	count := listen.PortCount()
	if listen.Protocol == proxyconf.Unix {
		count = 1
	}
	for i := uint64(0); i < count; i++ {
		if err := f.listenOne(i); err != nil {
			return nil, err
		}
	}
	if err := f.dropPrivileges(); err != nil {
		return nil, err
	}
	return f, nil
}

// dropPrivileges switches to security.uid/gid. With bind=host the
// forwarder acts for the container, so they are container ids.
func (f *forwarder) dropPrivileges() error {
	uid, gid := f.spec.SecurityUID, f.spec.SecurityGID
	if uid == 0 && gid == 0 {
		return nil
	}
	if !f.listenInCtr {
		var err error
		if uid, err = f.ctr.uidMap.toHost(uid); err != nil {
			return err
		}
		if gid, err = f.ctr.gidMap.toHost(gid); err != nil {
			return err
		}
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("Failed to switch to uid %d and gid %d: %w", uid, gid, err)
	}
	if err := syscall.Setgid(int(gid)); err != nil {
		return fmt.Errorf("Failed to switch to uid %d and gid %d: %w", uid, gid, err)
	}
	if err := syscall.Setuid(int(uid)); err != nil {
		return fmt.Errorf("Failed to switch to uid %d and gid %d: %w", uid, gid, err)
	}
	return nil
}

// serve runs until SIGTERM (or SIGINT) or until the container's init dies,
// then closes the listeners (which removes a unix socket path).
func (f *forwarder) serve() {
	stop := make(chan string, 3)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { stop <- (<-sigs).String() }()
	go func() {
		fds := []unix.PollFd{{Fd: int32(f.ctr.pidfd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err == nil || !errors.Is(err, unix.EINTR) {
				stop <- "instance stopped"
				return
			}
		}
	}()
	for i, l := range f.streams {
		go f.acceptLoop(l, uint64(i))
	}
	for i, pc := range f.packets {
		go f.serveUDP(pc, uint64(i))
	}
	why := <-stop
	fmt.Printf("Received %s, closing listeners\n", why)
	for _, l := range f.streams {
		l.Close()
	}
	for _, pc := range f.packets {
		pc.Close()
	}
}

func (f *forwarder) acceptLoop(l net.Listener, i uint64) {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			fmt.Printf("Error: Failed to accept new connection: %v\n", err)
			continue
		}
		go f.handleStream(c, i)
	}
}

// handleStream connects a new client to the connect side and relays.
func (f *forwarder) handleStream(src net.Conn, i uint64) {
	dst, err := f.dial(i)
	if err != nil {
		fmt.Printf("Error: Failed to connect to target: %v\n", err)
		src.Close()
		return
	}
	if f.spec.ProxyProtocol && f.connect.Protocol == proxyconf.TCP {
		hdr := HeaderV1(src.RemoteAddr(), src.LocalAddr())
		if f.spec.ProxyProtocolVersion == 2 {
			hdr = HeaderV2(src.RemoteAddr(), src.LocalAddr())
		}
		if _, err := dst.Write(hdr); err != nil {
			src.Close()
			dst.Close()
			return
		}
	}
	su, srcUnix := src.(*net.UnixConn)
	du, dstUnix := dst.(*net.UnixConn)
	if srcUnix && dstUnix {
		unixRelay(su, du)
		return
	}
	relay(src, dst)
}

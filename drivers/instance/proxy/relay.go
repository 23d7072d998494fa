package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// udpIdle is how long a udp flow lives without traffic (LXD: 30 minutes).
const udpIdle = 30 * time.Minute

type closeWriter interface{ CloseWrite() error }

// relay copies both ways until both directions ended. A clean end of one
// direction is passed on as a half close when the other side supports it
// (tcp, unix), so request/response protocols that shut down their sending
// side still get their answer; otherwise, or on error, both are closed.
func relay(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	half := func(dst, src net.Conn) {
		defer wg.Done()
		_, err := io.Copy(dst, src)
		if cw, ok := dst.(closeWriter); ok && err == nil {
			if cw.CloseWrite() == nil {
				return
			}
		}
		a.Close()
		b.Close()
	}
	go half(a, b)
	go half(b, a)
	wg.Wait()
	a.Close()
	b.Close()
}

// unixRelay is relay for unix to unix, passing file descriptors
// (SCM_RIGHTS) along with the data, as LXD does.
func unixRelay(a, b *net.UnixConn) {
	var wg sync.WaitGroup
	wg.Add(2)
	half := func(dst, src *net.UnixConn) {
		defer wg.Done()
		if err := copyUnix(dst, src); err != nil {
			a.Close()
			b.Close()
			return
		}
		if dst.CloseWrite() != nil {
			a.Close()
			b.Close()
		}
	}
	go half(a, b)
	go half(b, a)
	wg.Wait()
	a.Close()
	b.Close()
}

// copyUnix copies data and passed descriptors until EOF (nil) or an error.
func copyUnix(dst, src *net.UnixConn) error {
	data := make([]byte, 32*1024)
	oob := make([]byte, syscall.CmsgSpace(64*4))
	for {
		n, oobn, _, _, err := src.ReadMsgUnix(data, oob)
		if n > 0 || oobn > 0 {
			fds := receivedFds(oob[:oobn])
			_, _, werr := dst.WriteMsgUnix(data[:n], oob[:oobn], nil)
			// Our copies of the passed descriptors are no longer needed.
			for _, fd := range fds {
				syscall.Close(fd)
			}
			if werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && n == 0 && oobn == 0) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func receivedFds(oob []byte) []int {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if got, err := syscall.ParseUnixRights(&m); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}

// udpFlow is one client of a udp listener and its upstream connection.
type udpFlow struct {
	up   net.Conn
	last atomic.Int64 // unix nanoseconds of the last datagram either way
}

func (fl *udpFlow) touch() { fl.last.Store(time.Now().UnixNano()) }

// serveUDP forwards datagrams from each client address of pc through its
// own upstream connection, and the answers back to that client.
func (f *forwarder) serveUDP(pc net.PacketConn, i uint64) {
	var mu sync.Mutex
	flows := map[string]*udpFlow{}
	buf := make([]byte, 64*1024)
	for {
		n, client, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		key := client.String()
		mu.Lock()
		fl := flows[key]
		mu.Unlock()
		if fl == nil {
			up, err := f.dial(i)
			if err != nil {
				fmt.Printf("Error: Failed to connect to target: %v\n", err)
				continue
			}
			fl = &udpFlow{up: up}
			fl.touch()
			mu.Lock()
			flows[key] = fl
			mu.Unlock()
			go func() {
				udpReturn(pc, client, fl)
				mu.Lock()
				delete(flows, key)
				mu.Unlock()
			}()
		}
		fl.touch()
		if _, err := fl.up.Write(buf[:n]); err != nil {
			fmt.Printf("Error: Failed to send to target: %v\n", err)
		}
	}
}

// udpReturn copies the upstream's datagrams to the client until the flow
// was idle for udpIdle or the upstream failed.
func udpReturn(pc net.PacketConn, client net.Addr, fl *udpFlow) {
	defer fl.up.Close()
	buf := make([]byte, 64*1024)
	for {
		_ = fl.up.SetReadDeadline(time.Unix(0, fl.last.Load()).Add(udpIdle))
		n, err := fl.up.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && time.Since(time.Unix(0, fl.last.Load())) < udpIdle {
				continue // the client spoke meanwhile
			}
			return
		}
		fl.touch()
		if _, err := pc.WriteTo(buf[:n], client); err != nil {
			return
		}
	}
}

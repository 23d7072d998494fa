// Command pxtool is a static test helper the proxy integration tests copy
// into their busybox containers (busybox nc has no udp or unix sockets).
//
//	pxtool echo <network> <address> [ready file|-] [prefix]   serve: echo each stream / datagram back, after prefix
//	pxtool send <network> <address> <message>      send, half-close, print the reply
//
// Networks are tcp, udp or unix ("@name" is an abstract socket).
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: pxtool echo|send <network> <address> [arg]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "echo":
		err = serve(os.Args[2], os.Args[3], os.Args[4:])
	case "send":
		if len(os.Args) != 5 {
			err = errors.New("send needs a message")
			break
		}
		err = send(os.Args[2], os.Args[3], os.Args[4])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pxtool:", err)
		os.Exit(1)
	}
}

func ready(args []string) error {
	fmt.Println("ready")
	if len(args) > 0 && args[0] != "-" {
		return os.WriteFile(args[0], []byte("ready\n"), 0o644)
	}
	return nil
}

func serve(network, addr string, args []string) error {
	prefix := ""
	if len(args) > 1 {
		prefix = args[1]
	}
	if network == "udp" {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return err
		}
		if err := ready(args); err != nil {
			return err
		}
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return err
			}
			_, _ = pc.WriteTo(append([]byte(prefix), buf[:n]...), from)
		}
	}
	if network == "unix" && addr[0] != '@' {
		_ = os.Remove(addr)
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return err
	}
	if network == "unix" && addr[0] != '@' {
		// Anyone may connect: forwarders that dropped privileges too.
		if err := os.Chmod(addr, 0o777); err != nil {
			return err
		}
	}
	if err := ready(args); err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			data, _ := io.ReadAll(c)
			_, _ = c.Write(append([]byte(prefix), data...))
		}()
	}
}

func send(network, addr, msg string) error {
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	if network == "udp" {
		buf := make([]byte, 65536)
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(buf[:n])
		return err
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return err
		}
	}
	_, err = io.Copy(os.Stdout, c)
	return err
}

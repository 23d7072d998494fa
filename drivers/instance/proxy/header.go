package proxy

import (
	"encoding/binary"
	"fmt"
	"net"
)

// HeaderV1 is the text PROXY protocol header LXD sends with
// proxy_protocol=true: "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" for an
// IP client (src is the client, dst the address it reached), "PROXY
// UNKNOWN\r\n" otherwise (a unix listener).
func HeaderV1(src, dst net.Addr) []byte {
	s, sok := src.(*net.TCPAddr)
	d, dok := dst.(*net.TCPAddr)
	if !sok || !dok {
		return []byte("PROXY UNKNOWN\r\n")
	}
	fam := "TCP4"
	if s.IP.To4() == nil {
		fam = "TCP6"
	}
	return fmt.Appendf(nil, "PROXY %s %s %s %d %d\r\n", fam, s.IP, d.IP, s.Port, d.Port)
}

// v2Signature starts every binary (version 2) header.
var v2Signature = []byte("\r\n\r\n\x00\r\nQUIT\n")

// Version 2 command and address family/protocol bytes.
const (
	v2CmdLocal = 0x20
	v2CmdProxy = 0x21
	v2TCP4     = 0x11
	v2UDP4     = 0x12
	v2TCP6     = 0x21
	v2UDP6     = 0x22
	v2Unix     = 0x31
	v2UnixPath = 108 // bytes per unix address
)

// HeaderV2 is the binary PROXY protocol header for src -> dst: tcp/udp over
// IPv4 or IPv6, unix stream, or a LOCAL header when the addresses are of
// another kind or mixed families.
func HeaderV2(src, dst net.Addr) []byte {
	cmd, fam, body := v2CmdLocal, byte(0), []byte(nil)
	switch s := src.(type) {
	case *net.TCPAddr:
		if d, ok := dst.(*net.TCPAddr); ok {
			fam, body = ipBody(s.IP, d.IP, s.Port, d.Port, v2TCP4, v2TCP6)
		}
	case *net.UDPAddr:
		if d, ok := dst.(*net.UDPAddr); ok {
			fam, body = ipBody(s.IP, d.IP, s.Port, d.Port, v2UDP4, v2UDP6)
		}
	case *net.UnixAddr:
		if d, ok := dst.(*net.UnixAddr); ok {
			fam = v2Unix
			body = make([]byte, 2*v2UnixPath)
			copy(body[:v2UnixPath], s.Name)
			copy(body[v2UnixPath:], d.Name)
		}
	}
	if fam != 0 {
		cmd = v2CmdProxy
	}
	out := append([]byte{}, v2Signature...)
	out = append(out, byte(cmd), fam)
	out = binary.BigEndian.AppendUint16(out, uint16(len(body)))
	return append(out, body...)
}

func ipBody(sip, dip net.IP, sport, dport int, fam4, fam6 byte) (byte, []byte) {
	var body []byte
	fam := byte(0)
	switch {
	case sip.To4() != nil && dip.To4() != nil:
		fam = fam4
		body = append(append(body, sip.To4()...), dip.To4()...)
	case sip.To4() == nil && dip.To4() == nil && len(sip) == net.IPv6len && len(dip) == net.IPv6len:
		fam = fam6
		body = append(append(body, sip...), dip...)
	default:
		return 0, nil
	}
	body = binary.BigEndian.AppendUint16(body, uint16(sport))
	return fam, binary.BigEndian.AppendUint16(body, uint16(dport))
}

package dnsmasq

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Host is one static DHCP entry: a MAC with an optional fixed IPv4/IPv6 and
// an optional hostname (published in DNS once the host takes a lease).
type Host struct {
	MAC      string
	IPv4     string
	IPv6     string
	Hostname string
}

// Line renders the entry in dhcp-host syntax: mac[,ipv4][,[ipv6]][,name].
func (h Host) Line() string {
	parts := []string{strings.ToLower(h.MAC)}
	if h.IPv4 != "" {
		parts = append(parts, h.IPv4)
	}
	if h.IPv6 != "" {
		parts = append(parts, "["+h.IPv6+"]")
	}
	if h.Hostname != "" {
		parts = append(parts, h.Hostname)
	}
	return strings.Join(parts, ",")
}

// RenderHosts renders a hosts file, sorted by MAC so an unchanged set gives
// unchanged bytes (and no needless reload).
func RenderHosts(hosts []Host) []byte {
	lines := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if h.MAC == "" {
			continue
		}
		lines = append(lines, h.Line())
	}
	sort.Strings(lines)
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// WriteFileAtomic replaces path with data (temp file + rename), mode 0644 so
// the unprivileged dnsmasq can re-read it on SIGHUP. It reports whether the
// content changed.
func WriteFileAtomic(path string, data []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	return true, os.Rename(tmp.Name(), path)
}

// Lease is one line of dnsmasq's lease file.
type Lease struct {
	Expiry   time.Time
	MAC      string // empty for DHCPv6 leases whose DUID carries no MAC
	IP       net.IP
	Hostname string // "" when dnsmasq wrote "*"
	ClientID string // DHCPv4 client id or DHCPv6 DUID
	IAID     string // DHCPv6 only
}

// ParseLeases reads a dnsmasq lease file. A missing file gives no leases.
func ParseLeases(path string) ([]Lease, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var leases []Lease
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[0] == "duid" {
			continue
		}
		l, err := parseLeaseLine(fields)
		if err != nil {
			return nil, fmt.Errorf("Failed parsing lease file %q: %w", path, err)
		}
		leases = append(leases, l)
	}
	return leases, sc.Err()
}

func parseLeaseLine(f []string) (Lease, error) {
	secs, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return Lease{}, fmt.Errorf("bad expiry %q", f[0])
	}
	ip := net.ParseIP(f[2])
	if ip == nil {
		return Lease{}, fmt.Errorf("bad address %q", f[2])
	}
	l := Lease{IP: ip}
	if secs > 0 {
		l.Expiry = time.Unix(secs, 0)
	}
	if f[3] != "*" {
		l.Hostname = f[3]
	}
	if len(f) > 4 && f[4] != "*" {
		l.ClientID = f[4]
	}
	if ip.To4() != nil {
		l.MAC = f[1]
		return l, nil
	}
	l.IAID = f[1]
	l.MAC = macFromDUID(l.ClientID)
	return l, nil
}

// macFromDUID extracts the MAC from a DUID-LLT (type 1) or DUID-LL (type 3)
// with hardware type Ethernet; other DUIDs carry none.
func macFromDUID(duid string) string {
	b, err := net.ParseMAC(duid)
	if err != nil {
		// ParseMAC only accepts 6, 8 or 20 bytes; parse by hand.
		b = parseHexBytes(duid)
	}
	if len(b) < 4 || b[2] != 0 || b[3] != 1 {
		return ""
	}
	switch {
	case b[0] == 0 && b[1] == 1 && len(b) == 14:
		return net.HardwareAddr(b[8:14]).String()
	case b[0] == 0 && b[1] == 3 && len(b) == 10:
		return net.HardwareAddr(b[4:10]).String()
	}
	return ""
}

func parseHexBytes(s string) []byte {
	var out []byte
	for _, p := range strings.Split(s, ":") {
		v, err := strconv.ParseUint(p, 16, 8)
		if err != nil {
			return nil
		}
		out = append(out, byte(v))
	}
	return out
}

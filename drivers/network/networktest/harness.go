package networktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/drivers/internal/nft"
)

// Naming rules every test object follows, so a leak is recognisable and
// never collides with real networks.
const (
	BridgePrefix = "lxnt"     // bridges and host-side links (<= 15 chars)
	NetnsPrefix  = "lxdngnt-" // network namespaces
	TablePrefix  = "lxdngnt_" // nftables tables
)

// RequireTools fails the test (never skips) when a host tool is missing.
func RequireTools(t testing.TB, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("network integration tests must run as root")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install it (apt-get install iproute2 nftables dnsmasq-base busybox-static)", tool)
		}
	}
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// Name returns a unique interface name "lxnt<tag><hex>" of at most 15 chars.
func Name(tag string) string {
	name := BridgePrefix + tag
	return name + randHex(15-len(name))
}

// Table returns a unique nft table name and deletes its inet, bridge and
// netdev tables at cleanup if the code under test left them.
func Table(t testing.TB) string {
	name := TablePrefix + randHex(8)
	t.Cleanup(func() {
		for _, fam := range []string{nft.FamilyInet, nft.FamilyBridge, nft.FamilyNetdev} {
			if ok, _ := nft.TableExists(context.Background(), fam, name); ok {
				t.Errorf("nft table %s %s left behind", fam, name)
				_, _ = iproute.Run(context.Background(), "nft", "delete", "table", fam, name)
			}
		}
	})
	return name
}

var subnetMu sync.Mutex
var subnetsTaken = map[int]bool{}

// Subnet returns a /24 in 10.201.0.0/16 that no host route uses and that this
// test process has not handed out, as (gateway CIDR "10.201.X.1/24", X).
func Subnet(t testing.TB) (string, int) {
	t.Helper()
	subnetMu.Lock()
	defer subnetMu.Unlock()
	routes, err := iproute.Routes(context.Background(), "inet", "")
	if err != nil {
		t.Fatalf("listing routes: %v", err)
	}
	for range 200 {
		b := make([]byte, 1)
		_, _ = rand.Read(b)
		x := 10 + int(b[0])%240
		if subnetsTaken[x] {
			continue
		}
		cand := fmt.Sprintf("10.201.%d.0/24", x)
		used := false
		for _, r := range routes {
			if r.Dst == cand {
				used = true
			}
		}
		if !used {
			subnetsTaken[x] = true
			return fmt.Sprintf("10.201.%d.1/24", x), x
		}
	}
	t.Fatalf("no free test subnet in 10.201.0.0/16")
	return "", 0
}

// StateDir returns a fresh directory dnsmasq (as nobody) can traverse.
func StateDir(t testing.TB) string {
	dir := t.TempDir()
	// t.TempDir's parents are 0700; dnsmasq re-reads its hosts file as nobody.
	for d := dir; d != os.TempDir() && d != "/" && strings.HasPrefix(d, os.TempDir()); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	return filepath.Join(dir, "net")
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MustRun runs a command and fails the test on error.
func MustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := iproute.Run(context.Background(), name, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

// Netns is a network namespace standing in for an instance.
type Netns struct {
	Name string
	t    testing.TB
}

// NewNetns creates "lxdngnt-<hex>" with lo up and deletes it at cleanup.
func NewNetns(t testing.TB) *Netns {
	t.Helper()
	ns := &Netns{Name: NetnsPrefix + randHex(8), t: t}
	MustRun(t, "ip", "netns", "add", ns.Name)
	t.Cleanup(func() {
		// Kill anything still running inside (udhcpc, ping) before deleting.
		out, _ := iproute.Run(context.Background(), "ip", "netns", "pids", ns.Name)
		for _, pid := range strings.Fields(out) {
			_, _ = iproute.Run(context.Background(), "kill", "-9", pid)
		}
		_, _ = iproute.Run(context.Background(), "ip", "netns", "del", ns.Name)
	})
	ns.Exec("ip", "link", "set", "lo", "up")
	return ns
}

// Exec runs a command inside the namespace and fails the test on error.
func (ns *Netns) Exec(args ...string) string {
	ns.t.Helper()
	return MustRun(ns.t, "ip", append([]string{"netns", "exec", ns.Name}, args...)...)
}

// TryExec runs a command inside the namespace and returns its error.
func (ns *Netns) TryExec(ctx context.Context, args ...string) (string, error) {
	return iproute.Run(ctx, "ip", append([]string{"netns", "exec", ns.Name}, args...)...)
}

// AddVeth creates a veth pair, moves the peer into the namespace as ifname
// (up, with mac when given) and returns the host end's name, left down and
// unattached. The pair is deleted at cleanup.
func (ns *Netns) AddVeth(ifname, mac string) string {
	ns.t.Helper()
	host, peer := Name("h"), Name("p")
	MustRun(ns.t, "ip", "link", "add", "dev", host, "type", "veth", "peer", "name", peer)
	ns.t.Cleanup(func() { _ = iproute.DeleteLink(context.Background(), host) })
	ns.MoveIn(peer, ifname, mac)
	return host
}

// MoveIn moves a host interface into the namespace, renamed and up.
func (ns *Netns) MoveIn(dev, ifname, mac string) {
	ns.t.Helper()
	MustRun(ns.t, "ip", "link", "set", "dev", dev, "netns", ns.Name)
	ns.Exec("ip", "link", "set", "dev", dev, "name", ifname)
	if mac != "" {
		ns.Exec("ip", "link", "set", "dev", ifname, "address", mac)
	}
	ns.Exec("ip", "link", "set", "dev", ifname, "up")
}

// DHCP runs busybox udhcpc on ifname until it gets a lease and applies it;
// it returns the address obtained.
func (ns *Netns) DHCP(ifname string) string {
	ns.t.Helper()
	script := filepath.Join(ns.t.TempDir(), "udhcpc.sh")
	body := "#!/bin/sh\ncase \"$1\" in\n  bound|renew)\n    ip -4 addr flush dev \"$interface\"\n    ip addr add \"$ip/$mask\" dev \"$interface\"\n    echo \"$ip\" > \"" + script + ".ip\"\n    ;;\nesac\nexit 0\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		ns.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := ns.TryExec(ctx, "busybox", "udhcpc", "-i", ifname, "-q", "-n", "-f", "-t", "10", "-T", "1", "-s", script)
	if err != nil {
		ns.t.Fatalf("udhcpc failed: %v\n%s", err, out)
	}
	ip, err := os.ReadFile(script + ".ip")
	if err != nil {
		ns.t.Fatalf("udhcpc got no lease: %s", out)
	}
	return strings.TrimSpace(string(ip))
}

// Ping sends count pings from the namespace and reports whether any answer came.
func (ns *Netns) Ping(addr string, count int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := ns.TryExec(ctx, "busybox", "ping", "-c", fmt.Sprint(count), "-W", "1", addr)
	return err == nil
}

// HostPing pings addr from the host namespace.
func HostPing(addr string, count int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := iproute.Run(ctx, "busybox", "ping", "-c", fmt.Sprint(count), "-W", "1", addr)
	return err == nil
}

// GatewayIP returns the address part of a CIDR ("10.201.7.1/24" -> "10.201.7.1").
func GatewayIP(cidr string) string {
	ip, _, err := net.ParseCIDR(cidr)
	if err != nil {
		return ""
	}
	return ip.String()
}

// ProcessAlive reports whether pid exists and is not a zombie.
func ProcessAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] != "Z"
}

// ShortName returns "lxnt<tag>" plus hex up to length chars, for names that
// get suffixes (a bridge whose tunnels are "<bridge>-<tunnel>").
func ShortName(tag string, length int) string {
	name := BridgePrefix + tag
	return name + randHex(length-len(name))
}

// Veth creates a veth pair in the host (both ends down) and deletes it at
// cleanup; it returns both names. Tests use it as a stand-in physical NIC.
func Veth(t testing.TB) (string, string) {
	t.Helper()
	a, b := Name("va"), Name("vb")
	MustRun(t, "ip", "link", "add", "dev", a, "type", "veth", "peer", "name", b)
	t.Cleanup(func() { _ = iproute.DeleteLink(context.Background(), a) })
	return a, b
}

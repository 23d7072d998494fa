package iproute

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats are an interface's kernel counters.
type Stats struct {
	RxBytes, TxBytes     int64
	RxPackets, TxPackets int64
	RxErrors, TxErrors   int64
	RxDropped, TxDropped int64
}

// ReadStats reads /sys/class/net/<name>/statistics; missing counters read 0.
func ReadStats(name string) Stats {
	dir := filepath.Join("/sys/class/net", name, "statistics")
	read := func(f string) int64 {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return 0
		}
		v, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return v
	}
	return Stats{
		RxBytes: read("rx_bytes"), TxBytes: read("tx_bytes"),
		RxPackets: read("rx_packets"), TxPackets: read("tx_packets"),
		RxErrors: read("rx_errors"), TxErrors: read("tx_errors"),
		RxDropped: read("rx_dropped"), TxDropped: read("tx_dropped"),
	}
}

// SetSysctl writes a value under /proc/sys ("net/ipv4/conf/br0/forwarding").
func SetSysctl(key, value string) error {
	path := filepath.Join("/proc/sys", key)
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("Failed setting sysctl %q to %q: %w", key, value, err)
	}
	return nil
}

// GetSysctl reads a value under /proc/sys.
func GetSysctl(key string) (string, error) {
	b, err := os.ReadFile(filepath.Join("/proc/sys", key))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// TC runs `tc args...`.
func TC(ctx context.Context, args ...string) (string, error) {
	return Run(ctx, "tc", args...)
}

// SetEgressRate shapes traffic leaving dev to bitsPerSec with an HTB root
// qdisc (one default class). For a host-side veth this limits what the
// instance receives.
func SetEgressRate(ctx context.Context, dev string, bitsPerSec int64) error {
	rate := strconv.FormatInt(bitsPerSec, 10) + "bit"
	if _, err := TC(ctx, "qdisc", "replace", "dev", dev, "root", "handle", "1:0", "htb", "default", "10"); err != nil {
		return fmt.Errorf("Failed adding htb qdisc: %w", err)
	}
	if _, err := TC(ctx, "class", "replace", "dev", dev, "parent", "1:0", "classid", "1:10", "htb", "rate", rate, "burst", "1024kb"); err != nil {
		return fmt.Errorf("Failed adding htb class: %w", err)
	}
	return nil
}

// ClearEgressRate removes the root qdisc; none present is not an error.
func ClearEgressRate(ctx context.Context, dev string) error {
	_, err := TC(ctx, "qdisc", "del", "dev", dev, "root")
	if err != nil && (isMissing(err) || containsAny(err.Error(), "Invalid handle", "handle of zero")) {
		return nil
	}
	return err
}

// RootQdisc returns the kind of dev's root qdisc ("htb", "noqueue", ...).
func RootQdisc(ctx context.Context, dev string) (string, error) {
	out, err := TC(ctx, "qdisc", "show", "dev", dev, "root")
	if err != nil {
		return "", err
	}
	f := strings.Fields(out)
	if len(f) < 2 {
		return "", nil
	}
	return f[1], nil
}

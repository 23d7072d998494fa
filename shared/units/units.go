package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var byteSuffixes = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50}, {"EiB", 1 << 60},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15}, {"EB", 1e18},
	{"B", 1},
}

// ParseByteSize turns "10GiB", "1.5GB", "512" (bytes) into a byte count.
func ParseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("Invalid size %q", s)
	}
	num, mult := s, 1.0
	for _, b := range byteSuffixes {
		if strings.HasSuffix(s, b.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(s, b.suffix)), b.mult
			break
		}
	}
	return parseScaled(s, num, mult)
}

var bitSuffixes = []struct {
	suffix string
	mult   float64
}{
	{"kbit", 1e3}, {"Mbit", 1e6}, {"Gbit", 1e9}, {"Tbit", 1e12}, {"Pbit", 1e15}, {"Ebit", 1e18},
	{"Kibit", 1 << 10}, {"Mibit", 1 << 20}, {"Gibit", 1 << 30}, {"Tibit", 1 << 40},
	{"bit", 1},
}

// ParseBitSize turns "100Mbit" into bits per second.
func ParseBitSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, b := range bitSuffixes {
		if strings.HasSuffix(s, b.suffix) {
			return parseScaled(s, strings.TrimSpace(strings.TrimSuffix(s, b.suffix)), b.mult)
		}
	}
	return 0, fmt.Errorf("Invalid value %q: missing unit (e.g. Mbit)", s)
}

func parseScaled(orig, num string, mult float64) (int64, error) {
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("Invalid size %q", orig)
	}
	v := f * mult
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("Size %q is too large", orig)
	}
	return int64(v), nil
}

// FormatByteSize renders n with a binary suffix, the way `lxc` shows sizes ("1.50GiB").
func FormatByteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	suffixes := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n)
	i := -1
	for v >= unit && i < len(suffixes)-1 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.2f%s", v, suffixes[i])
}

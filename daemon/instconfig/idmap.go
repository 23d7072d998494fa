package instconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// IdmapEntry is one line of raw.idmap: a host range mapped into the
// instance. Kind is "uid", "gid" or "both".
type IdmapEntry struct {
	Kind   string
	HostID int64
	NSID   int64
	Range  int64
}

// ParseRawIdmap parses raw.idmap lines such as "both 1000 1000",
// "uid 1000-1010 2000-2010" or "gid 50 60".
func ParseRawIdmap(v string) ([]IdmapEntry, error) {
	var out []IdmapEntry
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || (f[0] != "uid" && f[0] != "gid" && f[0] != "both") {
			return nil, fmt.Errorf("Invalid ID map line %q", line)
		}
		hostLo, hostHi, err := parseIDRange(f[1])
		if err != nil {
			return nil, fmt.Errorf("Invalid ID map line %q", line)
		}
		nsLo, nsHi, err := parseIDRange(f[2])
		if err != nil || nsHi-nsLo != hostHi-hostLo {
			return nil, fmt.Errorf("Invalid ID map line %q", line)
		}
		out = append(out, IdmapEntry{Kind: f[0], HostID: hostLo, NSID: nsLo, Range: hostHi - hostLo + 1})
	}
	return out, nil
}

func parseIDRange(s string) (int64, int64, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseInt(lo, 10, 64)
	if err != nil || a < 0 {
		return 0, 0, fmt.Errorf("invalid id %q", s)
	}
	if !isRange {
		return a, a, nil
	}
	b, err := strconv.ParseInt(hi, 10, 64)
	if err != nil || b < a {
		return 0, 0, fmt.Errorf("invalid id range %q", s)
	}
	return a, b, nil
}

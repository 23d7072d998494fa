package idmap

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseRaw parses raw.idmap: one mapping per line, "<uid|gid|both> <host>
// <container>", where each side is an id ("1000") or an inclusive range
// ("1000-1999") and both sides have the same size. Blank lines and lines
// starting with "#" are ignored.
func ParseRaw(raw string) (Set, error) {
	var out Set
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseRawLine(line)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("Invalid raw.idmap: %w", err)
	}
	return out, nil
}

func parseRawLine(line string) (Entry, error) {
	fields := strings.Fields(line)
	if len(fields) != 3 {
		return Entry{}, fmt.Errorf("Invalid raw.idmap line %q", line)
	}
	var e Entry
	switch fields[0] {
	case "uid":
		e.Isuid = true
	case "gid":
		e.Isgid = true
	case "both":
		e.Isuid, e.Isgid = true, true
	default:
		return Entry{}, fmt.Errorf("Invalid raw.idmap type %q in line %q", fields[0], line)
	}
	hostStart, hostSize, err := parseIDRange(fields[1])
	if err != nil {
		return Entry{}, fmt.Errorf("Invalid raw.idmap line %q: %w", line, err)
	}
	nsStart, nsSize, err := parseIDRange(fields[2])
	if err != nil {
		return Entry{}, fmt.Errorf("Invalid raw.idmap line %q: %w", line, err)
	}
	if hostSize != nsSize {
		return Entry{}, fmt.Errorf("Invalid raw.idmap line %q: host and container ranges differ in size", line)
	}
	e.Hostid, e.Nsid, e.Maprange = hostStart, nsStart, hostSize
	return e, nil
}

// parseIDRange parses "1000" or "1000-1999" into start and size.
func parseIDRange(s string) (int64, int64, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	start, err := strconv.ParseInt(lo, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, fmt.Errorf("invalid id %q", lo)
	}
	if !isRange {
		return start, 1, nil
	}
	end, err := strconv.ParseInt(hi, 10, 64)
	if err != nil || end < start {
		return 0, 0, fmt.Errorf("invalid id range %q", s)
	}
	return start, end - start + 1, nil
}

// Raw renders the set in raw.idmap syntax, one line per entry.
func (s Set) Raw() string {
	var b strings.Builder
	for _, e := range s {
		kind := "both"
		switch {
		case e.Isuid && !e.Isgid:
			kind = "uid"
		case e.Isgid && !e.Isuid:
			kind = "gid"
		}
		fmt.Fprintf(&b, "%s %s %s\n", kind, idRange(e.Hostid, e.Maprange), idRange(e.Nsid, e.Maprange))
	}
	return b.String()
}

func idRange(start, size int64) string {
	if size == 1 {
		return strconv.FormatInt(start, 10)
	}
	return fmt.Sprintf("%d-%d", start, start+size-1)
}

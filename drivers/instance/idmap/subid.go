package idmap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Range is one subordinate id range of a user ("root:1000000:1000000000").
type Range struct {
	Start int64
	Size  int64
}

// DefaultRange is the host allocation used when /etc/subuid or /etc/subgid
// has no line for the daemon's user (LXD's default).
var DefaultRange = Range{Start: 1000000, Size: 1000000000}

// ParseSubID returns the ranges of user in an /etc/subuid-style stream, in
// file order. Blank lines and comments are skipped; a malformed line for the
// user is an error, other users' lines are not examined further.
func ParseSubID(r io.Reader, user string) ([]Range, error) {
	var out []Range
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, ":")
		if fields[0] != user {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("Invalid subordinate id line %d: %q", n, line)
		}
		start, err1 := strconv.ParseInt(fields[1], 10, 64)
		size, err2 := strconv.ParseInt(fields[2], 10, 64)
		if err1 != nil || err2 != nil || start < 0 || size <= 0 {
			return nil, fmt.Errorf("Invalid subordinate id line %d: %q", n, line)
		}
		out = append(out, Range{Start: start, Size: size})
	}
	return out, sc.Err()
}

// HostRange picks the range an unprivileged instance may use from the user's
// ranges: the largest one (the first of equal size). A missing or empty file
// gives DefaultRange. Ranges smaller than DefaultSize cannot hold a full
// container and are refused.
func HostRange(path, user string) (Range, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultRange, nil
	}
	if err != nil {
		return Range{}, err
	}
	defer f.Close()
	ranges, err := ParseSubID(f, user)
	if err != nil {
		return Range{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(ranges) == 0 {
		return DefaultRange, nil
	}
	best := ranges[0]
	for _, r := range ranges[1:] {
		if r.Size > best.Size {
			best = r
		}
	}
	if best.Size < DefaultSize {
		return Range{}, fmt.Errorf("%s: range of %q holds %d ids, at least %d are needed", path, user, best.Size, DefaultSize)
	}
	return best, nil
}

// HostSet returns the whole host allocation of user as a Set: one uid entry
// from subuidPath and one gid entry from subgidPath, both starting at
// container id 0. It is the map of every non-isolated unprivileged instance.
func HostSet(subuidPath, subgidPath, user string) (Set, error) {
	u, err := HostRange(subuidPath, user)
	if err != nil {
		return nil, err
	}
	g, err := HostRange(subgidPath, user)
	if err != nil {
		return nil, err
	}
	return Set{
		{Isuid: true, Hostid: u.Start, Nsid: 0, Maprange: u.Size},
		{Isgid: true, Hostid: g.Start, Nsid: 0, Maprange: g.Size},
	}, nil
}

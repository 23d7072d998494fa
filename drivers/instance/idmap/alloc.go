package idmap

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/lxdng/lxd/shared/config"
)

// Request is what an instance's config asks of its id map.
type Request struct {
	// Isolated is security.idmap.isolated: a range no other isolated
	// instance uses.
	Isolated bool
	// Base is security.idmap.base, the first host id of the map (0: unset,
	// since mapping container root to host root is what privileged means).
	Base int64
	// Size is security.idmap.size (0: unset).
	Size int64
	// Raw is the parsed raw.idmap, laid over the result.
	Raw Set
}

// RequestFromConfig reads security.privileged, security.idmap.isolated,
// security.idmap.base, security.idmap.size and raw.idmap from an expanded
// instance config. privileged is true when the instance gets no map at all.
func RequestFromConfig(cfg map[string]string) (req Request, privileged bool, err error) {
	if config.ParseBool(cfg["security.privileged"]) {
		return Request{}, true, nil
	}
	req.Isolated = config.ParseBool(cfg["security.idmap.isolated"])
	if v := cfg["security.idmap.base"]; v != "" {
		if req.Base, err = strconv.ParseInt(v, 10, 64); err != nil || req.Base <= 0 {
			return Request{}, false, fmt.Errorf("Invalid security.idmap.base %q", v)
		}
	}
	if v := cfg["security.idmap.size"]; v != "" {
		if req.Size, err = strconv.ParseInt(v, 10, 64); err != nil || req.Size <= 0 {
			return Request{}, false, fmt.Errorf("Invalid security.idmap.size %q", v)
		}
	}
	if req.Raw, err = ParseRaw(cfg["raw.idmap"]); err != nil {
		return Request{}, false, err
	}
	return req, false, nil
}

// Allocate chooses the map of one unprivileged instance and returns it with
// its base (the value of volatile.idmap.base).
//
//   - Neither isolated nor a base: the whole host allocation (host, from
//     HostSet), base 0, shared by every such instance.
//   - A base: Size ids (DefaultSize if unset) from that host id, unchecked
//     (the administrator chose it).
//   - Isolated: the first gap of Size ids (DefaultSize if unset) in the host
//     uid range that no map in used touches. The first DefaultSize ids of
//     the host range are left to the non-isolated instances. The same
//     offset is used for uids and gids, so it must fit the gid range too.
//
// used holds the current maps of the other isolated instances. Raw entries
// are laid over the result in every case.
func Allocate(host Set, req Request, used []Set) (Set, int64, error) {
	if !req.Isolated && req.Base == 0 {
		return host.WithRaw(req.Raw), 0, nil
	}
	size := req.Size
	if size == 0 {
		size = DefaultSize
	}
	if req.Base != 0 {
		return block(req.Base, size).WithRaw(req.Raw), req.Base, nil
	}
	uids, gids, err := hostRanges(host)
	if err != nil {
		return nil, 0, err
	}
	offset, ok := firstGap(uids, size, usedRanges(used))
	if !ok || offset < gids.Hostid || offset+size > gids.hostEnd() {
		return nil, 0, fmt.Errorf("Not enough uid/gid available for the container")
	}
	return block(offset, size).WithRaw(req.Raw), offset, nil
}

// block maps container ids 0..size-1 to host ids from base, for both kinds.
func block(base, size int64) Set {
	return Set{
		{Isuid: true, Hostid: base, Nsid: 0, Maprange: size},
		{Isgid: true, Hostid: base, Nsid: 0, Maprange: size},
	}
}

// hostRanges finds the uid and gid entries of a host set.
func hostRanges(host Set) (uids, gids Entry, err error) {
	var haveU, haveG bool
	for _, e := range host {
		if e.Isuid && !haveU {
			uids, haveU = e, true
		}
		if e.Isgid && !haveG {
			gids, haveG = e, true
		}
	}
	if !haveU || !haveG {
		return Entry{}, Entry{}, fmt.Errorf("The host has no subordinate uid or gid range for unprivileged containers")
	}
	return uids, gids, nil
}

type span struct{ start, end int64 }

// usedRanges flattens the host ids of the used maps, sorted by start.
func usedRanges(used []Set) []span {
	var out []span
	for _, set := range used {
		for _, e := range set {
			out = append(out, span{e.Hostid, e.hostEnd()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// firstGap returns the lowest offset >= host.Hostid+DefaultSize where size
// ids fit inside host without touching any used span.
func firstGap(host Entry, size int64, used []span) (int64, bool) {
	offset := host.Hostid + DefaultSize
	for _, u := range used {
		if u.end <= offset {
			continue
		}
		if offset+size <= u.start {
			break
		}
		offset = u.end
	}
	return offset, offset+size <= host.hostEnd()
}

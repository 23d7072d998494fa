package idmap

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Entry maps Maprange ids starting at Nsid inside the namespace to ids
// starting at Hostid on the host. An entry may apply to uids, gids or both.
// Field names and order are LXD's: they are the JSON stored in volatile keys.
type Entry struct {
	Isuid    bool
	Isgid    bool
	Hostid   int64
	Nsid     int64
	Maprange int64
}

// hostEnd and nsEnd are exclusive ends.
func (e Entry) hostEnd() int64 { return e.Hostid + e.Maprange }
func (e Entry) nsEnd() int64   { return e.Nsid + e.Maprange }

// sameKind reports whether both entries map at least one common id kind.
func (e Entry) sameKind(o Entry) bool { return (e.Isuid && o.Isuid) || (e.Isgid && o.Isgid) }

// Set is the list of mappings of one instance. A nil or empty Set means the
// instance is privileged (no user namespace).
type Set []Entry

// DefaultSize is the map size of an isolated instance without
// security.idmap.size, and the range reserved for non-isolated instances at
// the start of the host allocation.
const DefaultSize = 65536

// ParseJSON decodes the form stored in volatile.idmap.* ("" and "[]" are the
// empty set).
func ParseJSON(s string) (Set, error) {
	if s == "" {
		return nil, nil
	}
	var set Set
	if err := json.Unmarshal([]byte(s), &set); err != nil {
		return nil, fmt.Errorf("Failed to parse idmap %q: %w", s, err)
	}
	if len(set) == 0 {
		return nil, nil
	}
	return set, nil
}

// JSON encodes the set in LXD's volatile form; the empty set is "[]".
func (s Set) JSON() string {
	if len(s) == 0 {
		return "[]"
	}
	b, err := json.Marshal([]Entry(s))
	if err != nil {
		// Entries are plain ints and bools: Marshal cannot fail.
		panic(err)
	}
	return string(b)
}

// Equal reports whether both sets hold the same entries in the same order.
func (s Set) Equal(o Set) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// LXC renders the set as lxc.idmap values ("u 0 1000000 65536"); an entry for
// both kinds gives one "u" and one "g" line.
func (s Set) LXC() []string {
	var out []string
	for _, e := range s {
		if e.Isuid {
			out = append(out, fmt.Sprintf("u %d %d %d", e.Nsid, e.Hostid, e.Maprange))
		}
		if e.Isgid {
			out = append(out, fmt.Sprintf("g %d %d %d", e.Nsid, e.Hostid, e.Maprange))
		}
	}
	return out
}

// ToHost maps a namespace uid and gid to host ids; -1 when not mapped.
func (s Set) ToHost(uid, gid int64) (int64, int64) {
	hu, hg := int64(-1), int64(-1)
	for _, e := range s {
		if e.Isuid && hu < 0 && uid >= e.Nsid && uid < e.nsEnd() {
			hu = e.Hostid + uid - e.Nsid
		}
		if e.Isgid && hg < 0 && gid >= e.Nsid && gid < e.nsEnd() {
			hg = e.Hostid + gid - e.Nsid
		}
	}
	return hu, hg
}

// FromHost maps host ids to namespace ids; -1 when not mapped.
func (s Set) FromHost(uid, gid int64) (int64, int64) {
	nu, ng := int64(-1), int64(-1)
	for _, e := range s {
		if e.Isuid && nu < 0 && uid >= e.Hostid && uid < e.hostEnd() {
			nu = e.Nsid + uid - e.Hostid
		}
		if e.Isgid && ng < 0 && gid >= e.Hostid && gid < e.hostEnd() {
			ng = e.Nsid + gid - e.Hostid
		}
	}
	return nu, ng
}

// Validate checks that no two entries of one kind overlap, in the namespace or
// on the host: the kernel refuses such maps.
func (s Set) Validate() error {
	for i, a := range s {
		if a.Maprange <= 0 || a.Hostid < 0 || a.Nsid < 0 {
			return fmt.Errorf("Invalid idmap entry %d: %+v", i, a)
		}
		if !a.Isuid && !a.Isgid {
			return fmt.Errorf("Idmap entry %d maps neither uids nor gids", i)
		}
		for _, b := range s[i+1:] {
			if !a.sameKind(b) {
				continue
			}
			if overlap(a.Nsid, a.nsEnd(), b.Nsid, b.nsEnd()) {
				return fmt.Errorf("Conflicting idmap entries: container ids %d-%d and %d-%d overlap",
					a.Nsid, a.nsEnd()-1, b.Nsid, b.nsEnd()-1)
			}
			if overlap(a.Hostid, a.hostEnd(), b.Hostid, b.hostEnd()) {
				return fmt.Errorf("Conflicting idmap entries: host ids %d-%d and %d-%d overlap",
					a.Hostid, a.hostEnd()-1, b.Hostid, b.hostEnd()-1)
			}
		}
	}
	return nil
}

func overlap(aStart, aEnd, bStart, bEnd int64) bool { return aStart < bEnd && bStart < aEnd }

// WithRaw returns s with the raw.idmap entries laid over it: each raw entry
// takes its container ids away from the entries of s (splitting them where
// needed) and is then added, so "both 1000 1000" maps container 1000 to host
// 1000 and leaves every other id where it was.
func (s Set) WithRaw(raw Set) Set {
	out := append(Set(nil), s...)
	for _, r := range raw {
		out = out.punch(r)
		out = append(out, r)
	}
	sortEntries(out)
	return out
}

// punch removes r's container-id range from every entry sharing a kind with
// it. An entry covering both kinds while r covers only one is split by kind
// first so the other kind keeps its full range.
func (s Set) punch(r Entry) Set {
	var out Set
	for _, e := range s {
		if !e.sameKind(r) || !overlap(e.Nsid, e.nsEnd(), r.Nsid, r.nsEnd()) {
			out = append(out, e)
			continue
		}
		if e.Isuid && e.Isgid && !(r.Isuid && r.Isgid) {
			untouched := e
			untouched.Isuid, untouched.Isgid = !r.Isuid, !r.Isgid
			out = append(out, untouched)
			e.Isuid, e.Isgid = r.Isuid, r.Isgid
		}
		out = append(out, cut(e, r.Nsid, r.nsEnd())...)
	}
	return out
}

// cut returns the parts of e outside the container-id range [from, to).
func cut(e Entry, from, to int64) []Entry {
	var parts []Entry
	if e.Nsid < from {
		left := e
		left.Maprange = from - e.Nsid
		parts = append(parts, left)
	}
	if e.nsEnd() > to {
		right := e
		right.Nsid = to
		right.Hostid = e.Hostid + (to - e.Nsid)
		right.Maprange = e.nsEnd() - to
		parts = append(parts, right)
	}
	return parts
}

// sortEntries orders by kind (uid first) then container id, for stable output.
func sortEntries(s Set) {
	rank := func(e Entry) int {
		switch {
		case e.Isuid && e.Isgid:
			return 0
		case e.Isuid:
			return 1
		default:
			return 2
		}
	}
	sort.SliceStable(s, func(i, j int) bool {
		if rank(s[i]) != rank(s[j]) {
			return rank(s[i]) < rank(s[j])
		}
		return s[i].Nsid < s[j].Nsid
	})
}

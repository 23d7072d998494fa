package migration

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/instances"
	"github.com/lxdng/lxd/shared/api"
)

func TestCompareSnapshots(t *testing.T) {
	at := func(name string, sec int64) instances.ExistingSnapshot {
		return instances.ExistingSnapshot{Name: name, CreatedAt: time.Unix(sec, 0)}
	}
	offered := []Snapshot{{Name: "s1", CreationDate: 10}, {Name: "s2", CreationDate: 20}, {Name: "s3", CreationDate: 30}}
	tests := []struct {
		name      string
		existing  []instances.ExistingSnapshot
		wantSync  string
		wantStale string
	}{
		{"empty target", nil, "s1,s2,s3", ""},
		{"up to date", []instances.ExistingSnapshot{at("s1", 10), at("s2", 20), at("s3", 30)}, "", ""},
		{"missing one", []instances.ExistingSnapshot{at("s1", 10)}, "s2,s3", ""},
		{"extra on target", []instances.ExistingSnapshot{at("s1", 10), at("old", 5)}, "s2,s3", "old"},
		{"recreated on source", []instances.ExistingSnapshot{at("s1", 11), at("s2", 20)}, "s1,s3", "s1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sync, stale := compareSnapshots(offered, tt.existing)
			var names []string
			for _, s := range sync {
				names = append(names, s.Name)
			}
			if got := strings.Join(names, ","); got != tt.wantSync {
				t.Errorf("sync %q, want %q", got, tt.wantSync)
			}
			if got := strings.Join(stale, ","); got != tt.wantStale {
				t.Errorf("stale %q, want %q", got, tt.wantStale)
			}
		})
	}
}

func TestMapID(t *testing.T) {
	m := []IDMapEntry{{IsUID: true, HostID: 100000, Range: 65536}, {IsGID: true, HostID: 200000, Range: 10}}
	tests := []struct {
		name   string
		id     uint32
		uid    bool
		want   uint32
		wantOK bool
	}{
		{"uid root", 100000, true, 0, true},
		{"uid inside", 101000, true, 1000, true},
		{"uid past the range", 165536, true, 165536, false},
		{"uid below", 0, true, 0, false},
		{"gid uses gid entries", 200005, false, 5, true},
		{"gid not in uid range", 100000, false, 100000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mapID(m, tt.id, tt.uid)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("mapID(%d) = %d %v", tt.id, got, ok)
			}
		})
	}
}

func TestSnapshotProtoRoundTrip(t *testing.T) {
	created := time.Unix(1700000000, 0).UTC()
	in := api.InstanceSnapshot{Name: "s1", Architecture: "x86_64", CreatedAt: created, Profiles: []string{"default"},
		Config: map[string]string{"user.k": "v"}, Devices: map[string]map[string]string{"root": {"type": "disk", "path": "/"}}}
	p := snapshotToProto(in)
	if p.Architecture != 2 || p.ExpiryDate != (time.Time{}).Unix() || p.CreationDate != 1700000000 {
		t.Fatalf("proto: %+v", p)
	}
	got, err := UnmarshalHeader(Header{Snapshots: []Snapshot{p}}.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	out := snapshotFromProto(got.Snapshots[0])
	if out.Name != in.Name || out.Architecture != in.Architecture || !out.CreatedAt.Equal(created) || !out.ExpiresAt.IsZero() ||
		!out.LastUsedAt.IsZero() || !reflect.DeepEqual(out.Config, in.Config) || !reflect.DeepEqual(out.Devices, in.Devices) ||
		!reflect.DeepEqual(out.Profiles, in.Profiles) {
		t.Fatalf("round trip: %+v", out)
	}
}

package instances

import (
	"reflect"
	"testing"

	"github.com/lxdng/lxd/cluster/db"
)

func TestDeviceChanges(t *testing.T) {
	old := map[string]map[string]string{"a": {"type": "nic"}, "b": {"type": "disk"}, "c": {"type": "nic", "mtu": "1"}}
	next := map[string]map[string]string{"a": {"type": "nic"}, "c": {"type": "nic", "mtu": "2"}, "d": {"type": "nic"}}
	removed, added := deviceChanges(old, next)
	if !reflect.DeepEqual(removed, []string{"b", "c"}) || !reflect.DeepEqual(added, []string{"c", "d"}) {
		t.Fatalf("removed %v, added %v", removed, added)
	}
}

func TestNICName(t *testing.T) {
	rec := &record{
		row: db.Instance{Config: map[string]string{"volatile.b.name": "eth1"}},
		expDevices: map[string]map[string]string{
			"a": {"type": "nic", "name": "eth0"},
			"b": {"type": "nic"},
			"c": {"type": "nic"},
			"d": {"type": "nic"},
			"r": {"type": "disk", "name": "eth2"},
		},
	}
	tests := []struct {
		dev       string
		pending   map[string]string
		want      string
		wantFresh bool
	}{
		{"a", nil, "eth0", false},
		{"b", nil, "eth1", false},
		{"c", nil, "eth2", true},
		{"d", map[string]string{"volatile.c.name": "eth2"}, "eth3", true},
	}
	for _, tt := range tests {
		got, fresh := nicName(rec, tt.dev, tt.pending)
		if got != tt.want || fresh != tt.wantFresh {
			t.Fatalf("%s: got %s %v, want %s %v", tt.dev, got, fresh, tt.want, tt.wantFresh)
		}
	}
}

func TestVolatileReset(t *testing.T) {
	cfg := map[string]string{"volatile.e.hwaddr": "m", "volatile.e.name": "eth0", "volatile.e.host_name": "veth1", "volatile.f.hwaddr": "x"}
	old := &record{expDevices: map[string]map[string]string{"e": {"type": "nic", "network": "n1"}}}
	tests := []struct {
		name string
		next map[string]string
		want map[string]string
	}{
		{"removed", nil, map[string]string{"volatile.e.hwaddr": "", "volatile.e.name": "", "volatile.e.host_name": ""}},
		{"changed", map[string]string{"type": "nic", "network": "n1", "limits.max": "1Mbit"}, map[string]string{"volatile.e.host_name": ""}},
		{"new network", map[string]string{"type": "nic", "network": "n2"}, map[string]string{"volatile.e.hwaddr": "", "volatile.e.name": "", "volatile.e.host_name": ""}},
		{"hwaddr set", map[string]string{"type": "nic", "network": "n1", "hwaddr": "y"}, map[string]string{"volatile.e.hwaddr": "", "volatile.e.host_name": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &record{row: db.Instance{Config: cfg}, expDevices: map[string]map[string]string{}}
			if tt.next != nil {
				next.expDevices["e"] = tt.next
			}
			if got := volatileReset(old, next, "e"); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

package network

import (
	"context"
	"slices"
	"testing"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	netdriver "github.com/lxdng/lxd/drivers/network"
)

func TestNICUses(t *testing.T) {
	tests := []struct {
		name    string
		dev     map[string]string
		managed bool
		want    bool
	}{
		{"network key", map[string]string{"type": "nic", "network": "br0"}, true, true},
		{"other network", map[string]string{"type": "nic", "network": "br1", "parent": "br0"}, true, false},
		{"bridged parent", map[string]string{"type": "nic", "nictype": "bridged", "parent": "br0"}, true, true},
		{"not a nic", map[string]string{"type": "disk", "network": "br0"}, true, false},
		{"unmanaged parent", map[string]string{"type": "nic", "nictype": "macvlan", "parent": "br0"}, false, true},
		{"unmanaged ignores network", map[string]string{"type": "nic", "network": "br0"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nicUses(tt.dev, "br0", tt.managed); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func testUsage() usage {
	nic := func(extra ...string) map[string]string {
		d := map[string]string{"type": "nic", "network": "br0"}
		for i := 0; i+1 < len(extra); i += 2 {
			d[extra[i]] = extra[i+1]
		}
		return d
	}
	return usage{
		netProject: map[string]string{"default": "default", "p1": "default", "own": "own"},
		users: []db.DeviceUser{
			{Kind: db.DeviceUserProfile, Project: "default", Name: "default", Devices: db.JSONDevices{"eth0": nic()}},
			{Kind: db.DeviceUserProfile, Project: "own", Name: "default", Devices: db.JSONDevices{"eth0": nic()}},
			{Kind: db.DeviceUserInstance, Project: "default", Name: "c1", MemberID: 1,
				Config: db.JSONMap{"volatile.eth0.hwaddr": "00:16:3E:00:00:01"}, Devices: db.JSONDevices{"eth0": nic()}},
			{Kind: db.DeviceUserInstance, Project: "p1", Name: "c2", MemberID: 1,
				Devices: db.JSONDevices{"eth1": nic("hwaddr", "00:16:3e:00:00:02", "ipv4.address", "10.0.0.5")}},
			{Kind: db.DeviceUserInstance, Project: "default", Name: "c3", MemberID: 2,
				Config: db.JSONMap{"volatile.eth0.hwaddr": "00:16:3e:00:00:03"}, Devices: db.JSONDevices{"eth0": nic()}},
			{Kind: db.DeviceUserInstance, Project: "default", Name: "c4", MemberID: 1, Devices: db.JSONDevices{"eth0": nic()}},
			{Kind: db.DeviceUserInstance, Project: "default", Name: "c5", MemberID: 1,
				Config: db.JSONMap{"volatile.eth0.hwaddr": "00:16:3e:00:00:05"}, Devices: db.JSONDevices{"eth0": nic("nictype", "routed")}},
		},
	}
}

func TestUsedBy(t *testing.T) {
	u := testUsage()
	admin := request.With(context.Background(), &request.Requestor{Trusted: true})
	restricted := request.With(context.Background(), &request.Requestor{Trusted: true, Restricted: true, Projects: []string{"p1"}})
	tests := []struct {
		name string
		ctx  context.Context
		want []string
	}{
		{"admin", admin, []string{"/1.0/profiles/default", "/1.0/instances/c1", "/1.0/instances/c2?project=p1",
			"/1.0/instances/c3", "/1.0/instances/c4", "/1.0/instances/c5"}},
		{"restricted", restricted, []string{"/1.0/instances/c2?project=p1"}},
		{"untrusted", context.Background(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := u.usedBy(tt.ctx, "default", "br0", true); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	if !u.inUse("default", "br0") || u.inUse("default", "br1") || !u.inUse("own", "br0") {
		t.Fatal("inUse")
	}
}

func TestStaticLeases(t *testing.T) {
	got := testUsage().staticLeases(1, "default", "br0")
	want := []netdriver.StaticLease{
		{Hostname: "c1", MAC: "00:16:3E:00:00:01"},
		{Hostname: "p1_c2", MAC: "00:16:3e:00:00:02", IPv4: "10.0.0.5"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	macs := testUsage().instanceMACs("default", "default", "br0")
	if !macs["00:16:3e:00:00:01"] || !macs["00:16:3e:00:00:03"] || macs["00:16:3e:00:00:02"] {
		t.Fatalf("project MACs: %v", macs)
	}
}

func TestValidName(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"lxdbr0", ""},
		{"br.1-a_b", ""},
		{"a", "Network interface is too short (minimum 2 characters)"},
		{"abcdefghijklmnop", "Network interface is too long (maximum 15 characters)"},
		{"a b", "Network interface contains invalid characters"},
		{"a/b", "Network interface contains invalid characters"},
		{"..", "Network interface contains invalid characters"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := validName(tt.in)
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

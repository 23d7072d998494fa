package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
)

func TestNetworkJSONMatchesLXD(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{
			name: "unmanaged",
			in:   Network{NetworkPut: NetworkPut{Config: map[string]string{}}, Name: "lo", Type: "loopback", UsedBy: []string{}},
			want: `{"config":{},"description":"","name":"lo","type":"loopback","used_by":[],"managed":false,"status":"","locations":null}`,
		},
		{
			name: "networks post",
			in:   NetworksPost{NetworkPut: NetworkPut{Config: map[string]string{"ipv4.address": "10.98.0.1/24"}}, Name: "lxdbr9"},
			want: `{"config":{"ipv4.address":"10.98.0.1/24"},"description":"","name":"lxdbr9","type":""}`,
		},
		{
			name: "lease",
			in:   NetworkLease{Hostname: "lxdbr0.gw", Address: "10.97.0.1", Type: NetworkLeaseGateway},
			want: `{"hostname":"lxdbr0.gw","hwaddr":"","address":"10.97.0.1","type":"gateway","location":""}`,
		},
		{
			name: "state",
			in: NetworkState{
				Addresses: []NetworkStateAddress{{Family: "inet", Address: "10.97.0.1", Netmask: "24", Scope: "global"}},
				Counters:  NetworkStateCounters{BytesReceived: 1, BytesSent: 2, PacketsReceived: 3, PacketsSent: 4},
				Hwaddr:    "00:16:3e:ae:f7:47", Mtu: 1500, State: "up", Type: "broadcast",
				Bridge: &NetworkStateBridge{ID: "8000.00163eaef747", ForwardDelay: 1500, UpperDevices: []string{"veth7b2ab1fb"}},
			},
			want: `{"addresses":[{"family":"inet","address":"10.97.0.1","netmask":"24","scope":"global"}],` +
				`"counters":{"bytes_received":1,"bytes_sent":2,"packets_received":3,"packets_sent":4},` +
				`"hwaddr":"00:16:3e:ae:f7:47","mtu":1500,"state":"up","type":"broadcast","bond":null,` +
				`"bridge":{"id":"8000.00163eaef747","stp":false,"forward_delay":1500,"vlan_default":0,"vlan_filtering":false,"upper_devices":["veth7b2ab1fb"]},` +
				`"vlan":null,"ovn":null}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

func TestNetworkETagTupleOfTranscript(t *testing.T) {
	// The reference ETag for lxdbr0 hashes [name, managed, type, description, config].
	b, _ := json.Marshal([]any{"lxdbr0", true, "bridge", "", map[string]string{"ipv4.address": "10.97.0.1/24", "ipv4.nat": "false", "ipv6.address": "none"}})
	sum := sha256.Sum256(append(b, '\n'))
	if got := hex.EncodeToString(sum[:]); got != "e3db32341b5239d55ff6d812fdff4e6f5810a1546f8a83bfd375f80296e39a42" {
		t.Fatalf("ETag of %s = %s, not the transcript's", b, got)
	}
}

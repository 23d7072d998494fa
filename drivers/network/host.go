package network

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/shared/api"
)

// HostInterfaces lists the host's interfaces as unmanaged networks, in
// kernel (ifindex) order as LXD 5.0.2 lists them, the way GET
// /1.0/networks shows them: {"config":{},"type":"loopback|physical|
// bridge|bond|vlan|unknown","used_by":[],"managed":false,"status":"",
// "locations":null}. The caller drops the names of its managed networks and
// fills UsedBy.
func HostInterfaces(ctx context.Context) ([]api.Network, error) {
	links, err := iproute.Links(ctx)
	if err != nil {
		return nil, err
	}
	nets := make([]api.Network, 0, len(links))
	for _, l := range links {
		nets = append(nets, api.Network{
			NetworkPut: api.NetworkPut{Config: map[string]string{}},
			Name:       l.Name,
			Type:       InterfaceType(l.Name),
			UsedBy:     []string{},
			Managed:    false,
		})
	}
	return nets, nil
}

// InterfaceType classifies a host interface the way LXD does for unmanaged
// networks.
func InterfaceType(name string) string {
	sys := filepath.Join("/sys/class/net", name)
	exists := func(p string) bool { _, err := os.Stat(filepath.Join(sys, p)); return err == nil }
	if t, err := os.ReadFile(filepath.Join(sys, "type")); err == nil && strings.TrimSpace(string(t)) == "772" {
		return "loopback"
	}
	switch {
	case exists("bridge"):
		return "bridge"
	case exists("bonding"):
		return "bond"
	}
	if _, err := os.Stat(filepath.Join("/proc/net/vlan", name)); err == nil {
		return "vlan"
	}
	if exists("device") {
		return "physical"
	}
	return "unknown"
}

// InterfaceState reports any host interface (GET /1.0/networks/<n>/state).
// A missing interface is a 404.
func InterfaceState(ctx context.Context, name string) (api.NetworkState, error) {
	l, err := iproute.GetLink(ctx, name)
	if err != nil {
		if errors.Is(err, iproute.ErrNotFound) {
			return api.NetworkState{}, api.NotFound("Network interface %q not found", name)
		}
		return api.NetworkState{}, err
	}
	addrs, err := iproute.Addrs(ctx, name)
	if err != nil {
		return api.NetworkState{}, err
	}
	st := api.NetworkState{
		Addresses: []api.NetworkStateAddress{},
		Hwaddr:    l.Address,
		Mtu:       l.MTU,
		State:     "down",
		Type:      linkStateType(l),
	}
	if l.LinkType == "loopback" {
		st.Hwaddr = ""
	}
	if l.Up() {
		st.State = "up"
	}
	for _, a := range addrs {
		st.Addresses = append(st.Addresses, api.NetworkStateAddress{
			Family:  a.Family,
			Address: a.IP.String(),
			Netmask: strconv.Itoa(a.Prefix),
			Scope:   scopeName(a.Scope),
		})
	}
	stats := iproute.ReadStats(name)
	st.Counters = api.NetworkStateCounters{
		BytesReceived:   stats.RxBytes,
		BytesSent:       stats.TxBytes,
		PacketsReceived: stats.RxPackets,
		PacketsSent:     stats.TxPackets,
	}
	if l.Kind() == "bridge" {
		st.Bridge = bridgeState(name)
	}
	return st, nil
}

func linkStateType(l iproute.Link) string {
	for _, f := range l.Flags {
		switch f {
		case "LOOPBACK":
			return "loopback"
		case "POINTOPOINT":
			return "point-to-point"
		}
	}
	for _, f := range l.Flags {
		if f == "BROADCAST" {
			return "broadcast"
		}
	}
	return "unknown"
}

// scopeName maps ip's scope names to LXD's ("host" is "local").
func scopeName(s string) string {
	if s == "host" {
		return "local"
	}
	return s
}

func bridgeState(name string) *api.NetworkStateBridge {
	sys := filepath.Join("/sys/class/net", name, "bridge")
	read := func(f string) string {
		b, _ := os.ReadFile(filepath.Join(sys, f))
		return strings.TrimSpace(string(b))
	}
	num := func(f string) uint64 {
		v, _ := strconv.ParseUint(read(f), 10, 64)
		return v
	}
	ports, _ := iproute.BridgePorts(name)
	if ports == nil {
		ports = []string{}
	}
	return &api.NetworkStateBridge{
		ID:            read("bridge_id"),
		STP:           read("stp_state") == "1",
		ForwardDelay:  num("forward_delay"),
		VLANDefault:   num("default_pvid"),
		VLANFiltering: read("vlan_filtering") == "1",
		UpperDevices:  ports,
	}
}

package api

// NetworkPut is the writable part of a network (PUT/PATCH /1.0/networks/<name>).
type NetworkPut struct {
	// Config holds the network's keys (e.g. "ipv4.address": "10.97.0.1/24").
	Config map[string]string `json:"config" yaml:"config"`

	// Description is free text.
	Description string `json:"description" yaml:"description"`
}

// NetworksPost is the body of POST /1.0/networks. An empty Type means
// "bridge". The lxc client sends {"config":{...},"description":"","name":"x","type":""}.
type NetworksPost struct {
	NetworkPut `yaml:",inline"`

	Name string `json:"name" yaml:"name"`
	Type string `json:"type" yaml:"type"`
}

// NetworkPost is the body of POST /1.0/networks/<name> (rename).
type NetworkPost struct {
	Name string `json:"name" yaml:"name"`
}

// Network is GET /1.0/networks/<name>. Field order matches LXD's output:
// config, description, name, type, used_by, managed, status, locations.
//
// Unmanaged host interfaces appear with Managed false, an empty Config map
// ({} not null), Status "" and Locations null. Managed networks have Status
// "Created" (or "Pending"/"Errored"/"Unknown") and Locations listing the
// members they exist on ("none" when not clustered).
type Network struct {
	NetworkPut `yaml:",inline"`

	Name      string   `json:"name" yaml:"name"`
	Type      string   `json:"type" yaml:"type"`
	UsedBy    []string `json:"used_by" yaml:"used_by"`
	Managed   bool     `json:"managed" yaml:"managed"`
	Status    string   `json:"status" yaml:"status"`
	Locations []string `json:"locations" yaml:"locations"`
}

// Writable returns the writable part of the network.
func (n *Network) Writable() NetworkPut {
	return n.NetworkPut
}

// Network status values as LXD reports them.
const (
	NetworkStatusPending = "Pending"
	NetworkStatusCreated = "Created"
	NetworkStatusErrored = "Errored"
	NetworkStatusUnknown = "Unknown"
)

// NetworkState is GET /1.0/networks/<name>/state. Bond, Bridge, VLAN and OVN
// are null unless the interface is of that kind.
type NetworkState struct {
	Addresses []NetworkStateAddress `json:"addresses" yaml:"addresses"`
	Counters  NetworkStateCounters  `json:"counters" yaml:"counters"`
	Hwaddr    string                `json:"hwaddr" yaml:"hwaddr"`
	Mtu       int                   `json:"mtu" yaml:"mtu"`
	// State is "up" or "down".
	State string `json:"state" yaml:"state"`
	// Type is "broadcast", "loopback", "point-to-point" or "unknown".
	Type   string              `json:"type" yaml:"type"`
	Bond   *NetworkStateBond   `json:"bond" yaml:"bond"`
	Bridge *NetworkStateBridge `json:"bridge" yaml:"bridge"`
	VLAN   *NetworkStateVLAN   `json:"vlan" yaml:"vlan"`
	OVN    *NetworkStateOVN    `json:"ovn" yaml:"ovn"`
}

// NetworkStateAddress is one address of an interface. Family is "inet" or
// "inet6"; Netmask is the prefix length as a string ("24"); Scope is
// "global", "link" or "local".
type NetworkStateAddress struct {
	Family  string `json:"family" yaml:"family"`
	Address string `json:"address" yaml:"address"`
	Netmask string `json:"netmask" yaml:"netmask"`
	Scope   string `json:"scope" yaml:"scope"`
}

// NetworkStateCounters are the interface's traffic counters. LXD 5.0.2's
// network state carries exactly these four; the error and drop counters only
// exist in the instance state's per-NIC counters.
type NetworkStateCounters struct {
	BytesReceived   int64 `json:"bytes_received" yaml:"bytes_received"`
	BytesSent       int64 `json:"bytes_sent" yaml:"bytes_sent"`
	PacketsReceived int64 `json:"packets_received" yaml:"packets_received"`
	PacketsSent     int64 `json:"packets_sent" yaml:"packets_sent"`
}

// NetworkStateBond describes a bond interface.
type NetworkStateBond struct {
	Mode           string   `json:"mode" yaml:"mode"`
	TransmitPolicy string   `json:"transmit_policy" yaml:"transmit_policy"`
	UpDelay        uint64   `json:"up_delay" yaml:"up_delay"`
	DownDelay      uint64   `json:"down_delay" yaml:"down_delay"`
	MIIFrequency   uint64   `json:"mii_frequency" yaml:"mii_frequency"`
	MIIState       string   `json:"mii_state" yaml:"mii_state"`
	LowerDevices   []string `json:"lower_devices" yaml:"lower_devices"`
}

// NetworkStateBridge describes a bridge. ID is "8000.<mac without colons>",
// ForwardDelay is in centiseconds as the kernel reports it (1500 = 15 s).
type NetworkStateBridge struct {
	ID            string   `json:"id" yaml:"id"`
	STP           bool     `json:"stp" yaml:"stp"`
	ForwardDelay  uint64   `json:"forward_delay" yaml:"forward_delay"`
	VLANDefault   uint64   `json:"vlan_default" yaml:"vlan_default"`
	VLANFiltering bool     `json:"vlan_filtering" yaml:"vlan_filtering"`
	UpperDevices  []string `json:"upper_devices" yaml:"upper_devices"`
}

// NetworkStateVLAN describes a VLAN interface.
type NetworkStateVLAN struct {
	LowerDevice string `json:"lower_device" yaml:"lower_device"`
	VID         uint64 `json:"vid" yaml:"vid"`
}

// NetworkStateOVN describes an OVN network (never filled here: OVN is not supported).
type NetworkStateOVN struct {
	Chassis string `json:"chassis" yaml:"chassis"`
}

// NetworkLease is one entry of GET /1.0/networks/<name>/leases.
//
// Type is "gateway" (the bridge's own address, hostname "<network>.gw",
// empty hwaddr and location), "static" (an address pinned by a NIC's
// ipv4.address/ipv6.address) or "dynamic" (from dnsmasq's lease file).
// Location is the member name ("none" when not clustered).
type NetworkLease struct {
	Hostname string `json:"hostname" yaml:"hostname"`
	Hwaddr   string `json:"hwaddr" yaml:"hwaddr"`
	Address  string `json:"address" yaml:"address"`
	Type     string `json:"type" yaml:"type"`
	Location string `json:"location" yaml:"location"`
}

// Network lease types.
const (
	NetworkLeaseGateway = "gateway"
	NetworkLeaseStatic  = "static"
	NetworkLeaseDynamic = "dynamic"
)

package instance

import "github.com/lxdng/lxd/shared/api"

// State is what State reports. JSON tags follow LXD's InstanceState so the
// daemon can copy the values; Disk is the caller's (storage) business.
type State struct {
	Status    api.StatusCode // api.Running, api.Stopped, api.Frozen, api.Error
	Pid       int            // init's pid on the host, 0 when stopped
	Processes int64          // processes in the instance, 0 when stopped
	CPU       CPUState
	Memory    MemoryState
	Network   map[string]NetworkState // by interface name inside; nil when stopped
}

// CPUState is CPU time used since start.
type CPUState struct {
	Usage int64 `json:"usage"` // nanoseconds
}

// MemoryState is memory use in bytes.
type MemoryState struct {
	Usage         int64 `json:"usage"`
	UsagePeak     int64 `json:"usage_peak"`
	SwapUsage     int64 `json:"swap_usage"`
	SwapUsagePeak int64 `json:"swap_usage_peak"`
}

// NetworkState is one interface as seen inside the instance.
type NetworkState struct {
	Addresses []NetworkAddress `json:"addresses"`
	Counters  NetworkCounters  `json:"counters"`
	Hwaddr    string           `json:"hwaddr"`
	HostName  string           `json:"host_name"`
	Mtu       int              `json:"mtu"`
	State     string           `json:"state"` // "up" or "down"
	Type      string           `json:"type"`  // "broadcast", "loopback", "point-to-point"
}

// NetworkAddress is one address of an interface.
type NetworkAddress struct {
	Family  string `json:"family"`  // "inet" or "inet6"
	Address string `json:"address"` // without prefix length
	Netmask string `json:"netmask"` // prefix length ("24")
	Scope   string `json:"scope"`   // "global", "link", "local"
}

// NetworkCounters are an interface's traffic counters.
type NetworkCounters struct {
	BytesReceived          int64 `json:"bytes_received"`
	BytesSent              int64 `json:"bytes_sent"`
	PacketsReceived        int64 `json:"packets_received"`
	PacketsSent            int64 `json:"packets_sent"`
	ErrorsReceived         int64 `json:"errors_received"`
	ErrorsSent             int64 `json:"errors_sent"`
	PacketsDroppedOutbound int64 `json:"packets_dropped_outbound"`
	PacketsDroppedInbound  int64 `json:"packets_dropped_inbound"`
}

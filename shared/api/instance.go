package api

import "time"

// Instance types.
const (
	InstanceTypeContainer = "container"
	InstanceTypeVM        = "virtual-machine"
)

// InstancePut is the writable part of an instance (PUT/PATCH
// /1.0/instances/<name>). Restore, when set, restores a snapshot instead
// ("snap0" or "c1/snap0", as `lxc restore` sends it).
type InstancePut struct {
	Architecture string                       `json:"architecture" yaml:"architecture"`
	Config       map[string]string            `json:"config" yaml:"config"`
	Devices      map[string]map[string]string `json:"devices" yaml:"devices"`
	Ephemeral    bool                         `json:"ephemeral" yaml:"ephemeral"`
	Profiles     []string                     `json:"profiles" yaml:"profiles"`
	Restore      string                       `json:"restore,omitempty" yaml:"restore,omitempty"`
	Stateful     bool                         `json:"stateful" yaml:"stateful"`
	Description  string                       `json:"description" yaml:"description"`
}

// Instance is GET /1.0/instances/<name>. Field order is LXD's output order.
type Instance struct {
	InstancePut `yaml:",inline"`

	CreatedAt       time.Time                    `json:"created_at" yaml:"created_at"`
	ExpandedConfig  map[string]string            `json:"expanded_config" yaml:"expanded_config"`
	ExpandedDevices map[string]map[string]string `json:"expanded_devices" yaml:"expanded_devices"`
	Name            string                       `json:"name" yaml:"name"`
	Status          string                       `json:"status" yaml:"status"`
	StatusCode      StatusCode                   `json:"status_code" yaml:"status_code"`
	LastUsedAt      time.Time                    `json:"last_used_at" yaml:"last_used_at"`
	Location        string                       `json:"location" yaml:"location"`
	Type            string                       `json:"type" yaml:"type"`
	Project         string                       `json:"project" yaml:"project"`
}

// Writable returns the writable part of the instance.
func (i *Instance) Writable() InstancePut {
	w := i.InstancePut
	w.Restore = ""
	return w
}

// InstanceFull is an instance with its state, snapshots and backups
// (GET /1.0/instances?recursion=2, GET /1.0/instances/<name>?recursion=1).
type InstanceFull struct {
	Instance `yaml:",inline"`

	Backups   []any              `json:"backups" yaml:"backups"`
	State     *InstanceState     `json:"state" yaml:"state"`
	Snapshots []InstanceSnapshot `json:"snapshots" yaml:"snapshots"`
}

// InstanceSource says where a new instance comes from (InstancesPost).
type InstanceSource struct {
	// Type is "image", "none", "copy" or "migration".
	Type        string `json:"type" yaml:"type"`
	Certificate string `json:"certificate" yaml:"certificate"`

	// Image sources: one of Alias, Fingerprint or Properties.
	Alias       string            `json:"alias,omitempty" yaml:"alias,omitempty"`
	Fingerprint string            `json:"fingerprint,omitempty" yaml:"fingerprint,omitempty"`
	Properties  map[string]string `json:"properties,omitempty" yaml:"properties,omitempty"`
	Server      string            `json:"server,omitempty" yaml:"server,omitempty"`
	Secret      string            `json:"secret,omitempty" yaml:"secret,omitempty"`
	Protocol    string            `json:"protocol,omitempty" yaml:"protocol,omitempty"`

	// Copy sources: Source is "c1" or "c1/snap0".
	BaseImage     string `json:"base-image,omitempty" yaml:"base-image,omitempty"`
	Mode          string `json:"mode,omitempty" yaml:"mode,omitempty"`
	Operation     string `json:"operation,omitempty" yaml:"operation,omitempty"`
	Source        string `json:"source,omitempty" yaml:"source,omitempty"`
	Live          bool   `json:"live,omitempty" yaml:"live,omitempty"`
	InstanceOnly  bool   `json:"instance_only,omitempty" yaml:"instance_only,omitempty"`
	ContainerOnly bool   `json:"container_only,omitempty" yaml:"container_only,omitempty"`
	Refresh       bool   `json:"refresh,omitempty" yaml:"refresh,omitempty"`
	Project       string `json:"project,omitempty" yaml:"project,omitempty"`

	AllowInconsistent bool `json:"allow_inconsistent" yaml:"allow_inconsistent"`
}

// InstancesPost is the body of POST /1.0/instances. Profiles nil means the
// default profile; an empty list means none.
type InstancesPost struct {
	InstancePut `yaml:",inline"`

	Name         string         `json:"name" yaml:"name"`
	Source       InstanceSource `json:"source" yaml:"source"`
	InstanceType string         `json:"instance_type" yaml:"instance_type"`
	Type         string         `json:"type" yaml:"type"`
}

// InstancePost is the body of POST /1.0/instances/<name> (rename or
// migration).
type InstancePost struct {
	Name              string  `json:"name" yaml:"name"`
	Migration         bool    `json:"migration" yaml:"migration"`
	Live              bool    `json:"live" yaml:"live"`
	InstanceOnly      bool    `json:"instance_only" yaml:"instance_only"`
	ContainerOnly     bool    `json:"container_only" yaml:"container_only"`
	Target            *string `json:"target" yaml:"target"`
	Pool              string  `json:"pool" yaml:"pool"`
	Project           string  `json:"project" yaml:"project"`
	AllowInconsistent bool    `json:"allow_inconsistent" yaml:"allow_inconsistent"`
}

// InstanceStatePut is the body of PUT /1.0/instances/<name>/state. Timeout
// is in seconds; -1 (or 0 for stop) means "wait for ever".
type InstanceStatePut struct {
	Action   string `json:"action" yaml:"action"`
	Timeout  int    `json:"timeout" yaml:"timeout"`
	Force    bool   `json:"force" yaml:"force"`
	Stateful bool   `json:"stateful" yaml:"stateful"`
}

// InstanceState is GET /1.0/instances/<name>/state.
type InstanceState struct {
	Status     string                          `json:"status" yaml:"status"`
	StatusCode StatusCode                      `json:"status_code" yaml:"status_code"`
	Disk       map[string]InstanceStateDisk    `json:"disk" yaml:"disk"`
	Memory     InstanceStateMemory             `json:"memory" yaml:"memory"`
	Network    map[string]InstanceStateNetwork `json:"network" yaml:"network"`
	Pid        int64                           `json:"pid" yaml:"pid"`
	Processes  int64                           `json:"processes" yaml:"processes"`
	CPU        InstanceStateCPU                `json:"cpu" yaml:"cpu"`
}

// InstanceStateDisk is the usage of one disk device.
type InstanceStateDisk struct {
	Usage int64 `json:"usage" yaml:"usage"`
}

// InstanceStateCPU is the CPU time used, in nanoseconds.
type InstanceStateCPU struct {
	Usage int64 `json:"usage" yaml:"usage"`
}

// InstanceStateMemory is memory use in bytes.
type InstanceStateMemory struct {
	Usage         int64 `json:"usage" yaml:"usage"`
	UsagePeak     int64 `json:"usage_peak" yaml:"usage_peak"`
	SwapUsage     int64 `json:"swap_usage" yaml:"swap_usage"`
	SwapUsagePeak int64 `json:"swap_usage_peak" yaml:"swap_usage_peak"`
}

// InstanceStateNetwork is one interface as seen inside the instance.
type InstanceStateNetwork struct {
	Addresses []InstanceStateNetworkAddress `json:"addresses" yaml:"addresses"`
	Counters  InstanceStateNetworkCounters  `json:"counters" yaml:"counters"`
	Hwaddr    string                        `json:"hwaddr" yaml:"hwaddr"`
	HostName  string                        `json:"host_name" yaml:"host_name"`
	Mtu       int                           `json:"mtu" yaml:"mtu"`
	State     string                        `json:"state" yaml:"state"`
	Type      string                        `json:"type" yaml:"type"`
}

// InstanceStateNetworkAddress is one address of an interface.
type InstanceStateNetworkAddress struct {
	Family  string `json:"family" yaml:"family"`
	Address string `json:"address" yaml:"address"`
	Netmask string `json:"netmask" yaml:"netmask"`
	Scope   string `json:"scope" yaml:"scope"`
}

// InstanceStateNetworkCounters are an interface's traffic counters.
type InstanceStateNetworkCounters struct {
	BytesReceived          int64 `json:"bytes_received" yaml:"bytes_received"`
	BytesSent              int64 `json:"bytes_sent" yaml:"bytes_sent"`
	PacketsReceived        int64 `json:"packets_received" yaml:"packets_received"`
	PacketsSent            int64 `json:"packets_sent" yaml:"packets_sent"`
	ErrorsReceived         int64 `json:"errors_received" yaml:"errors_received"`
	ErrorsSent             int64 `json:"errors_sent" yaml:"errors_sent"`
	PacketsDroppedOutbound int64 `json:"packets_dropped_outbound" yaml:"packets_dropped_outbound"`
	PacketsDroppedInbound  int64 `json:"packets_dropped_inbound" yaml:"packets_dropped_inbound"`
}

// InstanceSnapshotsPost is the body of POST /1.0/instances/<name>/snapshots.
type InstanceSnapshotsPost struct {
	Name      string     `json:"name" yaml:"name"`
	Stateful  bool       `json:"stateful" yaml:"stateful"`
	ExpiresAt *time.Time `json:"expires_at" yaml:"expires_at"`
}

// InstanceSnapshotPut is the writable part of a snapshot.
type InstanceSnapshotPut struct {
	ExpiresAt time.Time `json:"expires_at" yaml:"expires_at"`
}

// InstanceSnapshotPost renames a snapshot (POST on the snapshot).
type InstanceSnapshotPost struct {
	Name      string  `json:"name" yaml:"name"`
	Migration bool    `json:"migration" yaml:"migration"`
	Target    *string `json:"target,omitempty" yaml:"target,omitempty"`
	Live      bool    `json:"live,omitempty" yaml:"live,omitempty"`
}

// InstanceSnapshot is GET /1.0/instances/<name>/snapshots/<snap>. Field
// order is LXD's.
type InstanceSnapshot struct {
	InstanceSnapshotPut `yaml:",inline"`

	Architecture    string                       `json:"architecture" yaml:"architecture"`
	Config          map[string]string            `json:"config" yaml:"config"`
	CreatedAt       time.Time                    `json:"created_at" yaml:"created_at"`
	Devices         map[string]map[string]string `json:"devices" yaml:"devices"`
	Ephemeral       bool                         `json:"ephemeral" yaml:"ephemeral"`
	ExpandedConfig  map[string]string            `json:"expanded_config" yaml:"expanded_config"`
	ExpandedDevices map[string]map[string]string `json:"expanded_devices" yaml:"expanded_devices"`
	LastUsedAt      time.Time                    `json:"last_used_at" yaml:"last_used_at"`
	Name            string                       `json:"name" yaml:"name"`
	Profiles        []string                     `json:"profiles" yaml:"profiles"`
	Stateful        bool                         `json:"stateful" yaml:"stateful"`
	Size            int64                        `json:"size" yaml:"size"`
}

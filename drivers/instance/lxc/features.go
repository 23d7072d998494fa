package lxc

import lxc "github.com/lxc/go-lxc"

// featureNames are the liblxc API extensions LXD reports as lxc_features
// in GET /1.0, under the names LXD uses.
var featureNames = map[string]string{
	"mount_injection_file":         "mount_injection_file",
	"seccomp_notify":               "seccomp_notify",
	"network_ipvlan":               "network_ipvlan",
	"network_l2proxy":              "network_l2proxy",
	"network_gateway_device_route": "network_gateway_device_route",
	"network_phys_macvlan_mtu":     "network_phys_macvlan_mtu",
	"network_veth_router":          "network_veth_router",
	"cgroup2":                      "cgroup2",
	"pidfd":                        "pidfd",
	"seccomp_allow_deny_syntax":    "seccomp_allow_deny_syntax",
	"devpts_fd":                    "devpts_fd",
	"seccomp_proxy_send_notify_fd": "seccomp_proxy_send_notify_fd",
	"idmapped_mounts_v2":           "idmapped_mounts_v2",
	"core_scheduling":              "core_scheduling",
}

// Features probes which of the liblxc features LXD lists this liblxc has
// ("true"/"false" by name).
func Features() map[string]string {
	out := make(map[string]string, len(featureNames))
	for name, ext := range featureNames {
		if lxc.HasApiExtension(ext) {
			out[name] = "true"
		} else {
			out[name] = "false"
		}
	}
	return out
}

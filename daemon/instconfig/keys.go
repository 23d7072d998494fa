package instconfig

import (
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/units"
)

// Instance types as LXD names them.
const (
	TypeContainer = "container"
	TypeVM        = "virtual-machine"
)

func boolKey(def, help string) config.Key {
	return config.Key{Type: config.Bool, Default: def, Validate: config.IsBool, Help: help}
}

func intKey(def, help string) config.Key {
	return config.Key{Type: config.Int, Default: def, Validate: isInt64, Help: help}
}

func prioKey(def, help string) config.Key {
	return config.Key{Type: config.Int, Default: def, Validate: isPriority, Help: help}
}

func strKey(def, help string) config.Key {
	return config.Key{Default: def, Help: help}
}

// anyKeys apply to containers and virtual machines.
var anyKeys = config.Schema{
	"boot.autostart":             boolKey("", "Whether to always start the instance when LXD starts (if unset, restore the last state)"),
	"boot.autostart.delay":       intKey("0", "Number of seconds to wait after the instance started before starting the next one"),
	"boot.autostart.priority":    intKey("0", "What order to start the instances in (starting with the highest value)"),
	"boot.host_shutdown_timeout": intKey("30", "Seconds to wait for the instance to shut down before it is force-stopped"),
	"boot.stop.priority":         intKey("0", "What order to shut down the instances in (starting with the highest value)"),
	"cloud-init.network-config":  {Validate: isYAMLMapping, Help: "Network configuration for cloud-init (content is used as seed value)"},
	"cloud-init.user-data":       strKey("#cloud-config", "User data for cloud-init (content is used as seed value)"),
	"cloud-init.vendor-data":     strKey("#cloud-config", "Vendor data for cloud-init (content is used as seed value)"),
	"cluster.evacuate": {Default: "auto", Validate: isOneOf("auto", "migrate", "live-migrate", "stop"),
		Help: "What to do when evacuating the instance (auto, migrate, live-migrate or stop)"},
	"environment.*":              strKey("", "Key/value environment variables to export to the instance and set for lxc exec"),
	"limits.cpu":                 {Validate: isCPULimit, Help: "Number or range of CPUs to expose to the instance"},
	"limits.disk.priority":       prioKey("5", "When under load, how much priority to give to the instance's I/O requests (0-10)"),
	"limits.memory":              {Validate: isSizeOrPercent, Help: "Percentage of the host's memory or fixed value in bytes"},
	"limits.network.priority":    prioKey("0", "When under load, how much priority to give to the instance's network requests (0-10)"),
	"raw.apparmor":               strKey("", "AppArmor profile entries to be appended to the generated profile"),
	"security.devlxd":            boolKey("true", "Controls the presence of /dev/lxd in the instance"),
	"security.protection.delete": boolKey("false", "Prevents the instance from being deleted"),
	"snapshots.expiry":           {Validate: config.Optional(units.IsExpiry), Help: "When snapshots are to be deleted (expects an expression like 1M 2H 3d 4w 5m 6y)"},
	"snapshots.pattern":          strKey("snap%d", "Pongo2 template string for the snapshot name"),
	"snapshots.schedule":         {Validate: isSchedule, Help: "Cron expression (<minute> <hour> <dom> <month> <dow>), or a comma-separated list of schedule aliases"},
	"snapshots.schedule.stopped": boolKey("false", "Whether to automatically snapshot stopped instances"),
	"user.*":                     strKey("", "Free form user key/value storage (can be used in search)"),
}

// containerKeys apply to containers only.
var containerKeys = config.Schema{
	"limits.cpu.allowance":                           {Validate: isCPUAllowance, Help: "How much of the CPU can be used (percentage for soft limits, or a chunk of time: 25ms/100ms)"},
	"limits.cpu.priority":                            prioKey("10", "CPU scheduling priority compared to other instances sharing the same CPUs (0-10)"),
	"limits.hugepages.64KB":                          {Validate: isSize, Help: "Fixed value in bytes to limit number of 64 KB huge pages"},
	"limits.hugepages.1MB":                           {Validate: isSize, Help: "Fixed value in bytes to limit number of 1 MB huge pages"},
	"limits.hugepages.2MB":                           {Validate: isSize, Help: "Fixed value in bytes to limit number of 2 MB huge pages"},
	"limits.hugepages.1GB":                           {Validate: isSize, Help: "Fixed value in bytes to limit number of 1 GB huge pages"},
	"limits.kernel.*":                                strKey("", "Kernel resource limit per instance (rlimit name after the dot: as, core, cpu, data, fsize, locks, memlock, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack, msgqueue)"),
	"limits.memory.enforce":                          {Default: "hard", Validate: isOneOf("soft", "hard"), Help: "hard: the limit is enforced; soft: only applies under host memory pressure"},
	"limits.memory.swap":                             boolKey("true", "Whether to encourage/discourage swapping less used pages for this instance"),
	"limits.memory.swap.priority":                    prioKey("10", "The higher this is set, the less likely the instance is to be swapped to disk (0-10)"),
	"limits.processes":                               {Type: config.Int, Validate: isInt64, Help: "Maximum number of processes that can run in the instance"},
	"linux.kernel_modules":                           strKey("", "Comma-separated list of kernel modules to load before starting the instance"),
	"linux.sysctl.*":                                 strKey("", "Value of the sysctl after the prefix to set in the container"),
	"migration.incremental.memory":                   boolKey("false", "Incremental memory transfer of the instance's memory to reduce downtime"),
	"migration.incremental.memory.goal":              {Type: config.Int, Default: "70", Validate: config.IsUint32, Help: "Percentage of memory to have in sync before stopping the instance"},
	"migration.incremental.memory.iterations":        {Type: config.Int, Default: "10", Validate: config.IsUint32, Help: "Maximum number of transfer operations to go through before stopping the instance"},
	"nvidia.driver.capabilities":                     strKey("compute,utility", "What driver capabilities the instance needs (sets libnvidia-container NVIDIA_DRIVER_CAPABILITIES)"),
	"nvidia.runtime":                                 boolKey("false", "Pass the host NVIDIA and CUDA runtime libraries into the instance"),
	"nvidia.require.cuda":                            strKey("", "Version expression for the required CUDA version (sets NVIDIA_REQUIRE_CUDA)"),
	"nvidia.require.driver":                          strKey("", "Version expression for the required driver version (sets NVIDIA_REQUIRE_DRIVER)"),
	"raw.idmap":                                      strKey("", "Raw idmap configuration (for example: both 1000 1000)"),
	"raw.lxc":                                        {Validate: isRawLXC, Help: "Raw LXC configuration to be appended to the generated one"},
	"raw.seccomp":                                    strKey("", "Raw Seccomp configuration"),
	"security.devlxd.images":                         boolKey("false", "Controls the availability of the /1.0/images API over devlxd"),
	"security.idmap.base":                            {Type: config.Int, Validate: config.IsUint32, Help: "The base host ID to use for the allocation (overrides auto-detection)"},
	"security.idmap.isolated":                        boolKey("false", "Use an idmap for this instance that is unique among instances with isolated set"),
	"security.idmap.size":                            {Type: config.Int, Validate: config.IsUint32, Help: "The size of the idmap to use"},
	"security.nesting":                               boolKey("false", "Support running LXD (nested) inside the instance"),
	"security.privileged":                            boolKey("false", "Runs the instance in privileged mode"),
	"security.protection.shift":                      boolKey("false", "Prevents the instance's file system from being UID/GID shifted on startup"),
	"security.syscalls.allow":                        strKey("", "A '\\n'-separated list of syscalls to allow (mutually exclusive with security.syscalls.deny*)"),
	"security.syscalls.deny":                         strKey("", "A '\\n'-separated list of syscalls to deny"),
	"security.syscalls.deny_compat":                  boolKey("false", "On x86_64, enables blocking of compat_* syscalls"),
	"security.syscalls.deny_default":                 boolKey("true", "Enables the default syscall deny"),
	"security.syscalls.blacklist":                    strKey("", "Old name of security.syscalls.deny"),
	"security.syscalls.blacklist_compat":             boolKey("false", "Old name of security.syscalls.deny_compat"),
	"security.syscalls.blacklist_default":            boolKey("true", "Old name of security.syscalls.deny_default"),
	"security.syscalls.whitelist":                    strKey("", "Old name of security.syscalls.allow"),
	"security.syscalls.intercept.bpf":                boolKey("false", "Handles the bpf system call"),
	"security.syscalls.intercept.bpf.devices":        boolKey("false", "Allows bpf programs for the devices cgroup in the unified hierarchy to be loaded"),
	"security.syscalls.intercept.mknod":              boolKey("false", "Handles the mknod and mknodat system calls (allows creation of a limited subset of char/block devices)"),
	"security.syscalls.intercept.mount":              boolKey("false", "Handles the mount system call"),
	"security.syscalls.intercept.mount.allowed":      strKey("", "A comma-separated list of file systems that are safe to mount for processes inside the instance"),
	"security.syscalls.intercept.mount.fuse":         strKey("", "Mounts of a given file system that should be redirected to their FUSE implementation (for example: ext4=fuse2fs)"),
	"security.syscalls.intercept.mount.shift":        boolKey("false", "Whether to mount shiftfs on top of file systems handled through mount syscall interception"),
	"security.syscalls.intercept.sched_setscheduler": boolKey("false", "Handles the sched_setscheduler system call (allows increasing process priority)"),
	"security.syscalls.intercept.setxattr":           boolKey("false", "Handles the setxattr system call (allows setting a limited subset of restricted extended attributes)"),
}

// vmKeys apply to virtual machines only. VMs are not run by this server,
// but profiles accept these keys exactly as LXD does.
var vmKeys = config.Schema{
	"agent.nic_config":        boolKey("false", "Set the name and MTU of the default network interfaces to be the same as the instance devices"),
	"limits.memory.hugepages": boolKey("false", "Controls whether to back the instance using huge pages rather than regular system memory"),
	// LXD 5.0.2 refuses it on containers ("Unknown configuration key").
	"migration.stateful":     boolKey("false", "Allow stateful stop/start and snapshots"),
	"raw.qemu":               strKey("", "Raw QEMU configuration to be appended to the generated command line"),
	"raw.qemu.conf":          strKey("", "Addition/override to the generated qemu.conf file"),
	"security.agent.metrics": boolKey("true", "Controls whether the lxd-agent is queried for state information and metrics"),
	"security.secureboot":    boolKey("true", "Controls whether UEFI secure boot is enabled with the default Microsoft keys"),
}

// imageKeys are copied from the image at creation; users may edit them on
// instances, never on profiles.
var imageKeys = config.Schema{
	"image.*": strKey("", "Copy of the image properties at the time of creation"),
}

// Schema returns the instance key table for an instance type
// (TypeContainer or TypeVM); "" means the union, which is what profiles
// validate against. extra (driver keys) is merged on top.
func Schema(instanceType string, extra ...config.Schema) config.Schema {
	var out config.Schema
	switch instanceType {
	case TypeContainer:
		out = anyKeys.Merge(containerKeys)
	case TypeVM:
		out = anyKeys.Merge(vmKeys)
	default:
		out = anyKeys.Merge(containerKeys, vmKeys)
	}
	return out.Merge(extra...)
}

// VolatileSchema is the table of daemon-maintained volatile.* keys; the
// "*" segment is a device name.
func VolatileSchema() config.Schema { return volatileKeys }

var volatileKeys = config.Schema{
	"volatile.apply_template":             strKey("", "The name of a template hook to run on next startup"),
	"volatile.base_image":                 strKey("", "The hash of the image the instance was created from"),
	"volatile.cloud-init.instance-id":     {Validate: isUUID, Help: "The instance-id (UUID) exposed to cloud-init"},
	"volatile.evacuate.origin":            strKey("", "The origin (cluster member) of the evacuated instance"),
	"volatile.idmap.base":                 strKey("", "The first ID in the instance's primary idmap range"),
	"volatile.idmap.current":              strKey("", "The idmap currently in use by the instance"),
	"volatile.idmap.next":                 strKey("", "The idmap to use the next time the instance starts"),
	"volatile.last_state.idmap":           strKey("", "Serialized instance UID/GID map"),
	"volatile.last_state.power":           strKey("", "Instance state as of last host shutdown"),
	"volatile.uuid":                       {Validate: isUUID, Help: "Instance UUID (globally unique across all servers and projects)"},
	"volatile.vsock_id":                   strKey("", "Instance vsock ID used as of last start"),
	"volatile.*.apply_quota":              strKey("", "Disk quota to apply on next instance start"),
	"volatile.*.ceph_rbd":                 strKey("", "RBD device path for Ceph disk devices"),
	"volatile.*.host_name":                strKey("", "Network device name on the host"),
	"volatile.*.hwaddr":                   strKey("", "Network device MAC address (when no hwaddr property is set on the device itself)"),
	"volatile.*.name":                     strKey("", "Network interface name inside of the instance"),
	"volatile.*.last_state.created":       strKey("", "Whether the network device physical device was created (true or false)"),
	"volatile.*.last_state.hwaddr":        strKey("", "Network device original MAC used when moving a physical device into an instance"),
	"volatile.*.last_state.mtu":           strKey("", "Network device original MTU used when moving a physical device into an instance"),
	"volatile.*.last_state.pci.driver":    strKey("", "PCI driver of the device before it was moved into the instance"),
	"volatile.*.last_state.pci.slot.name": strKey("", "PCI slot name of the device before it was moved into the instance"),
	"volatile.*.last_state.vf.hwaddr":     strKey("", "SR-IOV virtual function original MAC"),
	"volatile.*.last_state.vf.id":         strKey("", "SR-IOV virtual function ID used when moving a VF into an instance"),
	"volatile.*.last_state.vf.parent":     strKey("", "SR-IOV parent interface of the virtual function"),
	"volatile.*.last_state.vf.spoofcheck": strKey("", "SR-IOV virtual function original spoof check setting"),
	"volatile.*.last_state.vf.vlan":       strKey("", "SR-IOV virtual function original VLAN"),
	"volatile.*.mig.uuid":                 strKey("", "The NVIDIA MIG instance UUID"),
	"volatile.*.vgpu.uuid":                strKey("", "The NVIDIA virtual GPU instance UUID"),
}

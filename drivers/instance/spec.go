package instance

import (
	"os"

	"github.com/lxdng/lxd/drivers/instance/idmap"
)

// Spec is everything a driver needs to create and start an instance.
type Spec struct {
	Ref Ref

	// RootfsPath is the instance's root filesystem, already mounted by the
	// caller (the "rootfs" directory of the instance volume). Files in it
	// are owned by container ids as seen from inside (0 for root): the
	// driver maps them with an idmapped mount, never by chowning.
	RootfsPath string

	// Architecture is LXD's name ("x86_64", "i686", "aarch64").
	Architecture string

	// Config is the expanded instance config (profiles applied): limits.*,
	// security.*, raw.lxc, environment.*, linux.kernel_modules,
	// linux.sysctl.*; keys the driver does not know are ignored.
	Config map[string]string

	// Idmap is the user namespace map (volatile.idmap.next, see
	// idmap.Allocate). Nil runs the instance privileged.
	Idmap idmap.Set

	// Devices are the instance's devices, host side already prepared.
	Devices []DeviceSpec

	// Hostname is the instance's host name (defaults to Ref.Name).
	Hostname string

	// Hooks are commands the runtime runs around the instance's life, so
	// the daemon learns about stops it did not ask for (poweroff inside).
	Hooks Hooks
}

// Hooks are shell command lines run by the runtime on the host, in the
// daemon's mount namespace. For lxc they get LXC_NAME, LXC_ROOTFS_PATH,
// LXC_CONFIG_FILE and, for PostStop, LXC_TARGET ("stop" or "reboot").
// Empty means no hook.
type Hooks struct {
	PreStart string // before the container's init runs (storage still mounted)
	StopNS   string // when init has died, in the container's namespaces' sight
	PostStop string // after the container is gone (unmount storage, restart on reboot)
}

// DeviceSpec is what one LXD device (disk, unix-char, nic, ...) asks of the
// driver: any mix of mounts, device nodes, cgroup rules and NICs. Name is
// the LXD device name, used to name driver-side files and to find a hot-
// plugged device again when it is detached.
type DeviceSpec struct {
	Name        string
	Mounts      []Mount
	Nodes       []UnixNode
	CgroupRules []CgroupRule
	NICs        []NIC
}

// Mount makes a host path visible inside the instance.
type Mount struct {
	Source string // host path (file or directory) or filesystem source
	Target string // absolute path inside the instance ("/mnt/data")
	FSType string // "" for a bind mount, else a filesystem type to mount
	// Options are extra mount options for a filesystem mount ("size=1M").
	Options   []string
	ReadOnly  bool
	Recursive bool // rbind: submounts of Source come along
	// Propagation is "", "private", "shared", "slave", "unbindable" or
	// their "r" forms.
	Propagation string
	// Shift maps the mount with the instance's idmap (idmapped mount): files
	// owned by host uid N appear owned by container uid N. Ignored for
	// privileged instances.
	Shift bool
	// Optional skips the mount when Source is missing instead of failing.
	Optional bool
}

// UnixNode is a character or block device node created inside the
// instance (the driver makes it on the host and binds it in).
type UnixNode struct {
	Path  string // absolute path inside the instance ("/dev/fuse")
	Type  rune   // 'c' or 'b'
	Major uint32
	Minor uint32
	UID   uint32 // owner as seen inside the instance
	GID   uint32
	Mode  os.FileMode // permission bits (0660)
}

// CgroupRule is one device cgroup rule ("c 10:229 rwm").
type CgroupRule struct {
	Allow bool   // true: allow, false: deny
	Rule  string // "<type> <major>:<minor> <access>", "*" allowed
}

// NIC is one network interface of the instance, already prepared on the
// host side by the caller.
type NIC struct {
	// Type is the liblxc type: "veth" (liblxc makes the pair and plugs
	// the host end into Link, a bridge, if set), "phys" (move host
	// interface HostName in) or "macvlan" (on parent Link).
	Type     string
	Name     string // name inside the instance ("eth0")
	HostName string // veth: host-side name; phys: host interface to move
	Link     string // veth: bridge to join (optional); macvlan: parent
	Hwaddr   string // MAC address inside ("00:16:3e:...")
	MTU      int    // 0: default
	// MacvlanMode is "bridge", "vepa", "private" or "passthru" (default
	// "bridge").
	MacvlanMode string
	// IPv4/IPv6 are addresses with prefix ("10.0.0.2/32") configured on
	// the interface inside (routed NICs: nothing inside hands them out).
	IPv4, IPv6 []string
	// IPv4Gateway/IPv6Gateway become the default routes inside, through
	// this interface ("" for none). A gateway outside the interface's
	// subnets (169.254.0.1 for a /32) is reached by an on-link route.
	IPv4Gateway, IPv6Gateway string
}

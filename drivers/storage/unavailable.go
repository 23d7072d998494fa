package storage

import (
	"fmt"
	"os"
	"os/exec"
)

// UnavailableDriver is an LXD storage driver this daemon cannot offer, with
// the reason in LXD's wording where the host is the cause.
type UnavailableDriver struct {
	Name   string
	Reason string
}

// Unavailable lists the LXD drivers without an implementation here (lvm,
// zfs, ceph, cephfs) and why each cannot run. The service answers pool
// creation with these drivers with the reason, and leaves them out of
// storage_supported_drivers, as LXD leaves out drivers that fail to load.
func Unavailable() []UnavailableDriver {
	return []UnavailableDriver{
		{Name: "lvm", Reason: lvmReason()},
		{Name: "zfs", Reason: zfsReason()},
		{Name: "ceph", Reason: toolReason("ceph")},
		{Name: "cephfs", Reason: toolReason("ceph")},
	}
}

// notImplemented is the reason when the host would have what a driver needs.
const notImplemented = "Storage driver not implemented by this server"

func toolReason(tool string) string {
	if _, err := exec.LookPath(tool); err != nil {
		return fmt.Sprintf("Required tool %q is missing", tool)
	}
	return notImplemented
}

func lvmReason() string {
	if r := toolReason("lvm"); r != notImplemented {
		return r
	}
	if _, err := os.Stat("/dev/mapper/control"); err != nil {
		return "Device mapper is not available (missing /dev/mapper/control)"
	}
	return notImplemented
}

func zfsReason() string {
	if _, err := os.Stat("/sys/module/zfs"); err != nil {
		return `Error loading "zfs" module: the zfs kernel module is not loaded`
	}
	return notImplemented
}

package instconfig

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lxdng/lxd/shared/config"
)

var diskKeys = config.Schema{
	"type":              typeKey("disk"),
	"path":              {Help: "Path inside the instance where the disk will be mounted (\"/\" for the root disk)"},
	"source":            {Help: "Path on the host (file or directory), or the name of a custom volume of pool"},
	"pool":              {Help: "The storage pool the disk or custom volume belongs to"},
	"size":              {Validate: isSize, Help: "Disk size in bytes (root disk only)"},
	"size.state":        {Validate: isSize, Help: "Size of the file system volume used for saving runtime state in VMs (root disk only)"},
	"readonly":          boolKey("false", "Controls whether to make the mount read-only"),
	"required":          boolKey("true", "Controls whether to fail if the source doesn't exist"),
	"optional":          boolKey("false", "Old name of required=false"),
	"recursive":         boolKey("false", "Controls whether to recursively mount the source path"),
	"propagation":       {Help: "Controls how a bind-mount is shared between the instance and the host (private, shared, slave, unbindable, rshared, rslave, runbindable, rprivate)"},
	"shift":             boolKey("false", "Sets up a shifting overlay to translate the source UID/GID to match the instance"),
	"raw.mount.options": {Help: "File system specific mount options"},
	"ceph.cluster_name": {Help: "The cluster name of the Ceph cluster (not supported by this server)"},
	"ceph.user_name":    {Help: "The user name of the Ceph cluster (not supported by this server)"},
	"boot.priority":     {Type: config.Int, Validate: config.IsUint32, Help: "Boot priority for VMs (higher boots first)"},
	"limits.read":       {Help: "I/O limit in byte/s (various suffixes supported) or in iops (must be suffixed with iops)"},
	"limits.write":      {Help: "I/O limit in byte/s (various suffixes supported) or in iops (must be suffixed with iops)"},
	"limits.max":        {Help: "Same as modifying both limits.read and limits.write"},
}

// IsRootDisk reports whether dev is an instance's root disk.
func IsRootDisk(dev map[string]string) bool {
	return dev["type"] == "disk" && dev["path"] == "/" && dev["source"] == ""
}

// RootDisk finds the root disk of (expanded) devices.
func RootDisk(devices Devices) (string, map[string]string, error) {
	var names []string
	for name, dev := range devices {
		if IsRootDisk(dev) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return "", nil, errors.New("No root device could be found")
	case 1:
		return names[0], devices[names[0]], nil
	}
	return "", nil, errors.New("More than one root device found")
}

func isCephSource(source string) bool {
	return strings.HasPrefix(source, "ceph:") || strings.HasPrefix(source, "cephfs:")
}

func validateDisk(ctx context.Context, name string, dev map[string]string, all Devices, o DeviceOpts) error {
	if err := checkKeys(diskKeys, nil, dev); err != nil {
		return err
	}
	path, source, pool := dev["path"], dev["source"], dev["pool"]
	if path != "/" && source == "" {
		return errors.New(`Disk entry is missing the required "source" or "path" property`)
	}
	if err := diskRootRules(dev); err != nil {
		return err
	}
	if isCephSource(source) {
		return fmt.Errorf("Disk source %q: Ceph and CephFS sources are not supported by this server", source)
	}
	if dev["ceph.cluster_name"] != "" || dev["ceph.user_name"] != "" {
		return fmt.Errorf("Invalid options ceph.cluster_name/ceph.user_name for source %q", source)
	}
	if pool != "" {
		if filepath.IsAbs(source) {
			return errors.New("Storage volumes cannot be specified as absolute paths")
		}
		if config.ParseBool(dev["shift"]) {
			return errors.New(`The "shift" property cannot be used with custom storage volumes (set "security.shifted=true" on the volume instead)`)
		}
		if o.VolumeContentType != nil && o.Type == TypeContainer && path != "/" && source != "" {
			// A missing volume is the start's error, as in LXD.
			if ct, err := o.VolumeContentType(ctx, pool, source); err == nil && ct == "block" {
				return errors.New("Custom block volumes cannot be used on containers")
			}
		}
	} else if source != "" && !filepath.IsAbs(source) {
		return errors.New("Source path must be absolute for local sources")
	}
	return diskPathUnique(name, path, all)
}

// diskRootRules applies what only the root disk may (size) or must (pool)
// have.
func diskRootRules(dev map[string]string) error {
	if dev["path"] == "/" {
		if dev["source"] != "" {
			return errors.New(`Root disk entry may not have a "source" property set`)
		}
		if dev["pool"] == "" {
			return errors.New(`Root disk entry must have a "pool" property set`)
		}
		return nil
	}
	if dev["size"] != "" {
		return errors.New("Only the root disk may have a size quota")
	}
	if dev["size.state"] != "" {
		return errors.New("Only the root disk may have a migration size quota")
	}
	return nil
}

// diskPathUnique refuses two disks mounted at the same path (so at most one
// root disk).
func diskPathUnique(name, path string, all Devices) error {
	if path == "" {
		return nil
	}
	for other, dev := range all {
		if other == name || dev["type"] != "disk" {
			continue
		}
		if filepath.Clean(dev["path"]) == filepath.Clean(path) {
			return fmt.Errorf("More than one disk device uses the same path %q", path)
		}
	}
	return nil
}

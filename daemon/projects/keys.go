package projects

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/units"
)

// Features are the per-project feature flags; a project without a feature
// uses the default project's objects of that kind.
const (
	FeatureImages         = "images"
	FeatureProfiles       = "profiles"
	FeatureStorageVolumes = "storage.volumes"
	FeatureNetworks       = "networks"
)

// featureKeys in the order LXD checks and reports them.
var featureKeys = []string{"features.images", "features.networks", "features.profiles", "features.storage.volumes"}

func isBool(v string) error { return config.IsBool(v) }

func isOneOf(valid ...string) config.Validator {
	return func(v string) error {
		for _, ok := range valid {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("Invalid value %q (not one of %v)", v, valid)
	}
}

func isInt64(v string) error {
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return fmt.Errorf("Invalid value for an integer %q", v)
	}
	return nil
}

func isSize(v string) error {
	if _, err := units.ParseByteSize(v); err != nil {
		return fmt.Errorf("Invalid value: %s", v)
	}
	return nil
}

// isAbsPathList accepts a comma-separated list of absolute paths.
func isAbsPathList(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); !filepath.IsAbs(p) {
			return fmt.Errorf("Item %q: Must be absolute file path", p)
		}
	}
	return nil
}

// isIDRangeList accepts "1000", "1000-2000" items separated by commas.
func isIDRangeList(v string) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		for _, n := range strings.SplitN(item, "-", 2) {
			if _, err := strconv.ParseInt(n, 10, 64); err != nil {
				return fmt.Errorf("Item %q: Invalid number %q", item, n)
			}
		}
	}
	return nil
}

// isUplinkSubnets accepts "<uplink>:<cidr>" items separated by commas.
func isUplinkSubnets(v string) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		uplink, subnet, ok := strings.Cut(item, ":")
		if !ok || uplink == "" || config.IsCIDR(subnet) != nil {
			return fmt.Errorf("Subnet %q invalid, must be in the format of \"<uplink network>:<subnet>\"", item)
		}
	}
	return nil
}

// isCompression accepts "none" or a compressor found in PATH, with
// arguments ("xz -9").
func isCompression(v string) error {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return fmt.Errorf("Invalid compression algorithm %q", v)
	}
	switch fields[0] {
	case "none":
		return nil
	case "squashfs":
		_, err := exec.LookPath("tar2sqfs")
		return err
	}
	if _, err := exec.LookPath(fields[0]); err != nil {
		return fmt.Errorf("Invalid compression algorithm %q", fields[0])
	}
	return nil
}

var architectures = []string{"x86_64", "armv7l", "ppc64le", "s390x", "mips", "i686", "riscv32", "ppc64", "mips64", "armv6l", "armv8l", "aarch64", "ppc", "riscv64"}

func key(t config.Type, def string, v config.Validator, help string) config.Key {
	return config.Key{Type: t, Default: def, Validate: v, Help: help}
}

func blockAllow(help string) config.Key {
	return key(config.String, "block", isOneOf("block", "allow"), help)
}

// Keys is the project config table of LXD 5.0.2.
var Keys = config.Schema{
	"features.images":           key(config.Bool, "true", isBool, "Separate set of images and image aliases for the project"),
	"features.profiles":         key(config.Bool, "true", isBool, "Separate set of profiles for the project"),
	"features.storage.volumes":  key(config.Bool, "true", isBool, "Separate set of storage volumes for the project"),
	"features.networks":         key(config.Bool, "false", isBool, "Separate set of networks for the project"),
	"limits.instances":          key(config.Int, "", config.IsUint32, "Maximum number of total instances that can be created in the project"),
	"limits.containers":         key(config.Int, "", config.IsUint32, "Maximum number of containers that can be created in the project"),
	"limits.virtual-machines":   key(config.Int, "", config.IsUint32, "Maximum number of virtual machines that can be created in the project"),
	"limits.cpu":                key(config.Int, "", config.IsUint32, "Maximum value for the sum of individual limits.cpu configs set on the instances of the project"),
	"limits.memory":             key(config.String, "", isSize, "Maximum value for the sum of individual limits.memory configs set on the instances of the project"),
	"limits.disk":               key(config.String, "", isSize, "Maximum value of aggregate disk space used by all instances and volumes of the project"),
	"limits.processes":          key(config.Int, "", config.IsUint32, "Maximum value for the sum of individual limits.processes configs set on the instances of the project"),
	"limits.networks":           key(config.Int, "", config.IsUint32, "Maximum number of networks that the project can have"),
	"restricted":                key(config.Bool, "false", isBool, "Block access to security-sensitive features (must be enabled for the restricted.* keys to apply)"),
	"restricted.backups":        blockAllow("Prevents the creation of any instance or volume backups"),
	"restricted.cluster.groups": key(config.String, "", nil, "Prevents targeting cluster groups other than the provided ones"),
	"restricted.cluster.target": blockAllow("Prevents direct targeting of cluster members when creating or moving instances"),
	"restricted.containers.interception": key(config.String, "block", isOneOf("allow", "block", "full"),
		"Prevents use of system call interception options (allow: usually safe interception options are allowed)"),
	"restricted.containers.lowlevel": blockAllow("Prevents use of low-level container options like raw.lxc, raw.idmap, volatile, etc."),
	"restricted.containers.nesting":  blockAllow("Prevents setting security.nesting=true"),
	"restricted.containers.privilege": key(config.String, "unprivileged", isOneOf("allow", "unprivileged", "isolated"),
		"unprivileged prevents security.privileged=true; isolated also requires security.idmap.isolated=true; allow: no restriction"),
	"restricted.devices.disk": key(config.String, "managed", isOneOf("block", "allow", "managed"),
		"block: no disk devices except the root one; managed: only pool-backed disks; allow: any (see restricted.devices.disk.paths)"),
	"restricted.devices.disk.paths": key(config.String, "", isAbsPathList,
		"With restricted.devices.disk=allow: comma-separated list of path prefixes disk sources must be under"),
	"restricted.devices.gpu":        blockAllow("Prevents use of devices of type gpu"),
	"restricted.devices.infiniband": blockAllow("Prevents use of devices of type infiniband"),
	"restricted.devices.nic": key(config.String, "managed", isOneOf("block", "allow", "managed"),
		"block: no network devices; managed: only network= devices; allow: any"),
	"restricted.devices.pci":               blockAllow("Prevents use of devices of type pci"),
	"restricted.devices.proxy":             blockAllow("Prevents use of devices of type proxy"),
	"restricted.devices.unix-block":        blockAllow("Prevents use of devices of type unix-block"),
	"restricted.devices.unix-char":         blockAllow("Prevents use of devices of type unix-char"),
	"restricted.devices.unix-hotplug":      blockAllow("Prevents use of devices of type unix-hotplug"),
	"restricted.devices.usb":               blockAllow("Prevents use of devices of type usb"),
	"restricted.idmap.uid":                 key(config.String, "", isIDRangeList, "Host UID ranges allowed in the instances' raw.idmap"),
	"restricted.idmap.gid":                 key(config.String, "", isIDRangeList, "Host GID ranges allowed in the instances' raw.idmap"),
	"restricted.networks.access":           key(config.String, "", nil, "Comma-delimited list of network names that are allowed for use in this project"),
	"restricted.networks.subnets":          key(config.String, "", isUplinkSubnets, "Comma-delimited list of <uplink>:<subnet> allocated for use in this project"),
	"restricted.networks.uplinks":          key(config.String, "", nil, "Comma-delimited list of network names that can be used as uplink for networks in this project"),
	"restricted.networks.zones":            key(config.String, "", nil, "Comma-delimited list of network zones that can be used under this project"),
	"restricted.snapshots":                 blockAllow("Prevents the creation of any instance or volume snapshots"),
	"restricted.virtual-machines.lowlevel": blockAllow("Prevents use of low-level virtual-machine options like raw.qemu, volatile, etc."),
	"images.auto_update_cached":            key(config.Bool, "", isBool, "Whether to automatically update any image that LXD caches"),
	"images.auto_update_interval":          key(config.Int, "", isInt64, "Interval in hours at which to look for updates to cached images (0 disables it)"),
	"images.compression_algorithm":         key(config.String, "", isCompression, "Compression algorithm to use for new images in the project"),
	"images.default_architecture":          key(config.String, "", isOneOf(architectures...), "Default architecture which should be used in mixed architecture cluster"),
	"images.remote_cache_expiry":           key(config.Int, "", isInt64, "Number of days after which an unused cached remote image is flushed in the project"),
	"backups.compression_algorithm":        key(config.String, "", isCompression, "Compression algorithm to use for backups in the project"),
	"user.*":                               key(config.String, "", nil, "Free form user key/value storage"),
}

// ValidateConfig checks a project config map with LXD's wording (400s),
// in sorted key order.
func ValidateConfig(cfg map[string]string) error {
	names := make([]string, 0, len(cfg))
	for k := range cfg {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		kd, ok := Keys.Lookup(k)
		if !ok {
			return api.BadRequest("Invalid project configuration key %q", k)
		}
		if v := cfg[k]; v != "" && kd.Validate != nil {
			if err := kd.Validate(v); err != nil {
				return api.BadRequest("Invalid project configuration key %q value: %w", k, err)
			}
		}
	}
	if config.ParseBool(cfg["restricted"]) && !config.ParseBool(cfg["features.profiles"]) {
		return api.BadRequest("Projects without their own profiles cannot be restricted")
	}
	return nil
}

// ValidateName checks a project name as LXD does.
func ValidateName(name string) error {
	switch {
	case name == "":
		return api.BadRequest("No name provided")
	case strings.Contains(name, "/"):
		return api.BadRequest("Project names may not contain slashes")
	case strings.Contains(name, " "):
		return api.BadRequest("Project names may not contain spaces")
	case strings.Contains(name, "_"):
		return api.BadRequest("Project names may not contain underscores")
	case strings.ContainsAny(name, `'"`):
		return api.BadRequest("Project names may not contain quotes")
	case name == "*":
		return api.BadRequest("Reserved project name")
	case name == "." || name == "..":
		return api.BadRequest("Invalid project name %q", name)
	}
	return nil
}

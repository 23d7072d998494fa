package projects

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// InstanceCheck is an instance (expanded config and devices) or a profile
// (its own config and devices, Type "") checked against a project's
// restrictions and limits.
type InstanceCheck struct {
	Name    string
	Type    string // instconfig.TypeContainer, instconfig.TypeVM, or "" for a profile
	Config  map[string]string
	Devices map[string]map[string]string
}

// entity renders the object as LXD names it in errors: `container "c1"`
// or `profile "default"`.
func (c InstanceCheck) entity() string {
	if c.Type == "" {
		return fmt.Sprintf("profile %q", c.Name)
	}
	return fmt.Sprintf("%s %q", c.Type, c.Name)
}

// valueEntity is entity for the "Invalid value" errors, where LXD 5.0.2
// leaves a profile's type out (` "default"`).
func (c InstanceCheck) valueEntity() string { return fmt.Sprintf("%s %q", c.Type, c.Name) }

// CheckInstance enforces the restricted.* keys of project on c. It returns
// nil when the project is not restricted. Errors are LXD's texts; callers
// prefix them ("Failed checking if instance creation allowed: ").
func (s *Service) CheckInstance(ctx context.Context, project string, c InstanceCheck) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, project)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Failed loading project %q: %w", project, err)
		}
		return CheckRestrictions(p.Name, p.Config, c)
	})
}

// CheckRestrictions is CheckInstance on a loaded project config.
func CheckRestrictions(project string, projectConfig map[string]string, c InstanceCheck) error {
	if !config.ParseBool(projectConfig["restricted"]) {
		return nil
	}
	r := restrictions{project: project, cfg: projectConfig, c: c}
	if err := r.checkConfig(); err != nil {
		return err
	}
	return r.checkDevices()
}

type restrictions struct {
	project string
	cfg     map[string]string
	c       InstanceCheck
}

// value returns a restriction key's value or its default.
func (r restrictions) value(k string) string { return Keys.Get(r.cfg, k) }

// containerLowLevel are the container keys restricted.containers.lowlevel
// guards (raw.idmap is checked against restricted.idmap.* instead).
var containerLowLevel = map[string]bool{
	"boot.host_shutdown_timeout": true, "linux.kernel_modules": true, "raw.apparmor": true, "raw.lxc": true,
	"raw.seccomp": true, "security.devlxd.images": true, "security.idmap.base": true, "security.idmap.size": true,
	"security.syscalls.intercept.mount.allowed": true, "security.syscalls.intercept.mount.shift": true,
	"security.syscalls.intercept.sched_setscheduler": true,
}

// vmLowLevel are the VM keys restricted.virtual-machines.lowlevel guards.
var vmLowLevel = map[string]bool{"raw.qemu": true, "raw.qemu.conf": true, "boot.host_shutdown_timeout": true}

func (r restrictions) checkConfig() error {
	keys := make([]string, 0, len(r.c.Config))
	for k := range r.c.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := r.checkKey(k, r.c.Config[k]); err != nil {
			return err
		}
	}
	return nil
}

func (r restrictions) invalid(k, v, why string) error {
	return api.InternalError("Invalid value %q for config %q on %s of project %q: %s", v, k, r.c.valueEntity(), r.project, why)
}

func (r restrictions) lowLevel(k string) error {
	return api.InternalError("Use of low-level config %q on %s of project %q is forbidden", k, r.c.entity(), r.project)
}

func (r restrictions) checkKey(k, v string) error {
	isVM, isContainer := r.c.Type == instconfig.TypeVM, r.c.Type != instconfig.TypeVM
	switch {
	case k == "security.nesting" && isContainer:
		if r.value("restricted.containers.nesting") == "block" && config.ParseBool(v) {
			return r.invalid(k, v, "Container nesting is forbidden")
		}
	case k == "security.privileged" && isContainer:
		if r.value("restricted.containers.privilege") != "allow" && config.ParseBool(v) {
			return r.invalid(k, v, "Privileged containers are forbidden")
		}
	case k == "security.idmap.isolated" && isContainer:
		if r.value("restricted.containers.privilege") == "isolated" && !config.ParseBool(v) {
			return r.invalid(k, v, "Non-isolated containers are forbidden")
		}
	case k == "raw.idmap" && isContainer:
		return r.checkRawIdmap(v)
	case containerLowLevel[k] && isContainer && r.value("restricted.containers.lowlevel") == "block":
		return r.lowLevel(k)
	case strings.HasPrefix(k, "security.syscalls.intercept.") && isContainer:
		if r.value("restricted.containers.interception") != "allow" && interceptionEnabled(k, v) {
			return r.invalid(k, v, "Container syscall interception is forbidden")
		}
	}
	if vmLowLevel[k] && (isVM || r.c.Type == "") && r.value("restricted.virtual-machines.lowlevel") == "block" {
		return r.lowLevel(k)
	}
	return nil
}

// interceptionEnabled reports whether an interception key turns something
// on (a true boolean, or any mount.fuse mapping).
func interceptionEnabled(k, v string) bool {
	if k == "security.syscalls.intercept.mount.fuse" {
		return v != ""
	}
	return config.ParseBool(v)
}

// checkRawIdmap allows raw.idmap entries whose host IDs fall within
// restricted.idmap.uid/gid, or any when low-level options are allowed.
func (r restrictions) checkRawIdmap(v string) error {
	if v == "" || r.value("restricted.containers.lowlevel") == "allow" {
		return nil
	}
	entries, err := instconfig.ParseRawIdmap(v)
	if err != nil {
		return api.InternalError("%s", err.Error())
	}
	uids, gids := parseRanges(r.cfg["restricted.idmap.uid"]), parseRanges(r.cfg["restricted.idmap.gid"])
	for i, e := range entries {
		ok := true
		if e.Kind == "uid" || e.Kind == "both" {
			ok = ok && within(uids, e.HostID, e.Range)
		}
		if e.Kind == "gid" || e.Kind == "both" {
			ok = ok && within(gids, e.HostID, e.Range)
		}
		if !ok {
			return api.InternalError("Use of low-level \"raw.idmap\" element %d on %s of project %q is forbidden", i, r.c.entity(), r.project)
		}
	}
	return nil
}

type idRange struct{ lo, hi int64 }

func parseRanges(v string) []idRange {
	var out []idRange
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.ParseInt(lo, 10, 64)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.ParseInt(hi, 10, 64); err != nil {
				continue
			}
		}
		out = append(out, idRange{a, b})
	}
	return out
}

// within reports whether [start, start+size) lies in one allowed range.
func within(ranges []idRange, start, size int64) bool {
	for _, r := range ranges {
		if start >= r.lo && start+size-1 <= r.hi {
			return true
		}
	}
	return false
}

// deviceForbidden maps device types guarded by a simple block/allow key
// to that key and LXD's refusal.
var deviceForbidden = map[string][2]string{
	"unix-char":    {"restricted.devices.unix-char", "Unix character devices are forbidden"},
	"unix-block":   {"restricted.devices.unix-block", "Unix block devices are forbidden"},
	"unix-hotplug": {"restricted.devices.unix-hotplug", "Unix hotplug devices are forbidden"},
	"usb":          {"restricted.devices.usb", "USB devices are forbidden"},
	"gpu":          {"restricted.devices.gpu", "GPU devices are forbidden"},
	"infiniband":   {"restricted.devices.infiniband", "Infiniband devices are forbidden"},
	"pci":          {"restricted.devices.pci", "PCI devices are forbidden"},
	"proxy":        {"restricted.devices.proxy", "Proxy devices are forbidden"},
}

func (r restrictions) checkDevices() error {
	names := make([]string, 0, len(r.c.Devices))
	for n := range r.c.Devices {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if why := r.deviceRefusal(r.c.Devices[n]); why != "" {
			return api.InternalError("Invalid device %q on %s of project %q: %s", n, r.c.entity(), r.project, why)
		}
	}
	return nil
}

// deviceRefusal returns why dev is not allowed, or "".
func (r restrictions) deviceRefusal(dev map[string]string) string {
	switch t := dev["type"]; t {
	case "disk":
		return r.diskRefusal(dev)
	case "nic":
		switch r.value("restricted.devices.nic") {
		case "block":
			return "Network devices are forbidden"
		case "managed":
			if dev["network"] == "" {
				return "Only managed network devices are allowed"
			}
		}
	default:
		if f, ok := deviceForbidden[t]; ok && r.value(f[0]) == "block" {
			return f[1]
		}
	}
	return ""
}

func (r restrictions) diskRefusal(dev map[string]string) string {
	if dev["path"] == "/" {
		return "" // the root disk is always allowed
	}
	switch r.value("restricted.devices.disk") {
	case "block":
		return "Disk devices are forbidden"
	case "managed":
		if dev["pool"] == "" {
			return "Attaching disks not backed by a pool is forbidden"
		}
	case "allow":
		paths := r.cfg["restricted.devices.disk.paths"]
		if dev["pool"] != "" || paths == "" {
			return ""
		}
		for _, p := range strings.Split(paths, ",") {
			p = filepath.Clean(strings.TrimSpace(p))
			src := filepath.Clean(dev["source"])
			if src == p || strings.HasPrefix(src, strings.TrimSuffix(p, "/")+"/") {
				return ""
			}
		}
		return fmt.Sprintf("Disk source path %q not allowed", dev["source"])
	}
	return ""
}

// CheckSnapshot refuses snapshots in a restricted project unless
// restricted.snapshots=allow.
func (s *Service) CheckSnapshot(ctx context.Context, project string) error {
	return s.checkBlockable(ctx, project, "restricted.snapshots", "Project %q doesn't allow for snapshot creation")
}

// CheckBackup refuses backups in a restricted project unless
// restricted.backups=allow.
func (s *Service) CheckBackup(ctx context.Context, project string) error {
	return s.checkBlockable(ctx, project, "restricted.backups", "Project %q doesn't allow for backup creation")
}

func (s *Service) checkBlockable(ctx context.Context, project, key, msg string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, project)
		if err != nil {
			return err
		}
		if config.ParseBool(p.Config["restricted"]) && Keys.Get(p.Config, key) == "block" {
			return api.InternalError(msg, project)
		}
		return nil
	})
}

package instances

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/network/nic"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
)

// preparedDevices is the host side of an instance's devices, ready for
// the driver.
type preparedDevices struct {
	specs    []instance.DeviceSpec
	volatile map[string]string // volatile.<dev>.* to store
	undos    []func(ctx context.Context)
	releases []deviceRelease // mounts held while running
}

// deviceRelease undoes one host-side mount of a device; it is kept by
// device name so that removing the device from a running instance lets go
// of exactly its mounts.
type deviceRelease struct {
	device  string
	release func()
}

// undo reverts the host side (failed start).
func (p *preparedDevices) undo(ctx context.Context) {
	for i := len(p.undos) - 1; i >= 0; i-- {
		p.undos[i](ctx)
	}
	for i := len(p.releases) - 1; i >= 0; i-- {
		p.releases[i].release()
	}
	p.releases = nil
}

// prepareDevices builds the device specs of rec's expanded devices in
// name order, preparing the host side (NICs, custom volume mounts).
func (s *Service) prepareDevices(ctx context.Context, rec *record) (*preparedDevices, error) {
	out := &preparedDevices{volatile: map[string]string{}}
	for _, name := range sortedKeys(rec.expDevices) {
		dev := rec.expDevices[name]
		spec, err := s.deviceSpec(ctx, rec, name, dev, out)
		if err != nil {
			out.undo(context.WithoutCancel(ctx))
			return nil, err
		}
		if spec != nil {
			out.specs = append(out.specs, *spec)
		}
	}
	return out, nil
}

// deviceSpec prepares one device; nil means nothing for the driver.
func (s *Service) deviceSpec(ctx context.Context, rec *record, name string, dev map[string]string, out *preparedDevices) (*instance.DeviceSpec, error) {
	switch dev["type"] {
	case "none", "proxy":
		return nil, nil
	case "usb":
		// Matching host devices are passed as they appear; LXD starts
		// the instance whether or not one is plugged, and this server
		// has no USB hardware.
		return nil, nil
	case "disk":
		if instconfig.IsRootDisk(dev) {
			return nil, nil
		}
		return s.diskSpec(ctx, rec, name, dev, out)
	case "unix-char", "unix-block":
		return unixSpec(name, dev)
	case "nic":
		return s.nicSpec(ctx, rec, name, dev, out)
	}
	return nil, api.BadRequest("Device %q: device type %q is not supported by this server", name, dev["type"])
}

// diskSpec mounts a host path or a custom volume into the instance.
func (s *Service) diskSpec(ctx context.Context, rec *record, name string, dev map[string]string, out *preparedDevices) (*instance.DeviceSpec, error) {
	required := dev["required"] == "" || config.ParseBool(dev["required"])
	if dev["optional"] != "" {
		required = !config.ParseBool(dev["optional"])
	}
	m := instance.Mount{
		Source: dev["source"], Target: dev["path"], ReadOnly: config.ParseBool(dev["readonly"]),
		Recursive: config.ParseBool(dev["recursive"]), Propagation: dev["propagation"],
		Shift: config.ParseBool(dev["shift"]), Optional: !required,
	}
	if pool := dev["pool"]; pool != "" {
		path, release, err := s.o.Storage.MountCustomVolume(ctx, storage.VolumeRef{Pool: pool, Project: rec.row.Project, Name: dev["source"]})
		if err != nil {
			return nil, fmt.Errorf("Failed to mount custom volume %q for device %q: %w", dev["source"], name, err)
		}
		out.releases = append(out.releases, deviceRelease{name, release})
		// The pool's directories are private to host root: reach the
		// volume through a bind mount in the (traversable) device mounts
		// directory, as for host paths.
		bound, unbind, err := s.bindSource(rec, name, path, false)
		if err != nil {
			return nil, fmt.Errorf("Failed to prepare device %q: %w", name, err)
		}
		out.releases = append(out.releases, deviceRelease{name, unbind})
		m.Source, m.Shift, m.Optional = bound, true, false
	} else if _, err := os.Stat(m.Source); err != nil && required {
		return nil, api.BadRequest("Missing source path %q for disk %q", m.Source, name)
	} else if err != nil {
		return nil, nil
	} else {
		path, release, err := s.bindSource(rec, name, m.Source, m.Recursive)
		if err != nil {
			return nil, fmt.Errorf("Failed to prepare device %q: %w", name, err)
		}
		out.releases = append(out.releases, deviceRelease{name, release})
		m.Source = path
	}
	return &instance.DeviceSpec{Name: name, Mounts: []instance.Mount{m}}, nil
}

// unixSpec makes a unix-char/unix-block device node, from its source on
// the host or from major/minor.
func unixSpec(name string, dev map[string]string) (*instance.DeviceSpec, error) {
	kind := 'c'
	if dev["type"] == "unix-block" {
		kind = 'b'
	}
	node := instance.UnixNode{Path: dev["path"], Type: kind, Mode: 0o660}
	if node.Path == "" {
		node.Path = dev["source"]
	}
	required := dev["required"] == "" || config.ParseBool(dev["required"])
	if dev["major"] != "" && dev["minor"] != "" {
		maj, err1 := strconv.ParseUint(dev["major"], 10, 32)
		min, err2 := strconv.ParseUint(dev["minor"], 10, 32)
		if err1 != nil || err2 != nil {
			return nil, api.BadRequest("Device %q: invalid major/minor", name)
		}
		node.Major, node.Minor = uint32(maj), uint32(min)
	} else {
		var st unix.Stat_t
		if err := unix.Stat(dev["source"], &st); err != nil {
			if !required {
				return nil, nil
			}
			return nil, api.BadRequest("Device %q: missing source %q", name, dev["source"])
		}
		node.Major, node.Minor = unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			kind = 'b'
		}
		node.Type = kind
		if dev["mode"] == "" {
			node.Mode = os.FileMode(st.Mode & 0o777)
		}
	}
	if err := parseOwner(dev, &node); err != nil {
		return nil, api.BadRequest("Device %q: %w", name, err)
	}
	if !strings.HasPrefix(node.Path, "/") {
		node.Path = "/" + node.Path
	}
	rule := fmt.Sprintf("%c %d:%d rwm", node.Type, node.Major, node.Minor)
	return &instance.DeviceSpec{Name: name, Nodes: []instance.UnixNode{node},
		CgroupRules: []instance.CgroupRule{{Allow: true, Rule: rule}}}, nil
}

func parseOwner(dev map[string]string, node *instance.UnixNode) error {
	if v := dev["uid"]; v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("invalid uid %q", v)
		}
		node.UID = uint32(n)
	}
	if v := dev["gid"]; v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("invalid gid %q", v)
		}
		node.GID = uint32(n)
	}
	if v := dev["mode"]; v != "" {
		n, err := strconv.ParseUint(v, 8, 32)
		if err != nil {
			return fmt.Errorf("invalid mode %q", v)
		}
		node.Mode = os.FileMode(n)
	}
	return nil
}

// nicConfig resolves network=<name> into nictype and parent.
func (s *Service) nicConfig(ctx context.Context, rec *record, dev map[string]string) (map[string]string, error) {
	cfg := copyMap(dev)
	if netName := dev["network"]; netName != "" {
		if s.o.Networks == nil {
			return nil, api.BadRequest("Managed networks are not available on this server")
		}
		n, err := s.o.Networks.NICNetwork(ctx, rec.row.Project, netName)
		if err != nil {
			return nil, err
		}
		cfg["nictype"], cfg["parent"] = n.NICType, n.Parent
		if cfg["mtu"] == "" && n.MTU != "" {
			cfg["mtu"] = n.MTU
		}
		delete(cfg, "network")
	}
	return cfg, nil
}

// nicVolatile extracts volatile.<dev>.* of rec without the prefix.
func nicVolatile(cfg map[string]string, dev string) map[string]string {
	out := map[string]string{}
	pfx := "volatile." + dev + "."
	for k, v := range cfg {
		if strings.HasPrefix(k, pfx) {
			out[strings.TrimPrefix(k, pfx)] = v
		}
	}
	return out
}

// needsHwaddr reports whether NIC device dev gets a generated MAC
// (volatile.<dev>.hwaddr): not when it sets one, and not for the kinds
// that keep the parent's own (physical, sriov, ipvlan), as with LXD.
func needsHwaddr(dev map[string]string) bool {
	switch dev["nictype"] {
	case nic.Physical, nic.SRIOV, nic.IPVLAN:
		return false
	}
	return dev["type"] == "nic" && dev["hwaddr"] == ""
}

// nicName is the interface name inside for NIC device dev: its "name",
// else the one recorded in volatile.<dev>.name, else the first ethN no
// other NIC of rec has (pending holds names picked but not stored yet).
// fresh says the name is new and must be recorded.
func nicName(rec *record, dev string, pending map[string]string) (name string, fresh bool) {
	if v := rec.expDevices[dev]["name"]; v != "" {
		return v, false
	}
	if v := rec.row.Config["volatile."+dev+".name"]; v != "" {
		return v, false
	}
	used := map[string]bool{}
	for other, d := range rec.expDevices {
		if other == dev || d["type"] != "nic" {
			continue
		}
		for _, n := range []string{d["name"], rec.row.Config["volatile."+other+".name"], pending["volatile."+other+".name"]} {
			if n != "" {
				used[n] = true
			}
		}
	}
	for i := 0; ; i++ {
		if n := fmt.Sprintf("eth%d", i); !used[n] {
			return n, true
		}
	}
}

// dnsNameConflict refuses a second NIC of rec on the managed bridge that
// NIC device dev is connected to (network=<name>, or a bridged NIC whose
// parent is a managed bridge): dnsmasq knows an instance by its name, once
// per network (LXD's "Instance DNS name ... already used on network").
// phase is "add" or "start", as in LXD's wording.
func (s *Service) dnsNameConflict(ctx context.Context, rec *record, dev, phase string) error {
	network := s.nicManagedBridge(ctx, rec.row.Project, rec.expDevices[dev])
	if network == "" {
		return nil
	}
	for other, d := range rec.expDevices {
		if other != dev && s.nicManagedBridge(ctx, rec.row.Project, d) == network {
			return api.Conflict("Failed %s validation for device %q: Instance DNS name %q already used on network", phase, dev, rec.row.Name)
		}
	}
	return nil
}

// nicManagedBridge is the managed bridge network a NIC device is
// connected to, "" when none: network=<name> of a bridge network, or
// nictype=bridged with a parent that is a managed bridge (LXD loads the
// managed network of such a parent too).
func (s *Service) nicManagedBridge(ctx context.Context, project string, dev map[string]string) string {
	if dev["type"] != "nic" || s.o.Networks == nil {
		return ""
	}
	name := dev["network"]
	if name == "" {
		if dev["nictype"] != nic.Bridged || dev["parent"] == "" {
			return ""
		}
		name = dev["parent"]
	}
	n, err := s.o.Networks.NICNetwork(ctx, project, name)
	if err != nil || n.NICType != nic.Bridged {
		return ""
	}
	return name
}

// nicSpec creates the host side of a NIC.
func (s *Service) nicSpec(ctx context.Context, rec *record, name string, dev map[string]string, out *preparedDevices) (*instance.DeviceSpec, error) {
	cfg, err := s.nicConfig(ctx, rec, dev)
	if err != nil {
		return nil, err
	}
	if err := s.dnsNameConflict(ctx, rec, name, "start"); err != nil {
		return nil, err
	}
	inside, fresh := nicName(rec, name, out.volatile)
	if fresh {
		out.volatile["volatile."+name+".name"] = inside
	}
	cfg["name"] = inside
	o := nic.Opts{Config: cfg, Volatile: nicVolatile(rec.row.Config, name), FirewallTable: s.o.FirewallTable}
	if o.Volatile["hwaddr"] == "" && cfg["hwaddr"] == "" && needsHwaddr(cfg) {
		o.Volatile["hwaddr"] = nic.RandomHwaddr()
	}
	if o.AllowedIPv4, o.AllowedIPv6, err = s.filterAddresses(ctx, rec, dev, o); err != nil {
		return nil, fmt.Errorf("Failed to start device %q: %w", name, err)
	}
	res, err := nic.Create(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("Failed to start device %q: %w", name, err)
	}
	out.undos = append(out.undos, func(ctx context.Context) {
		o.Volatile = res.Volatile
		if err := nic.Remove(ctx, o); err != nil {
			logctx.From(ctx).WithError(err).WithField("device", name).Warn("Failed to remove NIC")
		}
	})
	for k, v := range res.Volatile {
		out.volatile["volatile."+name+"."+k] = v
	}
	n := instance.NIC{Type: "phys", Name: inside, HostName: res.Device, Hwaddr: res.Hwaddr, MTU: res.MTU,
		IPv4: res.IPv4, IPv6: res.IPv6, IPv4Gateway: res.IPv4Gateway, IPv6Gateway: res.IPv6Gateway}
	return &instance.DeviceSpec{Name: name, NICs: []instance.NIC{n}}, nil
}

// filterAddresses is what IP filtering lets through for a bridged NIC on
// a managed network that has filtering on but no static address of the
// family: the address the network pinned for its MAC (LXD's behaviour).
func (s *Service) filterAddresses(ctx context.Context, rec *record, dev map[string]string, o nic.Opts) (allow4, allow6 []string, err error) {
	cfg := o.Config
	v4 := config.ParseBool(cfg["security.ipv4_filtering"]) && cfg["ipv4.address"] == ""
	v6 := config.ParseBool(cfg["security.ipv6_filtering"]) && cfg["ipv6.address"] == ""
	if dev["network"] == "" || cfg["nictype"] != nic.Bridged || (!v4 && !v6) || s.o.Networks == nil {
		return nil, nil, nil
	}
	mac := cfg["hwaddr"]
	if mac == "" {
		mac = o.Volatile["hwaddr"]
	}
	ip4, ip6, err := s.o.Networks.FilterAddresses(ctx, rec.row.Project, dev["network"], mac, v4, v6)
	if err != nil {
		return nil, nil, fmt.Errorf("Failed allocating addresses for IP filtering: %w", err)
	}
	if ip4 != "" {
		allow4 = []string{ip4}
	}
	if ip6 != "" {
		allow6 = []string{ip6}
	}
	return allow4, allow6, nil
}

// removeNICs tears down the host side of every NIC of a stopped instance
// and returns the volatile keys to clear.
func (s *Service) removeNICs(ctx context.Context, rec *record) map[string]string {
	clear := map[string]string{}
	for _, name := range sortedKeys(rec.expDevices) {
		dev := rec.expDevices[name]
		if dev["type"] != "nic" {
			continue
		}
		cfg, err := s.nicConfig(ctx, rec, dev)
		if err != nil {
			continue
		}
		vol := nicVolatile(rec.row.Config, name)
		if cfg["name"] == "" {
			cfg["name"] = vol["name"]
		}
		if err := nic.Remove(ctx, nic.Opts{Config: cfg, Volatile: vol, FirewallTable: s.o.FirewallTable}); err != nil {
			logctx.From(ctx).WithError(err).WithField("device", name).Warn("Failed to remove NIC")
		}
		for k := range vol {
			if k != "hwaddr" && k != "name" {
				clear["volatile."+name+"."+k] = ""
			}
		}
	}
	return clear
}

// refreshLeases tells the managed networks of rec's NICs that their
// static hosts may have changed.
func (s *Service) refreshLeases(ctx context.Context, rec *record) {
	if s.o.Networks == nil {
		return
	}
	for _, dev := range rec.expDevices {
		if dev["type"] == "nic" && dev["network"] != "" {
			if err := s.o.Networks.RefreshStaticLeases(ctx, rec.row.Project, dev["network"]); err != nil {
				logctx.From(ctx).WithError(err).Debug("Failed to refresh static leases")
			}
		}
	}
}

// deviceMountsDir holds, per instance, host-side bind mounts of disk
// device sources: liblxc mounts device entries after entering the user
// namespace, so an unprivileged container could not reach a source below a
// private directory (a 0700 /tmp/x); a bind mount made here as real root
// can be reached (as LXD does with its devices directory).
func (s *Service) deviceMountsDir(project, name string) string {
	return filepath.Join(s.o.Dir, "devmounts", project+"_"+name)
}

// bindSource bind-mounts a disk device source into the instance's device
// mounts directory and returns the new path and how to undo it.
func (s *Service) bindSource(rec *record, dev, source string, recursive bool) (string, func(), error) {
	st, err := os.Stat(source)
	if err != nil {
		return "", nil, err
	}
	dir := s.deviceMountsDir(rec.row.Project, rec.row.Name)
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return "", nil, err
	}
	target := filepath.Join(dir, "disk."+dev)
	_ = unix.Unmount(target, unix.MNT_DETACH)
	if st.IsDir() {
		err = os.Mkdir(target, 0o700)
	} else {
		var f *os.File
		if f, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
	}
	if err != nil && !os.IsExist(err) {
		return "", nil, err
	}
	flags := uintptr(unix.MS_BIND)
	if recursive {
		flags |= unix.MS_REC
	}
	if err := unix.Mount(source, target, "", flags, ""); err != nil {
		_ = os.Remove(target)
		return "", nil, fmt.Errorf("Failed to bind %q: %w", source, err)
	}
	return target, func() { unmountSource(target) }, nil
}

// unmountSource undoes bindSource; the mount point is removed only once
// nothing is mounted on it (never a recursive removal).
func unmountSource(target string) {
	if err := unix.Unmount(target, unix.MNT_DETACH); err == nil || err == unix.EINVAL {
		_ = os.Remove(target)
	}
}

// unmountSources releases every device source of an instance, also those
// an earlier daemon left.
func (s *Service) unmountSources(project, name string) {
	dir := s.deviceMountsDir(project, name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		unmountSource(filepath.Join(dir, e.Name()))
	}
	_ = os.Remove(dir)
}

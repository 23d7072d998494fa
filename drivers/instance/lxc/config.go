package lxc

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/config"
)

// lxcConfig is a liblxc config being built: ordered "key = value" lines.
type lxcConfig struct {
	lines []string
}

func (c *lxcConfig) set(key, value string) {
	c.lines = append(c.lines, key+" = "+value)
}

func (c *lxcConfig) String() string { return strings.Join(c.lines, "\n") + "\n" }

// privilegedDevices are the device cgroup rules of privileged containers
// (unprivileged ones cannot mknod, so their device access is what their
// /dev holds): mknod anything, use the standard character devices, ptys,
// fuse and tun.
var privilegedDevices = []string{
	"b *:* m", "c *:* m", "c 136:* rwm", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 10:229 rwm", "c 10:200 rwm",
}

// hostMounts are bound in when the host has them, as LXD does.
var hostMounts = []string{
	"/dev/fuse dev/fuse none bind,create=file,optional 0 0",
	"/dev/net/tun dev/net/tun none bind,create=file,optional 0 0",
	"/proc/sys/fs/binfmt_misc proc/sys/fs/binfmt_misc none rbind,create=dir,optional 0 0",
	"/sys/fs/fuse/connections sys/fs/fuse/connections none rbind,create=dir,optional 0 0",
}

// renderConfig builds the liblxc config of s. It validates what it reads
// (limits, raw.lxc, environment) and returns 400-worthy errors as plain
// errors; the caller wraps them.
func (d *Driver) renderConfig(s instance.Spec, p paths) (*lxcConfig, error) {
	c := &lxcConfig{}
	privileged := len(s.Idmap) == 0
	nesting := config.ParseBool(s.Config["security.nesting"])

	c.set("lxc.log.file", p.log)
	c.set("lxc.log.level", d.logLevel())
	c.set("lxc.console.buffer.size", "auto")
	c.set("lxc.console.size", "auto")
	c.set("lxc.console.logfile", p.consoleLog)
	c.set("lxc.autodev", "1")
	c.set("lxc.pty.max", "1024")
	c.set("lxc.tty.max", "0")
	hostname := s.Hostname
	if hostname == "" {
		hostname = s.Ref.Name
	}
	c.set("lxc.uts.name", hostname)
	if arch := lxcArch(s.Architecture); arch != "" {
		c.set("lxc.arch", arch)
	}
	c.set("lxc.apparmor.profile", "unconfined")
	renderSecurity(c, privileged, nesting, d.host)
	for _, m := range hostMounts {
		c.set("lxc.mount.entry", m)
	}

	c.set("lxc.rootfs.path", "dir:"+s.RootfsPath)
	if !privileged {
		c.set("lxc.rootfs.options", "idmap=container")
		for _, l := range s.Idmap.LXC() {
			c.set("lxc.idmap", l)
		}
	}
	if err := renderEnvironment(c, s.Config); err != nil {
		return nil, err
	}
	if err := d.renderLimits(c, s.Config); err != nil {
		return nil, err
	}
	renderSysctls(c, s.Config)
	renderHooks(c, s.Hooks)
	for _, dev := range s.Devices {
		if err := d.renderDevice(c, s, p, dev); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// renderSecurity sets capabilities, proc/sys/cgroup mounts and device
// rules. Privileged containers drop the capabilities LXD drops and get a
// device allow-list; /proc and /sys are read-write only where a user
// namespace protects the host, or with security.nesting.
func renderSecurity(c *lxcConfig, privileged, nesting bool, h host) {
	switch {
	case nesting:
		c.set("lxc.mount.auto", "proc:rw sys:rw cgroup:rw:force")
	case privileged:
		c.set("lxc.mount.auto", "proc:mixed sys:mixed cgroup:mixed")
	default:
		c.set("lxc.mount.auto", "proc:rw sys:rw cgroup:mixed")
	}
	if !privileged {
		return
	}
	c.set("lxc.cap.drop", "sys_time sys_module sys_rawio mac_admin mac_override")
	key, ok := h.cgroupKey("devices", "devices.deny")
	if !ok || h.isV2("devices") {
		key = "lxc.cgroup2.devices.deny"
	}
	allowKey := strings.TrimSuffix(key, "deny") + "allow"
	c.set(key, "a")
	for _, r := range privilegedDevices {
		c.set(allowKey, r)
	}
}

// renderEnvironment exports environment.* to the container's init.
func renderEnvironment(c *lxcConfig, cfg map[string]string) error {
	for _, k := range sortedKeys(cfg) {
		name, ok := strings.CutPrefix(k, "environment.")
		if !ok {
			continue
		}
		if name == "" || strings.ContainsAny(name, "= \n") || strings.Contains(cfg[k], "\n") {
			return fmt.Errorf("Invalid environment variable %q", k)
		}
		c.set("lxc.environment", name+"="+cfg[k])
	}
	return nil
}

// renderLimits writes cgroup limits and process limits.
func (d *Driver) renderLimits(c *lxcConfig, cfg map[string]string) error {
	items, err := limitItems(cfg, d.host, limitOpts{})
	if err != nil {
		return err
	}
	for _, it := range items {
		key, _ := d.host.cgroupKey(it.controller, it.file)
		c.set(key, it.value)
	}
	for _, k := range sortedKeys(cfg) {
		name, ok := strings.CutPrefix(k, "limits.kernel.")
		if !ok {
			continue
		}
		if !prlimitNames[name] {
			return fmt.Errorf("Invalid process limit %q", k)
		}
		if err := validPrlimit(cfg[k]); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		c.set("lxc.prlimit."+name, cfg[k])
	}
	return nil
}

// renderSysctls maps linux.sysctl.<name> to lxc.sysctl.<name>.
func renderSysctls(c *lxcConfig, cfg map[string]string) {
	for _, k := range sortedKeys(cfg) {
		if name, ok := strings.CutPrefix(k, "linux.sysctl."); ok && name != "" {
			c.set("lxc.sysctl."+name, cfg[k])
		}
	}
}

func renderHooks(c *lxcConfig, h instance.Hooks) {
	if h.PreStart == "" && h.StopNS == "" && h.PostStop == "" {
		return
	}
	c.set("lxc.hook.version", "1")
	if h.PreStart != "" {
		c.set("lxc.hook.pre-start", h.PreStart)
	}
	if h.StopNS != "" {
		c.set("lxc.hook.stop", h.StopNS)
	}
	if h.PostStop != "" {
		c.set("lxc.hook.post-stop", h.PostStop)
	}
}

// renderDevice adds the mounts, nodes, cgroup rules and NICs of one device.
// NICs are numbered after those already in the config.
func (d *Driver) renderDevice(c *lxcConfig, s instance.Spec, p paths, dev instance.DeviceSpec) error {
	for _, m := range dev.Mounts {
		entry, err := mountEntry(m, len(s.Idmap) > 0)
		if err != nil {
			return fmt.Errorf("Device %q: %w", dev.Name, err)
		}
		c.set("lxc.mount.entry", entry)
	}
	for _, n := range dev.Nodes {
		src, err := makeNode(p.devices, dev.Name, n, s.Idmap)
		if err != nil {
			return fmt.Errorf("Device %q: %w", dev.Name, err)
		}
		c.set("lxc.mount.entry", fmt.Sprintf("%s %s none bind,create=file 0 0", fstabEscape(src), fstabEscape(relTarget(n.Path))))
	}
	for _, r := range dev.CgroupRules {
		if err := renderCgroupRule(c, d.host, r); err != nil {
			return fmt.Errorf("Device %q: %w", dev.Name, err)
		}
	}
	for _, nic := range dev.NICs {
		if err := renderNIC(c, nic, countPrefix(c, "lxc.net.", ".type")); err != nil {
			return fmt.Errorf("Device %q: %w", dev.Name, err)
		}
	}
	return nil
}

func renderCgroupRule(c *lxcConfig, h host, r instance.CgroupRule) error {
	fields := strings.Fields(r.Rule)
	if len(fields) != 3 || (fields[0] != "c" && fields[0] != "b" && fields[0] != "a") {
		return fmt.Errorf("Invalid cgroup device rule %q", r.Rule)
	}
	verb := "deny"
	if r.Allow {
		verb = "allow"
	}
	if h.isV2("devices") || h.v1["devices"] == "" {
		c.set("lxc.cgroup2.devices."+verb, r.Rule)
		return nil
	}
	c.set("lxc.cgroup.devices."+verb, r.Rule)
	return nil
}

// renderNIC adds lxc.net.<n>.* for one interface.
func renderNIC(c *lxcConfig, n instance.NIC, idx int) error {
	if n.Name == "" {
		return fmt.Errorf("NIC without a name inside the instance")
	}
	pfx := fmt.Sprintf("lxc.net.%d.", idx)
	switch n.Type {
	case "veth":
		c.set(pfx+"type", "veth")
		if n.HostName != "" {
			c.set(pfx+"veth.pair", n.HostName)
		}
		if n.Link != "" {
			c.set(pfx+"link", n.Link)
		}
	case "phys":
		if n.HostName == "" {
			return fmt.Errorf("phys NIC %q needs the host interface name", n.Name)
		}
		c.set(pfx+"type", "phys")
		c.set(pfx+"link", n.HostName)
	case "macvlan":
		if n.Link == "" {
			return fmt.Errorf("macvlan NIC %q needs a parent", n.Name)
		}
		mode := n.MacvlanMode
		if mode == "" {
			mode = "bridge"
		}
		c.set(pfx+"type", "macvlan")
		c.set(pfx+"macvlan.mode", mode)
		c.set(pfx+"link", n.Link)
	default:
		return fmt.Errorf("Unsupported NIC type %q", n.Type)
	}
	c.set(pfx+"name", n.Name)
	c.set(pfx+"flags", "up")
	if n.Hwaddr != "" {
		c.set(pfx+"hwaddr", n.Hwaddr)
	}
	if n.MTU > 0 {
		c.set(pfx+"mtu", fmt.Sprint(n.MTU))
	}
	for _, a := range n.IPv4 {
		c.set(pfx+"ipv4.address", a)
	}
	if n.IPv4Gateway != "" {
		c.set(pfx+"ipv4.gateway", n.IPv4Gateway)
	}
	for _, a := range n.IPv6 {
		c.set(pfx+"ipv6.address", a)
	}
	if n.IPv6Gateway != "" {
		c.set(pfx+"ipv6.gateway", n.IPv6Gateway)
	}
	return nil
}

// countPrefix counts lines "<pfx>N<sfx> = ..." (NICs already rendered).
func countPrefix(c *lxcConfig, pfx, sfx string) int {
	n := 0
	for _, l := range c.lines {
		k, _, _ := strings.Cut(l, " = ")
		if strings.HasPrefix(k, pfx) && strings.HasSuffix(k, sfx) {
			n++
		}
	}
	return n
}

// mountEntry renders an lxc.mount.entry value (fstab format, target
// relative to the rootfs).
func mountEntry(m instance.Mount, unprivileged bool) (string, error) {
	if m.Source == "" || !filepath.IsAbs(m.Target) {
		return "", fmt.Errorf("Invalid mount %q -> %q", m.Source, m.Target)
	}
	var opts []string
	fstype := m.FSType
	if fstype == "" {
		fstype = "none"
		opts = append(opts, "bind")
		if m.Recursive {
			opts[0] = "rbind"
		}
		create := "dir"
		if st, err := os.Stat(m.Source); err == nil && !st.IsDir() {
			create = "file"
		}
		opts = append(opts, "create="+create)
	} else {
		opts = append(opts, "create=dir")
	}
	opts = append(opts, m.Options...)
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	if m.Propagation != "" {
		opts = append(opts, m.Propagation)
	}
	if m.Shift && unprivileged {
		opts = append(opts, "idmap=container")
	}
	if m.Optional {
		opts = append(opts, "optional")
	}
	return fmt.Sprintf("%s %s %s %s 0 0", fstabEscape(m.Source), fstabEscape(relTarget(m.Target)), fstype, strings.Join(opts, ",")), nil
}

func relTarget(p string) string { return strings.TrimPrefix(filepath.Clean(p), "/") }

// fstabEscape escapes what fstab fields cannot hold.
func fstabEscape(s string) string {
	return strings.NewReplacer(" ", `\040`, "\t", `\011`, "\n", `\012`, `\`, `\134`).Replace(s)
}

// lxcArch maps LXD architecture names to lxc.arch values.
func lxcArch(a string) string {
	switch a {
	case "":
		return ""
	case "x86_64":
		return "linux64"
	case "i686":
		return "linux32"
	}
	return a
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

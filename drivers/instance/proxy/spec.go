package proxy

import (
	"errors"
	"fmt"
	"github.com/lxdng/lxd/drivers/instance/proxy/proxyconf"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Ref names one proxy device of one instance and where its files live.
type Ref struct {
	// Dir holds the pid file proxy.<Device>.pid
	// ($LXD_DIR/devices/<project>_<instance>); created if missing.
	Dir string
	// LogDir holds proxy.<Device>.log ($LXD_DIR/logs/<project>_<instance>);
	// Dir when empty.
	LogDir string
	// Device is the device name.
	Device string

	// Project, Instance and FirewallTable name the NAT chains
	// (nat=true): they live in `table inet <FirewallTable>`, the daemon's
	// own table.
	Project       string
	Instance      string
	FirewallTable string
}

// Dirs are the daemon-wide places of proxy devices: the per-instance
// directories are <dir>/<project>_<instance>, as the lxc driver names them.
type Dirs struct {
	DevicesDir    string // $LXD_DIR/devices
	LogDir        string // $LXD_DIR/logs
	FirewallTable string // the daemon's nftables table (NAT mode)
}

// Ref is the Ref of one device of one instance.
func (d Dirs) Ref(project, instance, device string) Ref {
	name := project + "_" + instance
	r := Ref{Dir: filepath.Join(d.DevicesDir, name), Device: device,
		Project: project, Instance: instance, FirewallTable: d.FirewallTable}
	if d.LogDir != "" {
		r.LogDir = filepath.Join(d.LogDir, name)
	}
	return r
}

// PidPath is the forwarder's pid file.
func (r Ref) PidPath() string { return filepath.Join(r.Dir, "proxy."+r.Device+".pid") }

// LogPath is the forwarder's log file (LXD's proxy.<device>.log).
func (r Ref) LogPath() string {
	dir := r.LogDir
	if dir == "" {
		dir = r.Dir
	}
	return filepath.Join(dir, "proxy."+r.Device+".log")
}

func (r Ref) check() error {
	if r.Device == "" || strings.ContainsAny(r.Device, "/\x00") || r.Device == "." || r.Device == ".." {
		return fmt.Errorf("Invalid proxy device name %q", r.Device)
	}
	if !filepath.IsAbs(r.Dir) {
		return fmt.Errorf("Proxy device directory must be an absolute path, got %q", r.Dir)
	}
	return nil
}

// Spec is one proxy device to run.
type Spec struct {
	Ref

	Listen  string // listen value, LXD syntax
	Connect string // connect value, LXD syntax
	Bind    string // proxyconf.BindHost (default) or proxyconf.BindInstance

	// ContainerPid is the container's init pid: its network namespace is
	// /proc/<pid>/ns/net and its root /proc/<pid>/root.
	ContainerPid int

	// UID and GID own a listening unix socket path (-1: leave as created);
	// they are container ids when the socket is inside the container.
	UID, GID int
	// Mode is the listening unix socket path's mode (LXD's default 0644).
	Mode os.FileMode

	// SecurityUID and SecurityGID are what the forwarder drops to once it
	// listens (0: stays root). With bind=host they are ids inside the
	// container (LXD's forwarder runs in the container's user namespace);
	// they are mapped to host ids through the container's id map.
	SecurityUID, SecurityGID uint32

	// ProxyProtocol sends a PROXY header to a tcp connect side: version 1
	// (text), as LXD does, unless ProxyProtocolVersion is 2.
	ProxyProtocol        bool
	ProxyProtocolVersion int

	// NAT (nat=true) forwards with DNAT rules instead of a process; NICs
	// are the instance's NICs that may carry the connect address.
	NAT  bool
	NICs []NIC

	// Exe is the binary run as forwarder (must call HelperMain first in
	// main); /proc/self/exe when empty.
	Exe string `json:"-"`
}

// NIC is an instance NIC as NAT mode needs it.
type NIC struct {
	Name     string // device name
	NICType  string // bridged or routed can carry the connect address
	IPv4     string // static ipv4.address
	IPv6     string // static ipv6.address
	HostName string // host-side interface (volatile.<name>.host_name)
}

// SpecFromConfig builds the Spec of a proxy device from its (validated)
// config: listen, connect, bind, nat, uid, gid, mode, security.uid,
// security.gid, proxy_protocol.
func SpecFromConfig(ref Ref, containerPid int, cfg map[string]string) (Spec, error) {
	s := Spec{
		Ref: ref, Listen: cfg["listen"], Connect: cfg["connect"], Bind: cfg["bind"],
		ContainerPid: containerPid, UID: -1, GID: -1, Mode: 0o644,
		ProxyProtocol: proxyconf.IsTrue(cfg["proxy_protocol"]), NAT: proxyconf.IsTrue(cfg["nat"]),
	}
	var err error
	if s.UID, err = optionalID(cfg["uid"]); err != nil {
		return Spec{}, err
	}
	if s.GID, err = optionalID(cfg["gid"]); err != nil {
		return Spec{}, err
	}
	if v := cfg["mode"]; v != "" {
		m, err := strconv.ParseUint(v, 8, 32)
		if err != nil || m > 0o7777 {
			return Spec{}, errors.New("Invalid value for an octal file mode")
		}
		s.Mode = os.FileMode(m)
	}
	for k, dst := range map[string]*uint32{"security.uid": &s.SecurityUID, "security.gid": &s.SecurityGID} {
		if cfg[k] == "" {
			continue
		}
		n, err := strconv.ParseUint(cfg[k], 10, 32)
		if err != nil {
			return Spec{}, fmt.Errorf("Invalid value for device option %q: %w", k, err)
		}
		*dst = uint32(n)
	}
	return s, nil
}

func optionalID(v string) (int, error) {
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("Invalid value for a UNIX ID %q", v)
	}
	return int(n), nil
}

// normalize fills defaults and checks what the forwarder would refuse.
func (s Spec) normalize() (Spec, proxyconf.Address, proxyconf.Address, error) {
	if err := s.Ref.check(); err != nil {
		return s, proxyconf.Address{}, proxyconf.Address{}, err
	}
	var err error
	if s.Bind, err = proxyconf.NormalizeBind(s.Bind); err != nil {
		return s, proxyconf.Address{}, proxyconf.Address{}, err
	}
	listen, err := proxyconf.ParseAddress(s.Listen)
	if err != nil {
		return s, proxyconf.Address{}, proxyconf.Address{}, fmt.Errorf("Invalid listen address: %w", err)
	}
	connect, err := proxyconf.ParseAddress(s.Connect)
	if err != nil {
		return s, proxyconf.Address{}, proxyconf.Address{}, fmt.Errorf("Invalid connect address: %w", err)
	}
	if s.Mode == 0 {
		s.Mode = 0o644
	}
	if s.ProxyProtocolVersion == 0 {
		s.ProxyProtocolVersion = 1
	}
	if s.NAT {
		return s, listen, connect, proxyconf.ValidateNAT(s.Bind, listen, connect)
	}
	if s.ContainerPid <= 0 {
		return s, listen, connect, errors.New("Proxy device needs the container's init pid")
	}
	return s, listen, connect, proxyconf.CheckRuntime(listen, connect)
}

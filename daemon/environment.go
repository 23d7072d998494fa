package daemon

import (
	"bufio"
	"context"
	"net"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/shared/api"
)

// serverVersion is the LXD version whose API we speak.
const serverVersion = "5.0.2"

// environment answers GET /1.0's environment: host facts probed once, plus
// the live addresses and drivers.
type environment struct {
	d          *Daemon
	kernel     string
	kernelArch string
	kernelVer  string
	osName     string
	osVersion  string
	hostname   string
	kernelFeat map[string]string
}

func newEnvironment(d *Daemon) *environment {
	e := &environment{d: d, kernel: "Linux", kernelArch: hostArchitecture()}
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		e.kernelVer = unix.ByteSliceToString(uts.Release[:])
	}
	e.osName, e.osVersion = osRelease()
	e.hostname, _ = os.Hostname()
	e.kernelFeat = probeKernelFeatures()
	return e
}

// Extensions implements api.ServerInfo.
func (e *environment) Extensions() []string { return e.d.envExtensions() }

func (d *Daemon) envExtensions() []string { return api.Extensions() }

// Environment implements api.ServerInfo.
func (e *environment) Environment(ctx context.Context) api.ServerEnvironment {
	addresses := listenAddresses(e.d.servers.address("https"))
	storageNames, storageVersions := e.d.storage.UsedDrivers(ctx)
	// A cluster member presents (and reports) the cluster certificate.
	cert := e.d.servers.certificate()
	clustered := e.d.cluster.Enabled()
	serverName := e.hostname
	if clustered {
		serverName = e.d.cluster.Name()
	}
	return api.ServerEnvironment{
		Addresses:               addresses,
		Architectures:           hostArchitectures(),
		Certificate:             string(cert.CertPEM),
		CertificateFingerprint:  cert.Fingerprint,
		Driver:                  "lxc",
		DriverVersion:           lxcVersion(),
		Firewall:                "nftables",
		Kernel:                  e.kernel,
		KernelArchitecture:      e.kernelArch,
		KernelFeatures:          e.kernelFeat,
		KernelVersion:           e.kernelVer,
		LXCFeatures:             e.d.lxcFeatures,
		OSName:                  e.osName,
		OSVersion:               e.osVersion,
		Project:                 "default",
		Server:                  "lxd",
		ServerClustered:         clustered,
		ServerEventMode:         "full-mesh",
		ServerName:              serverName,
		ServerPid:               os.Getpid(),
		ServerVersion:           serverVersion,
		Storage:                 storageNames,
		StorageVersion:          storageVersions,
		StorageSupportedDrivers: e.d.storage.SupportedDrivers(),
	}
}

// listenAddresses expands a wildcard listen address to the host's
// addresses, as LXD reports them.
func listenAddresses(addr string) []string {
	if addr == "" {
		return []string{}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return []string{addr}
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsUnspecified() {
		return []string{addr}
	}
	out := []string{}
	ifaces, _ := net.InterfaceAddrs()
	for _, a := range ifaces {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		if ip.To4() != nil && ipn.IP.To4() == nil {
			continue
		}
		out = append(out, net.JoinHostPort(ipn.IP.String(), port))
	}
	return out
}

func hostArchitecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	}
	return runtime.GOARCH
}

// hostArchitectures lists what the host can run (x86_64 also runs i686).
func hostArchitectures() []string {
	if a := hostArchitecture(); a == "x86_64" {
		return []string{"x86_64", "i686"}
	} else {
		return []string{a}
	}
}

func osRelease() (name, version string) {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return "", ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		switch k {
		case "NAME":
			name = v
		case "VERSION_ID":
			version = v
		}
	}
	return name, version
}

// probeKernelFeatures reports the optional kernel features LXD lists.
func probeKernelFeatures() map[string]string {
	b := func(ok bool) string {
		if ok {
			return "true"
		}
		return "false"
	}
	_, shiftfs := os.Stat("/sys/module/shiftfs")
	return map[string]string{
		"idmapped_mounts":           b(idmappedMountsSupported()),
		"netnsid_getifaddrs":        "true",
		"seccomp_listener":          b(fileContains("/proc/sys/kernel/seccomp/actions_avail", "user_notif")),
		"seccomp_listener_continue": b(fileContains("/proc/sys/kernel/seccomp/actions_avail", "user_notif")),
		"shiftfs":                   b(shiftfs == nil),
		"uevent_injection":          "true",
		"unpriv_fscaps":             "true",
	}
}

func fileContains(path, s string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(data), s)
}

// idmappedMountsSupported checks for mount_setattr (Linux >= 5.12).
func idmappedMountsSupported() bool {
	var uts unix.Utsname
	if unix.Uname(&uts) != nil {
		return false
	}
	var major, minor int
	rel := unix.ByteSliceToString(uts.Release[:])
	for i, part := range strings.SplitN(rel, ".", 3) {
		n := 0
		for _, c := range part {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		if i == 0 {
			major = n
		} else if i == 1 {
			minor = n
		}
	}
	return major > 5 || (major == 5 && minor >= 12)
}

// lxcVersion is filled by the instance driver when it lands; until then the
// liblxc package version.
var lxcVersion = func() string { return "" }

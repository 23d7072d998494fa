package testimage

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// BusyboxPath is where Debian's busybox-static installs its binary.
const BusyboxPath = "/bin/busybox"

// InstallAdvice is appended to errors caused by a missing host tool.
const InstallAdvice = "install it with: apt-get install busybox-static squashfs-tools"

// The files the rootfs holds besides busybox and its applet links.
var rootfsFiles = []struct {
	path string
	mode os.FileMode
	body string
}{
	{"etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
	{"etc/group", 0o644, "root:x:0:\nnogroup:x:65534:\n"},
	{"etc/shadow", 0o600, "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n"},
	{"etc/hostname", 0o644, "busybox\n"},
	{"etc/hosts", 0o644, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
	{"etc/inittab", 0o644, inittab},
	{"etc/init.d/rcS", 0o755, rcS},
	{"usr/share/udhcpc/default.script", 0o755, udhcpcScript},
}

// busybox init: rcS once, a root shell on the console (what `lxc console`
// shows), and SIGPWR (liblxc's halt signal) handled by init itself as halt.
const inittab = `::sysinit:/etc/init.d/rcS
::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
`

const rcS = `#!/bin/sh
# Mount what liblxc did not, name the host, bring up networking.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mkdir -p /run /var/run /tmp
[ -s /etc/hostname ] && hostname -F /etc/hostname
ip link set lo up
if [ -e /sys/class/net/eth0 ]; then
	# Debian's busybox looks for its script in /etc/udhcpc: name ours.
	udhcpc -i eth0 -b -q -t 3 -T 1 -s /usr/share/udhcpc/default.script >/dev/null 2>&1
fi
exit 0
`

const udhcpcScript = `#!/bin/sh
# Applies a DHCP lease handed over by busybox udhcpc (which may run it with
# init's bare environment: set PATH for ip).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -n "$interface" ] || exit 1
case "$1" in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound|renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	if [ -n "$router" ]; then
		ip route replace default via "${router%% *}" dev "$interface"
	fi
	if [ -n "$dns" ]; then
		: > /etc/resolv.conf
		for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
	fi
	;;
esac
exit 0
`

// BuildBusyboxRootfs fills dir (created if missing) with a busybox system:
// /bin/busybox and a link per applet, /sbin/init (busybox init running
// /etc/init.d/rcS, which mounts /proc and /sys and runs udhcpc on eth0 when
// it exists), /etc/passwd, /etc/group and /etc/hostname. Files are owned by
// the caller (root when run as root).
func BuildBusyboxRootfs(dir string) error {
	applets, err := busyboxApplets()
	if err != nil {
		return err
	}
	dirs := []struct {
		path string
		mode os.FileMode
	}{
		{"bin", 0o755}, {"sbin", 0o755}, {"usr/bin", 0o755}, {"usr/sbin", 0o755}, {"etc/init.d", 0o755},
		{"usr/share/udhcpc", 0o755}, {"dev", 0o755}, {"proc", 0o555}, {"sys", 0o555}, {"run", 0o755},
		{"var/log", 0o755}, {"mnt", 0o755}, {"home", 0o755}, {"root", 0o700}, {"tmp", 0o1777},
	}
	for _, d := range dirs {
		p := filepath.Join(dir, d.path)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
	}
	if err := copyFile(BusyboxPath, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return fmt.Errorf("Failed to copy busybox (%s): %w", InstallAdvice, err)
	}
	for _, a := range applets {
		if err := linkApplet(dir, a); err != nil {
			return err
		}
	}
	for _, f := range rootfsFiles {
		if err := os.WriteFile(filepath.Join(dir, f.path), []byte(f.body), f.mode); err != nil {
			return err
		}
		if err := os.Chmod(filepath.Join(dir, f.path), f.mode); err != nil {
			return err
		}
	}
	return nil
}

// busyboxApplets lists applet paths relative to / ("usr/bin/wc").
func busyboxApplets() ([]string, error) {
	out, err := exec.Command(BusyboxPath, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("Failed to run %s --list-full (%s): %w", BusyboxPath, InstallAdvice, err)
	}
	var applets []string
	for _, l := range strings.Fields(string(out)) {
		if l != "bin/busybox" {
			applets = append(applets, l)
		}
	}
	return applets, nil
}

// linkApplet makes rel a relative symlink to /bin/busybox.
func linkApplet(root, rel string) error {
	target, err := filepath.Rel(filepath.Dir("/"+rel), "/bin/busybox")
	if err != nil {
		return err
	}
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	_ = os.Remove(p)
	return os.Symlink(target, p)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var versionRe = regexp.MustCompile(`BusyBox v([0-9]+\.[0-9]+(\.[0-9]+)?)`)

// BusyboxVersion returns the version of the host's busybox ("1.35.0").
func BusyboxVersion() (string, error) {
	// busybox prints its banner and exits 0 without arguments on Debian,
	// but some builds exit 1: the banner is what matters.
	out, _ := exec.Command(BusyboxPath).CombinedOutput()
	m := versionRe.FindSubmatch(bytes.TrimSpace(out))
	if m == nil {
		return "", fmt.Errorf("Failed to find the busybox version in %s output (%s)", BusyboxPath, InstallAdvice)
	}
	return string(m[1]), nil
}

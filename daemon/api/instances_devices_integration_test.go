//go:build integration

package api_test

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// inside is a path inside a running instance, seen from the host through
// its init's root.
func (e *instEnv) inside(t *testing.T, name, path string) string {
	t.Helper()
	return filepath.Join("/proc", strconv.FormatInt(e.state(t, name).Pid, 10), "root", path)
}

// memoryLimit reads the memory cgroup limit of a running instance.
func memoryLimit(t *testing.T, pid int64) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var file string
		switch {
		case strings.Contains(","+parts[1]+",", ",memory,"):
			file = filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes")
		case parts[1] == "" && parts[0] == "0":
			file = filepath.Join("/sys/fs/cgroup", parts[2], "memory.max")
			if _, err := os.Stat(file); err != nil {
				continue
			}
		default:
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		return n
	}
	t.Fatal("no memory cgroup found")
	return 0
}

// testSubnet derives a /24 from a name so parallel tests rarely collide.
func testSubnet(name string) string {
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("10.%d.%d.1/24", 100+int(sum[0])%100, sum[1])
}

// scenarioDevices: a bridged NIC on a managed network, a read-only disk
// bind, a unix-char device, hot-plugging a disk and a unix device, and a
// live memory limit, checked from the host through /proc/<pid>/root.
func scenarioDevices(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	br := daemontest.Name(t, "br")
	d.MustLXC(t, "network", "create", br, "ipv4.address="+testSubnet(br), "ipv4.nat=false", "ipv6.address=none")
	t.Cleanup(func() { d.LXC(t, "network", "delete", br) })
	hostDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(hostDir, "hello"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	d.MustLXC(t, "config", "device", "add", name, "eth0", "nic", "network="+br, "name=eth0")
	d.MustLXC(t, "config", "device", "add", name, "data", "disk", "source="+hostDir, "path=/mnt/data", "readonly=true")
	shifted := t.TempDir()
	if err := os.WriteFile(filepath.Join(shifted, "owned"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// LXD 5.0.2 refuses shift=true on this host ("idmapping abilities are
	// required but aren't supported on system"); ours maps it with an
	// idmapped mount.
	if d.Kind == daemontest.Ours {
		d.MustLXC(t, "config", "device", "add", name, "shifted", "disk", "source="+shifted, "path=/mnt/shifted", "shift=true")
	}
	d.MustLXC(t, "config", "device", "add", name, "mynull", "unix-char", "path=/dev/mynull", "major=1", "minor=3", "mode=0666")
	d.MustLXC(t, "config", "device", "add", name, "renamed", "unix-char", "source=/dev/null", "path=/dev/renamednull")
	// required=false: a missing source does not stop the start.
	d.MustLXC(t, "config", "device", "add", name, "opt", "unix-char", "source=/dev/nosuch-dev", "required=false")
	d.MustLXC(t, "start", name)
	e.waitStatus(t, name, "Running")
	if err := unix.Stat(e.inside(t, name, "/dev/renamednull"), new(unix.Stat_t)); err != nil {
		t.Fatalf("unix-char with a path other than its source: %v", err)
	}

	inst := e.get(t, name)
	st := e.state(t, name)
	eth0, ok := st.Network["eth0"]
	if !ok || eth0.HostName == "" || eth0.HostName != inst.Config["volatile.eth0.host_name"] || eth0.Hwaddr != inst.Config["volatile.eth0.hwaddr"] {
		t.Fatalf("eth0 state %+v, config %v", eth0, inst.Config)
	}
	if data, err := os.ReadFile(e.inside(t, name, "/mnt/data/hello")); err != nil || string(data) != "hi" {
		t.Fatalf("disk device: %q %v", data, err)
	}
	if err := os.WriteFile(e.inside(t, name, "/mnt/data/new"), []byte("x"), 0o644); err == nil {
		t.Fatal("read-only disk is writable")
	}
	// shift=true: an idmapped mount, host root's files appear as the
	// container's root (seen from the host: the container root's host id).
	if d.Kind == daemontest.Ours {
		var owned, plain unix.Stat_t
		if err := unix.Stat(e.inside(t, name, "/mnt/shifted/owned"), &owned); err != nil {
			t.Fatal(err)
		}
		if err := unix.Stat(e.inside(t, name, "/mnt/data/hello"), &plain); err != nil {
			t.Fatal(err)
		}
		if owned.Uid == 0 || plain.Uid != 0 {
			t.Fatalf("shifted owner %d, unshifted owner %d", owned.Uid, plain.Uid)
		}
	}
	var stat unix.Stat_t
	if err := unix.Stat(e.inside(t, name, "/dev/mynull"), &stat); err != nil || stat.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Minor(stat.Rdev) != 3 {
		t.Fatalf("unix-char device: %+v %v", stat, err)
	}

	hot := t.TempDir()
	d.MustLXC(t, "config", "device", "add", name, "hot", "disk", "source="+hot, "path=/mnt/hot")
	if _, err := os.Stat(e.inside(t, name, "/mnt/hot")); err != nil {
		t.Fatalf("hot-plugged disk: %v", err)
	}
	d.MustLXC(t, "config", "device", "add", name, "hotnull", "unix-char", "path=/dev/hotnull", "major=1", "minor=3")
	if _, err := os.Stat(e.inside(t, name, "/dev/hotnull")); err != nil {
		t.Fatalf("hot-plugged unix-char: %v", err)
	}
	d.MustLXC(t, "config", "device", "remove", name, "hotnull")
	daemontest.Eventually(t, 10*time.Second, "hot-unplugged node gone", func() bool {
		var st unix.Stat_t
		err := unix.Stat(e.inside(t, name, "/dev/hotnull"), &st)
		return err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR
	})

	d.MustLXC(t, "config", "set", name, "limits.memory", "128MB")
	if got := memoryLimit(t, e.state(t, name).Pid); got != 128000000 {
		t.Fatalf("memory limit %d, want 128000000", got)
	}
	d.MustLXC(t, "stop", "-f", name)
	if host := e.get(t, name).Config["volatile.eth0.host_name"]; host != "" {
		t.Fatalf("volatile.eth0.host_name after stop = %q", host)
	}
}

func TestInstanceDevices(t *testing.T)          { scenarioDevices(t, daemontest.Start(t)) }
func TestReferenceInstanceDevices(t *testing.T) { scenarioDevices(t, daemontest.StartReference(t)) }

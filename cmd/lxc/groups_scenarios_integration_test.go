//go:build integration

package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// Each test runs against the reference LXD 5.0.2 (our daemon's endpoints
// for these resources are being written on other branches): the point is
// that our client behaves like the real one against the same server. The
// project read commands also run against our daemon.

func TestStorageCommandsLikeRealClient(t *testing.T) {
	for _, kind := range []daemontest.Kind{daemontest.Reference, daemontest.Ours} {
		t.Run(string(kind), func(t *testing.T) { storageScenario(t, startWithConfig(t, kind)) })
	}
}

func storageScenario(t *testing.T, d *daemontest.Daemon) {
	dir, btr := daemontest.Name(t, "lxdngcl-d"), daemontest.Name(t, "lxdngcl-b")
	cleanupReal(t, d, []string{"storage", "delete", dir}, []string{"storage", "delete", btr})
	mustReal(t, d, "storage", "create", dir, "dir")
	mustReal(t, d, "storage", "create", btr, "btrfs", "size=1GiB")
	cleanupReal(t, d, []string{"storage", "volume", "delete", dir, "v1"}, []string{"storage", "volume", "delete", btr, "b1"},
		[]string{"storage", "volume", "delete", btr, "b2"})
	mustReal(t, d, "storage", "volume", "create", dir, "v1", "user.a=b")
	mustReal(t, d, "storage", "volume", "snapshot", dir, "v1", "s1")
	mustReal(t, d, "storage", "volume", "create", btr, "b1", "size=100MiB")
	mustReal(t, d, "storage", "volume", "create", btr, "b2", "--type", "block", "size=20MiB")
	mustReal(t, d, "storage", "volume", "snapshot", btr, "b1")

	for _, f := range formats {
		sameOutput(t, d, "storage", "list", "-f", f)
		sameOutput(t, d, "storage", "volume", "list", dir, "-f", f)
		sameOutput(t, d, "storage", "volume", "list", btr, "-f", f)
	}
	for _, args := range [][]string{
		{"storage", "show", dir}, {"storage", "show", btr}, {"storage", "info", btr},
		{"storage", "get", dir, "source"}, {"storage", "get", dir, "nokey"}, {"storage", "show", "nosuch"},
		{"storage", "show", "local:"}, {"storage", "create", "x", "dir", "foo"},
		{"storage", "volume", "list", btr, "-c", "ntU"}, {"storage", "volume", "list", dir, "-c", "n,,t"},
		{"storage", "volume", "list", dir, "-c", "nL"}, {"storage", "volume", "list", dir, "-c", "nx"},
		{"storage", "volume", "list", dir, "--all-projects", "-f", "csv"}, {"storage", "volume", "list", dir, "name=v1"},
		{"storage", "volume", "show", dir, "v1"}, {"storage", "volume", "show", dir, "v1/s1"},
		{"storage", "volume", "show", dir, "custom/v1"}, {"storage", "volume", "get", dir, "v1", "user.a"},
		{"storage", "volume", "info", btr, "b1"}, {"storage", "volume", "info", btr, "b2"},
		{"storage", "volume", "info", btr, "b1/snap0"}, {"storage", "volume", "show", dir, "nosuch"},
	} {
		sameOutput(t, d, args...)
	}
	sameScenario(t, d, []step{
		cmd("storage", "volume", "create", btr, "t1", "user.a=b"),
		cmd("storage", "volume", "create", btr, "t1"),
		cmd("storage", "volume", "create", btr, "t2", "foo"),
		cmd("storage", "volume", "snapshot", btr, "t1"),
		cmd("storage", "volume", "snapshot", btr, "t1", "sx", "--no-expiry"),
		cmd("storage", "volume", "snapshot", btr, "t1", "sx", "--reuse"),
		cmd("storage", "volume", "snapshot", btr, "t1", "sx"),
		cmd("storage", "volume", "set", btr, "t1", "user.c", "d"),
		cmd("storage", "volume", "set", btr, "t1", "user.e=f", "user.g=h"),
		cmd("storage", "volume", "unset", btr, "t1", "user.c"),
		cmd("storage", "volume", "set", btr, "t1/snap0", "user.x=y"),
		{args: []string{"storage", "volume", "edit", btr, "t1"}, stdin: "description: edited\nconfig:\n  user.q: \"1\"\n"},
		cmd("storage", "volume", "show", btr, "t1"),
		cmd("storage", "volume", "rename", btr, "t1/snap0", "t1/snapz"),
		cmd("storage", "volume", "rename", btr, "t1/snapz", "s"),
		cmd("storage", "volume", "restore", btr, "t1", "snapz"),
		cmd("storage", "volume", "copy", btr+"/t1", dir+"/t1"),
		cmd("storage", "volume", "copy", btr+"/t1/sx", dir+"/t1s", "--volume-only"),
		cmd("storage", "volume", "move", dir+"/t1", btr+"/t5"),
		cmd("storage", "volume", "rename", btr, "t5", "t6"),
		cmd("storage", "volume", "list", btr, "-f", "csv"),
		cmd("storage", "volume", "delete", btr, "t1/snapz"),
		cmd("storage", "volume", "delete", btr, "t1"),
		cmd("storage", "volume", "delete", btr, "t6"),
		cmd("storage", "volume", "delete", dir, "t1s"),
		cmd("storage", "volume", "delete", dir, "t1s"),
		cmd("storage", "set", dir, "user.a", "b"),
		cmd("storage", "set", dir, "user.c=d", "user.e=f"),
		cmd("storage", "unset", dir, "user.c"),
		cmd("storage", "get", dir, "user.a"),
		{args: []string{"storage", "edit", dir}, stdin: "config:\n  user.z: \"1\"\n"},
		cmd("storage", "show", dir),
		cmd("storage", "unset", dir, "user.a"),
		cmd("storage", "unset", dir, "user.e"),
		cmd("storage", "delete", btr),
	})
}

// withContainer gives the reference daemon an empty container (for the
// device and profile commands) with its root disk on a new dir pool.
func withContainer(t *testing.T, d *daemontest.Daemon) (pool, inst string) {
	t.Helper()
	pool, inst = daemontest.Name(t, "lxdngcl-d"), daemontest.Name(t, "c")
	cleanupReal(t, d, []string{"storage", "delete", pool}, []string{"profile", "device", "remove", "default", "root"},
		[]string{"delete", "-f", inst})
	mustReal(t, d, "storage", "create", pool, "dir")
	mustReal(t, d, "profile", "device", "add", "default", "root", "disk", "path=/", "pool="+pool)
	mustReal(t, d, "init", "--empty", inst)
	return pool, inst
}

func TestStorageVolumeAttachLikeRealClient(t *testing.T) {
	d := startWithConfig(t, daemontest.Reference)
	pool, c := withContainer(t, d)
	cleanupReal(t, d, []string{"storage", "volume", "delete", pool, "v1"}, []string{"storage", "volume", "delete", pool, "v2"})
	mustReal(t, d, "storage", "volume", "create", pool, "v1")
	mustReal(t, d, "storage", "volume", "create", pool, "v2", "--type", "block", "size=10MiB")
	sameScenario(t, d, []step{
		cmd("storage", "volume", "attach", pool, "v1", c),
		cmd("storage", "volume", "attach", pool, "v1", c, "/mnt/a"),
		cmd("storage", "volume", "attach", pool, "v1", c, "dev2", "/mnt/b"),
		cmd("storage", "volume", "attach", pool, "v1", c, "/mnt/a"),
		cmd("storage", "volume", "attach", pool, "v2", c),
		cmd("storage", "volume", "attach", pool, "v1", "nosuch", "/x"),
		inspect("config", "device", "show", c),
		cmd("storage", "volume", "detach", pool, "v1", c),
		cmd("storage", "volume", "detach", pool, "v1", c, "dev2"),
		cmd("storage", "volume", "detach", pool, "v1", c),
		cmd("storage", "volume", "detach", pool, "v1", c, "nodev"),
		cmd("storage", "volume", "attach-profile", pool, "v1", "default", "/p"),
		cmd("storage", "volume", "attach-profile", pool, "v2", "default", "blk", "/x"),
		cmd("storage", "volume", "attach-profile", pool, "nosuch", "default", "/x"),
		cmd("profile", "device", "show", "default"),
		cmd("storage", "volume", "detach-profile", pool, "v1", "default"),
		cmd("storage", "volume", "detach-profile", pool, "v2", "default", "blk"),
		cmd("storage", "volume", "detach-profile", pool, "v2", "default"),
	})
}

func TestNetworkCommandsLikeRealClient(t *testing.T) {
	for _, kind := range []daemontest.Kind{daemontest.Reference, daemontest.Ours} {
		t.Run(string(kind), func(t *testing.T) {
			d := startWithConfig(t, kind)
			n := networkScenario(t, d)
			networkInstanceScenario(t, d, n)
		})
	}
}

// networkScenario compares the network commands on a new bridge, whose
// name it returns.
func networkScenario(t *testing.T, d *daemontest.Daemon) string {
	n := daemontest.Name(t, "lxcl")
	subnet := fmt.Sprintf("10.203.%d", 100+int(n[len(n)-1])%100)
	cleanupReal(t, d, []string{"network", "delete", n})
	mustReal(t, d, "network", "create", n, "ipv4.address="+subnet+".1/24", "ipv4.nat=false", "ipv6.address=none")
	for _, f := range formats {
		sameOutput(t, d, "network", "list", "-f", f)
		sameOutput(t, d, "network", "list-leases", n, "-f", f)
	}
	for _, args := range [][]string{
		{"network", "show", n}, {"network", "info", n}, {"network", "info", "lo"}, {"network", "show", "lo"},
		{"network", "get", n, "ipv4.address"}, {"network", "get", n, "nokey"}, {"network", "show", "nosuch"},
		{"network", "info", "nosuch"}, {"network", "set", "lo", "user.a=b"}, {"network", "create", "local:", "x"},
		{"network", "create", n},
	} {
		sameOutput(t, d, args...)
	}
	m := n + "x"
	sameScenario(t, d, []step{
		cmd("network", "create", m, "--type", "bridge", "ipv4.address=none", "ipv6.address=none"),
		cmd("network", "set", m, "user.a", "b"),
		cmd("network", "set", m, "user.c=d", "user.e=f"),
		cmd("network", "unset", m, "user.c"),
		cmd("network", "get", m, "user.a"),
		{args: []string{"network", "edit", m}, stdin: "config:\n  ipv4.address: none\n  ipv6.address: none\n  user.q: \"1\"\ndescription: hi\n"},
		cmd("network", "show", m),
		cmd("network", "set", m, "ipv4.address=bad"),
		cmd("network", "rename", m, m+"r"),
		cmd("network", "delete", m+"r"),
		cmd("network", "delete", m+"r"),
		cmd("network", "attach-profile", n, "default"),
		cmd("network", "attach-profile", n, "default", "pn", "eth1"),
		cmd("network", "attach-profile", "nosuch", "default"),
		cmd("profile", "device", "show", "default"),
		cmd("network", "detach-profile", n, "default"),
		cmd("network", "detach-profile", n, "default", "pn"),
		cmd("network", "detach-profile", n, "default"),
		cmd("network", "detach-profile", n, "nosuch"),
	})
	return n
}

// networkInstanceScenario attaches the network to a container.
func networkInstanceScenario(t *testing.T, d *daemontest.Daemon, n string) {
	_, c := withContainer(t, d)
	sameScenario(t, d, []step{
		cmd("network", "attach", n, c),
		cmd("network", "attach", n, c),
		cmd("network", "attach", "lo", c, "m1"),
		cmd("network", "attach", "nosuch", c),
		inspect("config", "device", "show", c),
		cmd("network", "detach", n, c, "m1"),
		cmd("network", "detach", n, c, "zz"),
		cmd("network", "detach", n, c),
		cmd("network", "detach", n, c),
		cmd("network", "detach", "lo", c),
		cmd("network", "attach-profile", n, "default"),
		cmd("network", "attach-profile", n, "default", "pn", "eth1"),
		cmd("profile", "device", "show", "default"),
		cmd("network", "detach-profile", n, "default"),
		cmd("network", "detach-profile", n, "default", "pn"),
		cmd("network", "detach-profile", n, "default"),
	})
}

func TestProjectCommandsLikeRealClient(t *testing.T) {
	for _, kind := range []daemontest.Kind{daemontest.Reference, daemontest.Ours} {
		t.Run(string(kind), func(t *testing.T) { projectScenario(t, startWithConfig(t, kind)) })
	}
}

func projectScenario(t *testing.T, d *daemontest.Daemon) {
	p := daemontest.Name(t, "p")
	cleanupReal(t, d, []string{"project", "delete", p + "x"}, []string{"project", "delete", p})
	for _, f := range formats {
		sameOutput(t, d, "project", "list", "-f", f)
		sameOutput(t, d, "project", "info", "default", "-f", f)
	}
	sameScenario(t, d, []step{
		cmd("project", "create", p, "-c", "limits.memory=1GiB", "-c", "user.a=b"),
		cmd("project", "create", p),
		cmd("project", "create", p+"y", "-c", "foo"),
		cmd("project", "info", p),
		cmd("project", "set", p, "user.c", "d"),
		cmd("project", "set", p, "user.e=f", "user.g=h"),
		cmd("project", "unset", p, "user.c"),
		cmd("project", "get", p, "user.e"),
		cmd("project", "get", p, "nokey"),
		cmd("project", "show", p),
		{args: []string{"project", "edit", p}, stdin: "config:\n  features.images: \"true\"\n  user.q: \"1\"\ndescription: hi\n"},
		cmd("project", "show", p),
		cmd("project", "switch", p),
		cmd("project", "list", "-f", "csv"),
		cmd("project", "rename", p, p+"x"),
		cmd("project", "switch", "default"),
		cmd("project", "switch", "nosuch"),
		cmd("project", "list", "-f", "csv"),
		cmd("project", "switch", p+"x"),
		cmd("project", "delete", p+"x"),
		cmd("project", "list", "-f", "csv"),
		cmd("project", "delete", p+"x"),
	})
}

func TestProjectReadCommandsOnOurDaemon(t *testing.T) {
	d := startWithConfig(t, daemontest.Ours)
	for _, f := range formats {
		sameOutput(t, d, "project", "list", "-f", f)
	}
	sameOutput(t, d, "project", "show", "default")
	sameOutput(t, d, "project", "get", "default", "features.images")
	sameOutput(t, d, "project", "show", "nosuch")
	sameOutput(t, d, "project", "switch", "default")
}

func TestProfileCommandsLikeRealClient(t *testing.T) {
	for _, kind := range []daemontest.Kind{daemontest.Reference, daemontest.Ours} {
		t.Run(string(kind), func(t *testing.T) {
			d := startWithConfig(t, kind)
			p := daemontest.Name(t, "pr")
			if kind == daemontest.Reference {
				// Our daemon has no instances yet.
				_, c := withContainer(t, d)
				profileInstanceScenario(t, d, c, p)
			}
			profileScenario(t, d, p)
		})
	}
}

// profileInstanceScenario adds and removes profiles on a container.
func profileInstanceScenario(t *testing.T, d *daemontest.Daemon, c, p string) {
	sameScenario(t, d, []step{
		cmd("profile", "create", p),
		cmd("profile", "add", c, p),
		cmd("profile", "add", c, "nosuch"),
		cmd("profile", "remove", c, p),
		cmd("profile", "remove", c, p),
		cmd("profile", "assign", c, "default,"+p),
		cmd("profile", "assign", c, ""),
		cmd("profile", "assign", c, "default"),
		cmd("profile", "assign", "nosuch", "default"),
		cmd("profile", "delete", p),
	})
}

func profileScenario(t *testing.T, d *daemontest.Daemon, p string) {
	for _, f := range formats {
		sameOutput(t, d, "profile", "list", "-f", f)
	}
	sameOutput(t, d, "profile", "show", "default")
	sameOutput(t, d, "profile", "device", "list", "default")
	sameOutput(t, d, "profile", "device", "show", "default")
	sameOutput(t, d, "profile", "device", "get", "default", "root", "path")
	sameScenario(t, d, []step{
		cmd("profile", "create", p),
		cmd("profile", "create", p),
		cmd("profile", "copy", p, p+"c"),
		cmd("profile", "copy", p, p+"c"),
		cmd("profile", "rename", p+"c", p+"e"),
		cmd("profile", "delete", p+"e"),
		cmd("profile", "delete", p+"e"),
		cmd("profile", "set", p, "user.a", "b"),
		cmd("profile", "set", p, "user.c=d", "user.e=f"),
		cmd("profile", "unset", p, "user.c"),
		cmd("profile", "set", p, "limits.cpu=abc"),
		cmd("profile", "get", p, "user.a"),
		cmd("profile", "device", "add", p, "d1", "disk", "source=/tmp", "path=/mnt"),
		cmd("profile", "device", "add", p, "d1", "disk", "source=/tmp", "path=/mnt"),
		cmd("profile", "device", "add", p, "d2", "disk", "foo"),
		// LXD's client lists devices in map order: list one device only.
		cmd("profile", "device", "list", p),
		cmd("profile", "device", "add", p, "d3", "unix-char", "path=/dev/null"),
		cmd("profile", "device", "set", p, "d1", "readonly", "true"),
		cmd("profile", "device", "unset", p, "d1", "readonly"),
		cmd("profile", "device", "set", p, "nodev", "readonly=true"),
		cmd("profile", "device", "get", p, "d1", "path"),
		cmd("profile", "device", "remove", p, "d1", "d3"),
		cmd("profile", "device", "remove", p, "d1"),
		cmd("profile", "device", "show", p),
		{args: []string{"profile", "edit", p}, stdin: "config:\n  user.q: \"1\"\ndescription: hi\ndevices: {}\n"},
		cmd("profile", "show", p),
		cmd("profile", "delete", p),
	})
}

func TestImageCommandsLikeRealClient(t *testing.T) {
	d := startWithConfig(t, daemontest.Reference)
	dir := t.TempDir()
	unified, meta, rootfs := writeTinyImage(t, dir)
	sameScenario(t, d, []step{
		cmd("image", "import", unified, "--alias", "a1", "--alias", "a2"),
		cmd("image", "import", unified),
		cmd("image", "import", meta, rootfs, "local:", "--public", "os=foo", "user.x=1", "--alias", "s1"),
		cmd("image", "import", filepath.Join(dir, "nosuch.tar.gz")),
		cmd("image", "list", "-f", "csv", "-c", "lfpdats"),
		cmd("image", "list", "-f", "csv", "a1", "-c", "lLfpdats"),
		cmd("image", "list", "os=foo", "-c", "lLfF"),
		cmd("image", "list", "-c", "x"),
		cmd("image", "alias", "list", "-f", "csv"),
		cmd("image", "set-property", "a1", "user.k", "v"),
		cmd("image", "get-property", "a1", "user.k"),
		cmd("image", "unset-property", "a1", "user.k"),
		cmd("image", "get-property", "a1", "user.k"),
		cmd("image", "show", "a1"),
		inspect("image", "info", "s1"),
		cmd("image", "show", "s1"),
		cmd("image", "info", "a1", "--vm"),
		cmd("image", "export", "s1", filepath.Join(dir, "e2")),
		cmd("image", "export", "a1", filepath.Join(dir, "nodir")+"/"),
		{args: []string{"image", "edit", "a1"}, stdin: "auto_update: false\nproperties:\n  description: edited\npublic: true\n"},
		cmd("image", "show", "a1"),
		cmd("image", "alias", "create", "a3", "a1"),
		cmd("image", "alias", "create", "a3", "a1"),
		cmd("image", "alias", "rename", "a3", "a4"),
		cmd("image", "alias", "delete", "a4"),
		cmd("image", "alias", "delete", "a4"),
		cmd("image", "copy", "a1", "local:"),
		cmd("image", "delete", "a1", "s1"),
		cmd("image", "delete", "a2"),
		cmd("image", "list", "-f", "csv"),
	})
}

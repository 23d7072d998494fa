//go:build integration

package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// Instance commands, our lxc against the real one on the same daemon
// (LXD 5.0.2, and ours). Scenarios create and delete their instances.

func TestInstanceLifecycleLikeRealClient(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		c, e := instName(t), instName(t)
		cleanupInstances(t, d, c, e)
		instScenario(t, d, []step{
			cmd("init", "busybox", c),
			cmd("list", c, "-c", "nsPt", "-f", "csv"),
			cmd("start", c),
			// A second start is not compared: LXD 5.0.2 answers it either
			// before or after the client's state check depending on timing,
			// and the client's hint line differs accordingly (the API tests
			// check the error itself).
			cmd("list", c, "-c", "ns", "-f", "csv"),
			cmd("pause", c),
			cmd("list", c, "-c", "ns", "-f", "csv"),
			cmd("start", c),
			cmd("restart", c),
			cmd("restart", "-f", c),
			cmd("list", c, "-c", "ns", "-f", "csv"),
			cmd("delete", c),
			cmd("stop", c),
			cmd("start", c, "nosuch-"+c),
			cmd("stop", "-f", c, "--timeout", "5"),
			cmd("launch", "busybox", e, "-e", "-c", "user.a=1", "-c", "user.b=2"),
			cmd("config", "get", e, "user.b"),
			cmd("list", e, "-c", "nst", "-f", "csv"),
			cmd("stop", e),
			cmd("list", e, "-c", "n", "-f", "csv"),
			cmd("delete", c),
			cmd("delete", c),
			cmd("launch", "busybox", c, "-q"),
			cmd("delete", "-f", c),
			cmd("init", "busybox", c, "-c", "foo"),
			cmd("init", "busybox", c, "-d", "rootsize=1GB"),
			cmd("init", "busybox", c, "-d", "nodev,size=1GB"),
			cmd("init", "busybox", c, "-s", "nopool"),
			cmd("init", "busybox", c, "-n", "nonet"),
			cmd("init", "nosuchimage", c),
			cmd("init", "busybox", c, "--vm"),
			cmd("init", "busybox", c, "-p", "nosuch"),
			cmd("init", "busybox", c, "--target", "m1"),
			cmd("init", "--empty", "busybox", c),
			cmd("init", "--empty", c, "--no-profiles"),
			cmd("list", c, "-c", "nsb", "-f", "csv"),
			cmd("delete", c),
			cmd("exec"),
			cmd("delete"),
		})
	})
}

func TestInstanceConfigLikeRealClient(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		c := instName(t)
		cleanupInstances(t, d, c)
		instScenario(t, d, []step{
			cmd("init", "busybox", c, "-q"),
			cmd("config", "set", c, "user.x=1", "limits.cpu=1"),
			cmd("config", "set", c, "user.y", "two words"),
			cmd("config", "get", c, "user.y"),
			cmd("config", "get", c, "user.nope"),
			cmd("config", "get", "-e", c, "image.os"),
			cmd("config", "unset", c, "user.x"),
			cmd("config", "unset", c, "user.x"),
			cmd("config", "set", c, "bad.key=1"),
			cmd("config", "set", c, "user.x", "1", "user.y"),
			cmd("config", "set", c, "user.a=1", "--target", "m1"),
			cmd("config", "show", c, "--target", "m1"),
			cmd("config", "device", "add", c, "d1", "disk", "source=/tmp", "path=/mnt"),
			cmd("config", "device", "add", c, "d1", "disk", "source=/tmp", "path=/mnt"),
			cmd("config", "device", "get", c, "d1", "path"),
			cmd("config", "device", "get", c, "root", "path"),
			cmd("config", "device", "get", c, "nodev", "path"),
			cmd("config", "device", "set", c, "d1", "readonly=true"),
			cmd("config", "device", "set", c, "d1", "path", "/mnt2"),
			cmd("config", "device", "set", c, "root", "size=1GB"),
			cmd("config", "device", "unset", c, "d1", "readonly"),
			cmd("config", "device", "list", c),
			cmd("config", "device", "show", c),
			cmd("config", "device", "override", c, "root", "size=2GB"),
			cmd("config", "device", "override", c, "root"),
			cmd("config", "device", "override", c, "nodev"),
			cmd("config", "device", "remove", c, "d1", "root"),
			cmd("config", "device", "remove", c, "nodev"),
			cmd("config", "device", "show", c),
			cmd("config", "show", c),
			withIn("description: edited\nprofiles:\n- default\nconfig:\n  user.z: \"3\"\n", "config", "edit", c),
			cmd("config", "show", c),
			cmd("config", "metadata", "show", c),
			cmd("config", "template", "list", c),
			cmd("config", "template", "create", c, "t1.tpl"),
			withIn("hello {{ container.name }}\n", "config", "template", "edit", c, "t1.tpl"),
			cmd("config", "template", "show", c, "t1.tpl"),
			cmd("config", "template", "list", c, "-f", "csv"),
			cmd("config", "template", "delete", c, "t1.tpl"),
			cmd("config", "template", "delete", c, "t1.tpl"),
			cmd("config", "template", "show", c, "nosuch"),
			cmd("config", "show", "nosuch-"+c),
			cmd("delete", c),
		})
	})
}

func TestInstanceSnapshotCopyMoveLikeRealClient(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		c := instName(t)
		cp, cp2, fromSnap, moved, renamed := c+"-cp", c+"-cp2", c+"-fs", c+"-mv", c+"-rn"
		cleanupInstances(t, d, c, cp, cp2, fromSnap, moved, renamed)
		instScenario(t, d, []step{
			cmd("launch", "busybox", c, "-q"),
			cmd("exec", c, "--", "sh", "-c", "echo one > /root/f"),
			cmd("snapshot", c, "s1"),
			cmd("snapshot", c, "s1"),
			cmd("snapshot", c, "s1", "--reuse"),
			cmd("snapshot", c, "--no-expiry"),
			cmd("snapshot", c, "--stateful"),
			cmd("exec", c, "--", "sh", "-c", "echo two > /root/f"),
			cmd("restore", c, "s1"),
			cmd("exec", c, "--", "cat", "/root/f"),
			cmd("restore", c, c+"/snap0"),
			cmd("restore", c, "nosnap"),
			cmd("restore", c, "s1", "--stateful"),
			cmd("list", c, "-c", "nsS", "-f", "csv"),
			cmd("copy", c, cp),
			cmd("copy", c, cp),
			cmd("copy", c+"/s1", fromSnap),
			cmd("copy", c, cp2, "--instance-only", "-c", "user.copied=yes", "-e"),
			cmd("copy", c+"/s1", "x"+c, "--instance-only"),
			cmd("copy", c+"/s1", "x"+c, "--refresh"),
			cmd("copy", c+"/nosnap", "x"+c),
			cmd("copy", "nosuch-"+c, "x"+c),
			cmd("copy", c, "x"+c, "--target", "m1"),
			cmd("list", c, "-c", "nsSt", "-f", "csv"),
			cmd("config", "get", cp2, "user.copied"),
			cmd("exec", fromSnap, "--", "true"),
			cmd("start", fromSnap),
			cmd("exec", fromSnap, "--", "cat", "/root/f"),
			cmd("move", cp, moved),
			cmd("rename", moved, renamed),
			cmd("rename", moved, renamed),
			cmd("start", c), // stopped by the failed stateful restore
			cmd("move", c, c+"-x"),
			cmd("stop", "-f", c),
			cmd("move", c+"/s1", c+"/s2"),
			cmd("move", c+"/s2", "other/s3"),
			cmd("move", c+"/s2", c),
			cmd("rename", c+"/s2", c+"/s1"),
			cmd("list", c, "-c", "nsS", "-f", "csv"),
			cmd("delete", c+"/s1"),
			cmd("delete", c+"/snap0", c+"/snap1"),
			cmd("list", c, "-c", "nsS", "-f", "csv"),
			cmd("delete", "-f", c, cp2, fromSnap, renamed),
			cmd("list", c, "-c", "n", "-f", "csv"),
		})
	})
}

var fingerprintLine = regexp.MustCompile(`^Instance published with fingerprint: [0-9a-f]{64}\n$`)

func TestInstancePublish(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		c := instName(t)
		alias := c + "-img"
		cleanupInstances(t, d, c)
		t.Cleanup(func() { d.LXC(t, "image", "delete", alias) })
		mustReal(t, d, "launch", "busybox", c, "-q")
		mustReal(t, d, "snapshot", c, "s1")
		// Refusals are the same with both clients.
		sameOutputs(t, d, []string{"publish", c}, []string{"publish", "nosuch-" + c}, []string{"publish", c, "local:img"})
		out := ourLXC(t, d, "publish", c, "--force", "--alias", alias, "--public", "--compression", "none", "k1=v1", "k2=v2")
		if !fingerprintLine.MatchString(out) {
			t.Fatalf("publish output %q", out)
		}
		fp := strings.TrimSpace(strings.TrimPrefix(out, "Instance published with fingerprint: "))
		info := d.MustLXC(t, "image", "info", alias)
		for _, want := range []string{"Fingerprint: " + fp, "Public: yes", "    k1: v1", "    k2: v2"} {
			if !strings.Contains(info, want) {
				t.Errorf("image info lacks %q:\n%s", want, info)
			}
		}
		if got := d.MustLXC(t, "list", c, "-c", "s", "-f", "csv"); got != "RUNNING\n" {
			t.Errorf("instance not restarted after publish --force: %q", got)
		}
		d.MustLXC(t, "image", "delete", alias)
		out = ourLXC(t, d, "publish", c+"/s1", "--alias", alias)
		if !fingerprintLine.MatchString(out) {
			t.Fatalf("publish snapshot output %q", out)
		}
		if info := d.MustLXC(t, "image", "info", alias); !strings.Contains(info, "Public: no") {
			t.Errorf("snapshot image:\n%s", info)
		}
	})
}

// TestInstanceReadCommandsLikeRealClient compares list/info/config show on
// a fixed set of instances: running (frozen, so counters hold still),
// stopped with snapshots, ephemeral, with user keys.
func TestInstanceReadCommandsLikeRealClient(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		base := instName(t)
		run, stopped, eph := base+"-r", base+"-s", base+"-e"
		cleanupInstances(t, d, run, stopped, eph)
		mustReal(t, d, "launch", "busybox", run, "-q", "-c", "user.comment=hello world", "-c", "limits.memory=64MiB")
		mustReal(t, d, "init", "busybox", stopped, "-q")
		mustReal(t, d, "snapshot", stopped, "snap0")
		mustReal(t, d, "snapshot", stopped, "a1")
		mustReal(t, d, "launch", "busybox", eph, "-q", "-e")
		mustReal(t, d, "snapshot", run, "s1")
		mustReal(t, d, "pause", run)
		mustReal(t, d, "pause", eph)
		var cmds [][]string
		for _, f := range []string{"table", "csv", "json", "yaml", "compact"} {
			cmds = append(cmds, []string{"list", "-f", f}, []string{"list", base, "-c", "n", "-f", f})
		}
		for _, cols := range []string{"ns46tS", "nsacPt", "nsabcdefFlPSt", "nmMuNpDb", "n,user.comment:C:5,image.os,devices:root.pool:POOL",
			"nsL", "n,,s", "nz", "n,bad.key"} {
			cmds = append(cmds, []string{"list", base, "-c", cols, "-f", "csv"})
		}
		for _, filter := range []string{base, "^" + base + "-[rs]$", "status=frozen", "status=stopped,frozen", "type=container",
			"user.comment=hello.*", "u.comment=hello world", "image.os=Busybox status=frozen", "nomatch"} {
			cmds = append(cmds, append([]string{"list", "-c", "ns", "-f", "csv"}, strings.Fields(filter)...))
		}
		cmds = append(cmds, []string{"list", "--fast", base}, []string{"list", "--fast", "-c", "n"}, []string{"list", "-f", "bad"},
			[]string{"list", "local:", base, "-c", "n"}, []string{"list", "nosuch:"}, []string{"list", "--all-projects", base, "-c", "ns"})
		for _, n := range []string{run, stopped, eph} {
			cmds = append(cmds, []string{"info", n}, []string{"config", "show", n}, []string{"config", "show", n, "-e"},
				[]string{"config", "device", "show", n}, []string{"config", "metadata", "show", n})
		}
		cmds = append(cmds, []string{"config", "show", stopped + "/snap0"}, []string{"config", "show", stopped + "/nosnap"},
			[]string{"info", "nosuch-" + base}, []string{"info", run, "--target", "m1"}, []string{"console", stopped, "--show-log"},
			[]string{"console", run, "-t", "bogus"})
		sameOutputs(t, d, cmds...)
	})
}

//go:build integration

package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/testimage"
)

// Harness of the instance command tests: a daemon (ours or LXD 5.0.2)
// with the busybox image (alias "busybox"), a dir pool and a root disk in
// the default profile; scenarios run with the real lxc, then with ours,
// and their transcripts must be equal.

// instDaemon starts a daemon of kind ready for instances.
func instDaemon(t *testing.T, kind daemontest.Kind) *daemontest.Daemon {
	t.Helper()
	d := startWithConfig(t, kind)
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pool := daemontest.Name(t, "lxdngc3-p")
	mustReal(t, d, "image", "import", img.Unified, "--alias", "busybox")
	mustReal(t, d, "storage", "create", pool, "dir")
	mustReal(t, d, "profile", "device", "add", "default", "root", "disk", "path=/", "pool="+pool)
	cleanupReal(t, d, []string{"profile", "device", "remove", "default", "root"}, []string{"storage", "delete", pool},
		[]string{"image", "delete", "busybox"})
	return d
}

// instName is a unique instance name of this work ("lxdngc3-xxxxxx").
func instName(t *testing.T) string { return daemontest.Name(t, "lxdngc3-") }

// cleanupInstances force-deletes instances when the test ends (before the
// daemon stops).
func cleanupInstances(t *testing.T, d *daemontest.Daemon, names ...string) {
	t.Cleanup(func() {
		for _, n := range names {
			d.LXC(t, "delete", "-f", n)
		}
	})
}

var progressRedraw = regexp.MustCompile(`(?m)^[^\n]*\r`)

// noProgress drops progress redraws: LXD's client draws progress even when
// stdout is not a terminal (a "\r"-separated line), ours only on a
// terminal. What follows the last "\r" of a line is what a user sees.
func noProgress(s string) string { return progressRedraw.ReplaceAllString(s, "") }

// perInstance are config values that differ for each new instance.
var perInstance = regexp.MustCompile(`(volatile\.[^:\s]*(uuid|instance-id|hwaddr|host_name)): \S+`)

// instTranscript runs steps with one client and records their output.
func instTranscript(t *testing.T, d *daemontest.Daemon, bin string, run clientRun, steps []step) string {
	t.Helper()
	var sb strings.Builder
	for _, s := range steps {
		var r daemontest.Result
		switch {
		case s.inspect:
			r = d.LXC(t, s.args...)
		case s.stdin != "":
			r = withStdin(t, d, bin, s.stdin, s.args...)
		default:
			r = run(t, s.args...)
		}
		out := perInstance.ReplaceAllString(noProgress(r.Stdout)+noProgress(r.Stderr), "$1: <per-instance>")
		fmt.Fprintf(&sb, "$ lxc %s\n%s[exit %d]\n", strings.Join(s.args, " "), out, r.ExitCode)
	}
	return sb.String()
}

// instScenario runs the steps with the real client, then with ours, and
// compares the transcripts. Steps must leave the daemon as they found it.
func instScenario(t *testing.T, d *daemontest.Daemon, steps []step) string {
	t.Helper()
	real := instTranscript(t, d, "/usr/bin/lxc", d.LXC, steps)
	ours := instTranscript(t, d, daemontest.Binary(t, "lxc"), d.OurLXC, steps)
	if real != ours {
		t.Errorf("scenario transcripts differ:\n%s\nfull real transcript:\n%s", lineDiff(real, ours), real)
	}
	return ours
}

// withIn is a step fed with stdin.
func withIn(stdin string, args ...string) step { return step{args: args, stdin: stdin} }

// sameOutputs compares both clients on read-only commands.
func sameOutputs(t *testing.T, d *daemontest.Daemon, cmds ...[]string) {
	t.Helper()
	for _, c := range cmds {
		real, ours := d.LXC(t, c...), d.OurLXC(t, c...)
		real.Stdout, real.Stderr = noProgress(real.Stdout), noProgress(real.Stderr)
		if real != ours {
			t.Errorf("lxc %s differs:\nreal: %s\nours: %s", strings.Join(c, " "), describe(real), describe(ours))
		}
	}
}

// ourLXC runs our client and fails the test unless it exits 0.
func ourLXC(t *testing.T, d *daemontest.Daemon, args ...string) string {
	t.Helper()
	r := d.OurLXC(t, args...)
	if r.ExitCode != 0 {
		t.Fatalf("our lxc %s: %s", strings.Join(args, " "), describe(r))
	}
	return r.Stdout
}

// bothKinds runs a test body against LXD 5.0.2 and against our daemon.
func bothKinds(t *testing.T, body func(t *testing.T, d *daemontest.Daemon)) {
	for _, kind := range []daemontest.Kind{daemontest.Reference, daemontest.Ours} {
		t.Run(string(kind), func(t *testing.T) { body(t, instDaemon(t, kind)) })
	}
}

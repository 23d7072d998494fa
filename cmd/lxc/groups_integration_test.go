//go:build integration

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// These tests drive OUR lxc and the real lxc 5.0.2 against the SAME
// daemon and require identical stdout, stderr and exit codes: read-only
// commands side by side, and scenarios (create, change, delete) run once
// with each client so both transcripts can be compared.

// clientRun is one client's way of running a command line.
type clientRun func(t testing.TB, args ...string) daemontest.Result

// step is one command of a scenario; stdin is fed to it when not empty.
// Inspection steps always use the real client (for commands outside this
// work, like `config device show`).
type step struct {
	args    []string
	stdin   string
	inspect bool
}

func cmd(args ...string) step     { return step{args: args} }
func inspect(args ...string) step { return step{args: args, inspect: true} }

// sameOutput runs both clients and fails on any difference.
func sameOutput(t *testing.T, d *daemontest.Daemon, args ...string) {
	t.Helper()
	real, ours := d.LXC(t, args...), d.OurLXC(t, args...)
	real.Stdout, ours.Stdout = normalize(real.Stdout), normalize(ours.Stdout)
	if real != ours {
		t.Errorf("lxc %s differs:\nreal: %s\nours: %s", strings.Join(args, " "), describe(real), describe(ours))
	}
}

func describe(r daemontest.Result) string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.ExitCode, r.Stdout, r.Stderr)
}

// withStdin runs a client with stdin (for `edit` from a file); the
// daemontest runners have no stdin.
func withStdin(t testing.TB, d *daemontest.Daemon, bin, stdin string, args ...string) daemontest.Result {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	c.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	r := daemontest.Result{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s %v: %v", bin, args, err)
	}
	return r
}

// runHost runs a host command for a fixture.
func runHost(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

// transcript runs a scenario with one client and returns everything it
// printed, each command's output followed by its exit code.
func transcript(t *testing.T, d *daemontest.Daemon, bin string, run clientRun, steps []step) string {
	t.Helper()
	var sb strings.Builder
	for _, s := range steps {
		var r daemontest.Result
		switch {
		case s.inspect:
			r = d.LXC(t, s.args...)
		case s.stdin != "":
			r = withStdin(t, d, bin, s.stdin, s.args...)
		case bin == realClient:
			r = realClientStep(t, d, s.args)
		default:
			r = run(t, s.args...)
		}
		fmt.Fprintf(&sb, "$ lxc %s\n%s%s[exit %d]\n", strings.Join(s.args, " "), r.Stdout, r.Stderr, r.ExitCode)
	}
	return sb.String()
}

// realClient is the real lxc 5.0.2.
const realClient = "/usr/bin/lxc"

// realClientStep runs one step with the real client, once more if it hung:
// LXD 5.0.2's client can miss the end of an operation it waits for
// (seen once on `lxc image import` of an image already there) and would
// wait forever. The retry is logged.
func realClientStep(t *testing.T, d *daemontest.Daemon, args []string) daemontest.Result {
	t.Helper()
	r, hung := d.LXCWithin(t, time.Minute, args...)
	if hung {
		t.Logf("the real lxc hung on %q for a minute; running it again", args)
		r = d.LXC(t, args...)
	}
	return r
}

// sameScenario runs the steps with the real client, then with ours (the
// scenario must leave the daemon as it found it) and compares.
func sameScenario(t *testing.T, d *daemontest.Daemon, steps []step) {
	t.Helper()
	real := normalize(transcript(t, d, realClient, d.LXC, steps))
	ours := normalize(transcript(t, d, daemontest.Binary(t, "lxc"), d.OurLXC, steps))
	if real != ours {
		t.Errorf("scenario transcripts differ:\n%s", lineDiff(real, ours))
	}
}

// lineDiff shows the first differing lines of two transcripts.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var sb strings.Builder
	shown := 0
	for i := 0; i < max(len(al), len(bl)) && shown < 20; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&sb, "line %d\n  real: %q\n  ours: %q\n", i+1, x, y)
			shown++
		}
	}
	return sb.String()
}

// mustReal runs the real client and fails on error (fixtures).
func mustReal(t *testing.T, d *daemontest.Daemon, args ...string) {
	t.Helper()
	d.MustLXC(t, args...)
}

// cleanupReal registers best-effort deletions run before the daemon stops.
func cleanupReal(t *testing.T, d *daemontest.Daemon, cmds ...[]string) {
	t.Cleanup(func() {
		for _, c := range cmds {
			d.LXC(t, c...)
		}
	})
}

// formats are the list output formats compared for every list command.
var formats = []string{"table", "csv", "json", "yaml", "compact"}

// writeTinyImage writes a unified image and a split pair (metadata and
// rootfs tarballs) into dir, built with tar from the host.
func writeTinyImage(t *testing.T, dir string) (unified, meta, rootfs string) {
	t.Helper()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	yaml := "architecture: x86_64\ncreation_date: 1700000000\nproperties:\n  description: lxdng test image\n  os: busybox\n  release: \"1\"\n"
	if err := os.WriteFile(filepath.Join(src, "metadata.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "rootfs", "hello"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unified, meta, rootfs = filepath.Join(dir, "unified.tar.gz"), filepath.Join(dir, "meta.tar.gz"), filepath.Join(dir, "rootfs.tar.gz")
	for _, c := range [][]string{
		{"tar", "-C", src, "-czf", unified, "metadata.yaml", "rootfs"},
		{"tar", "-C", src, "-czf", meta, "metadata.yaml"},
		{"tar", "-C", filepath.Join(src, "rootfs"), "-czf", rootfs, "."},
	} {
		runHost(t, c...)
	}
	return unified, meta, rootfs
}

// startWithConfig starts a daemon and lets the real client write its
// config.yml, so neither client prints the first-run greeting later.
func startWithConfig(t *testing.T, kind daemontest.Kind) *daemontest.Daemon {
	t.Helper()
	d := daemontest.StartWith(t, daemontest.Options{Kind: kind})
	mustReal(t, d, "remote", "list")
	return d
}

// normalize removes what legitimately differs between two runs: live
// traffic counters, and the order of map-printed blocks (the real client
// prints image properties in Go map order).
func normalize(out string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "Bytes ") || strings.HasPrefix(trimmed, "Packets ") {
			if k, _, ok := strings.Cut(l, ":"); ok {
				lines[i] = k + ": <counter>"
			}
		}
	}
	for i := 0; i < len(lines); i++ {
		if !strings.HasSuffix(strings.TrimSpace(lines[i]), "Properties:") && strings.TrimSpace(lines[i]) != "properties:" {
			continue
		}
		start := i + 1
		indent := leadingSpaces(lines[i]) + 1
		end := start
		for end < len(lines) && lines[end] != "" && leadingSpaces(lines[end]) >= indent {
			end++
		}
		sort.Strings(lines[start:end])
		i = end
	}
	return strings.Join(lines, "\n")
}

func leadingSpaces(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

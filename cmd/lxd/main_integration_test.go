//go:build integration

package main_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

func lxdCmd(t *testing.T, d *daemontest.Daemon, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(daemontest.Binary(t, "lxd"), args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestLXDSubcommands(t *testing.T) {
	d := daemontest.Start(t)
	if out, err := lxdCmd(t, d, "", "waitready", "--timeout", "10"); err != nil {
		t.Fatalf("waitready: %v %s", err, out)
	}
	if out, _ := lxdCmd(t, d, "", "version"); strings.TrimSpace(out) != "5.0.2" {
		t.Fatalf("version: %q", out)
	}
	out, err := lxdCmd(t, d, "", "sql", "global", "SELECT name FROM projects")
	if err != nil || !strings.Contains(out, "| default |") {
		t.Fatalf("sql select: %v\n%s", err, out)
	}
	out, err = lxdCmd(t, d, "", "sql", "global", "INSERT INTO config (key, value) VALUES ('user.sql', 'x')")
	if err != nil || !strings.Contains(out, "Rows affected: 1") {
		t.Fatalf("sql exec: %v\n%s", err, out)
	}
	if out, err := lxdCmd(t, d, "", "sql", "global", "SELECT nosuch FROM nowhere"); err == nil {
		t.Fatalf("bad sql accepted: %s", out)
	}
	if out, err := lxdCmd(t, d, "", "sql", "local", "SELECT 1"); err == nil || !strings.Contains(out, "daemon.yaml") {
		t.Fatalf("sql local: %v %s", err, out)
	}
}

func TestInitPreseedAndDump(t *testing.T) {
	d := daemontest.Start(t)
	preseed := "config:\n  images.auto_update_interval: \"15\"\n  core.https_address: 127.0.0.1:0\n"
	if out, err := lxdCmd(t, d, preseed, "init", "--preseed"); err != nil {
		t.Fatalf("preseed: %v %s", err, out)
	}
	out, err := lxdCmd(t, d, "", "init", "--dump")
	if err != nil || !strings.Contains(out, "images.auto_update_interval: \"15\"") {
		t.Fatalf("dump: %v\n%s", err, out)
	}
	if out, err := lxdCmd(t, d, "config: [not, a, map]\n", "init", "--preseed"); err == nil {
		t.Fatalf("bad preseed accepted: %s", out)
	}
	if out, err := lxdCmd(t, d, "config:\n  core.bogus: x\n", "init", "--preseed"); err == nil || !strings.Contains(out, "unknown key") {
		t.Fatalf("preseed with bad key: %v %s", err, out)
	}
}

func TestShutdownAndRestartKeepState(t *testing.T) {
	d := daemontest.Start(t)
	d.MustLXC(t, "config", "set", "images.auto_update_interval", "9")
	pid := d.PID()
	if out, err := lxdCmd(t, d, "", "shutdown", "--timeout", "30"); err != nil {
		t.Fatalf("shutdown: %v %s", err, out)
	}
	daemontest.Eventually(t, 30*time.Second, "daemon process to exit", func() bool {
		p, err := os.FindProcess(pid)
		return err != nil || p.Signal(nil) != nil || isZombie(pid)
	})
	d.Restart()
	if got := strings.TrimSpace(d.MustLXC(t, "config", "get", "images.auto_update_interval")); got != "9" {
		t.Fatalf("config lost across restart: %q", got)
	}
}

func isZombie(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(data))
	return len(fields) > 2 && fields[2] == "Z"
}

//go:build integration

package api_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/drivers/instance/idmap"
)

func uidMap(t *testing.T, pid int64) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/uid_map", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(data)), " ")
}

// TestInstanceIdmapLimits: the default id map comes from /etc/subuid,
// isolated instances get distinct ranges, privileged instances run unmapped; volatile.idmap.* follow; instance
// types set limits.cpu/limits.memory and limits.kernel.* reach init.
func TestInstanceIdmapLimits(t *testing.T) {
	d := daemontest.Start(t)
	e := newInstEnv(t, d)
	host, err := idmap.HostSet("/etc/subuid", "/etc/subgid", "root")
	if err != nil {
		t.Fatal(err)
	}
	def, iso1, iso2, priv := daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c"), daemontest.Name(t, "c")
	e.newBusybox(t, def, "-c", "limits.kernel.nofile=512", "-t", "c2-m1")
	e.newBusybox(t, iso1, "-c", "security.idmap.isolated=true")
	e.newBusybox(t, iso2, "-c", "security.idmap.isolated=true")
	e.newBusybox(t, priv, "-c", "security.privileged=true")
	for _, n := range []string{def, iso1, iso2, priv} {
		d.MustLXC(t, "start", n)
	}
	cfg := e.get(t, def).Config
	if cfg["volatile.idmap.base"] != "0" || cfg["volatile.idmap.current"] != cfg["volatile.idmap.next"] ||
		cfg["volatile.last_state.idmap"] != cfg["volatile.idmap.current"] {
		t.Fatalf("volatile idmap keys: %v", cfg)
	}
	if cfg["limits.cpu"] != "2" || cfg["limits.memory"] != "1024MB" {
		t.Fatalf("instance type c2-m1: %v", cfg)
	}
	pid := e.state(t, def).Pid
	if m := uidMap(t, pid); m != fmt.Sprintf("0 %d %d", host[0].Hostid, host[0].Maprange) {
		t.Fatalf("default uid_map %q", m)
	}
	limits, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if !strings.Contains(strings.Join(strings.Fields(string(limits)), " "), "Max open files 512 512") {
		t.Fatalf("limits.kernel.nofile: %s", limits)
	}
	b1, b2 := e.get(t, iso1).Config["volatile.idmap.base"], e.get(t, iso2).Config["volatile.idmap.base"]
	if b1 == "0" || b2 == "0" || b1 == b2 {
		t.Fatalf("isolated bases %s %s", b1, b2)
	}
	if m := uidMap(t, e.state(t, iso1).Pid); !strings.HasPrefix(m, "0 "+b1+" 65536") {
		t.Fatalf("isolated uid_map %q (base %s)", m, b1)
	}
	if m := uidMap(t, e.state(t, priv).Pid); m != "0 0 4294967295" {
		t.Fatalf("privileged uid_map %q", m)
	}
	if cfg := e.get(t, priv).Config; cfg["volatile.idmap.current"] != "[]" {
		t.Fatalf("privileged volatile.idmap.current %q", cfg["volatile.idmap.current"])
	}
}

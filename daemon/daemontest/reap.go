package daemontest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// reap removes what a stopped daemon left behind under base: a daemon
// stopped with SIGTERM (or killed) keeps its containers, dnsmasq and
// forwarders running, as LXD does, so a test that did not delete them
// would leak them into the next test. Everything reaped was started by
// this test (found by its LXD_DIR); it is logged so the leak is visible.
func (d *Daemon) reap(t testing.TB, base string) {
	if pids := processesUnder(base); len(pids) > 0 {
		t.Logf("reaping %d processes left under %s", len(pids), base)
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	unmountUnder(base)
	entries, _ := os.ReadDir(filepath.Join(d.Dir, "networks"))
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("/sys/class/net", e.Name())); err == nil {
			t.Logf("reaping leftover interface %s", e.Name())
			_ = exec.Command("ip", "link", "del", e.Name()).Run()
		}
	}
	if d.Kind != Ours {
		reapReferenceTables(t)
		return
	}
	table := firewallTable(d.Dir)
	if exec.Command("nft", "list", "table", "inet", table).Run() == nil {
		t.Logf("reaping leftover nft table %s", table)
		_ = exec.Command("nft", "delete", "table", "inet", table).Run()
	}
}

// firewallTable is the name our daemon gives its nftables table (see
// firewallTable in package daemon).
func firewallTable(dir string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(dir)))
	return "lxdng_" + hex.EncodeToString(sum[:])[:8]
}

// processesUnder returns the processes whose command line names a path
// under base ([lxc monitor], dnsmasq, forkproxy...) and all their
// descendants (a container's init is the monitor's child).
func processesUnder(base string) []int {
	parent := map[int]int{}
	var roots []int
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cmdline, err := os.ReadFile("/proc/" + p.Name() + "/cmdline"); err == nil && bytes.Contains(cmdline, []byte(base+"/")) {
			roots = append(roots, pid)
		}
		if ppid := parentOf(pid); ppid > 0 {
			parent[pid] = ppid
		}
	}
	out := map[int]bool{}
	for _, r := range roots {
		out[r] = true
	}
	for changed := true; changed; {
		changed = false
		for pid, ppid := range parent {
			if out[ppid] && !out[pid] {
				out[pid], changed = true, true
			}
		}
	}
	pids := make([]int, 0, len(out))
	for pid := range out {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	return pids
}

func parentOf(pid int) int {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may hold spaces: fields
	// start after the last ")".
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// unmountUnder lazily unmounts every mount below base, deepest first, so
// removing base never reaches through a mount into what it shows.
func unmountUnder(base string) {
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	var targets []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 1 && strings.HasPrefix(fields[1], base+"/") {
			targets = append(targets, fields[1])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(targets)))
	for _, target := range targets {
		_ = syscall.Unmount(target, syscall.MNT_DETACH)
	}
}

// reapReferenceTables removes LXD 5.0.2's nftables tables ("lxd", shared
// by every LXD on the host, left in place at its shutdown) once no LXD
// 5.0.2 daemon runs any more.
func reapReferenceTables(t testing.TB) {
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if exe, err := os.Readlink("/proc/" + p.Name() + "/exe"); err == nil && exe == "/usr/bin/lxd" {
			return
		}
	}
	for _, family := range []string{"inet", "bridge"} {
		if exec.Command("nft", "list", "table", family, "lxd").Run() == nil {
			_ = exec.Command("nft", "delete", "table", family, "lxd").Run()
		}
	}
}

package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/report"
)

// machineInfo describes this host: CPU model, cores, RAM, kernel, OS.
func machineInfo() report.Machine {
	m := report.Machine{Cores: runtime.NumCPU()}
	m.CPU = firstField("/proc/cpuinfo", "model name", ":")
	if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(firstField("/proc/meminfo", "MemTotal", ":")), " kB")); err == nil {
		m.MemoryMiB = kb / 1024
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.Kernel = utsString(u.Release[:]) + " " + utsString(u.Machine[:])
	}
	m.OS = strings.Trim(firstField("/etc/os-release", "PRETTY_NAME", "="), `"`)
	return m
}

// firstField returns the value of the first "key<sep>value" line of path.
func firstField(path, key, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func utsString(b []int8) string {
	var sb strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

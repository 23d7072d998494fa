package lxc

import (
	"reflect"
	"strings"
	"testing"
)

var hybridHost = host{
	v1: map[string]string{"memory": "/sys/fs/cgroup/memory", "cpu": "/sys/fs/cgroup/cpu", "cpuset": "/sys/fs/cgroup/cpuset",
		"pids": "/sys/fs/cgroup/pids", "devices": "/sys/fs/cgroup/devices", "cpuacct": "/sys/fs/cgroup/cpuacct"},
	v2: map[string]bool{"hugetlb": true}, unified: "/sys/fs/cgroup/unified",
	cpus: 4, memory: 8 << 30, hugepages: map[string]bool{"2MB": true, "1GB": true},
}

var v2Host = host{
	v1: map[string]string{}, unified: "/sys/fs/cgroup",
	v2:   map[string]bool{"memory": true, "cpu": true, "cpuset": true, "pids": true, "hugetlb": true},
	cpus: 2, memory: 4 << 30, hugepages: map[string]bool{"2MB": true},
}

func TestLimitItems(t *testing.T) {
	tests := []struct {
		name    string
		host    host
		cfg     map[string]string
		reset   bool
		want    []cgroupItem
		wantErr string
	}{
		{"nothing", hybridHost, map[string]string{}, false, nil, ""},
		{"memory hard", hybridHost, map[string]string{"limits.memory": "64MiB"}, false, []cgroupItem{
			{"memory", "memory.limit_in_bytes", "67108864"}, {"memory", "memory.soft_limit_in_bytes", "60397977"}}, ""},
		{"memory soft no swap", hybridHost, map[string]string{"limits.memory": "64MiB", "limits.memory.enforce": "soft", "limits.memory.swap": "false"}, false, []cgroupItem{
			{"memory", "memory.limit_in_bytes", "-1"}, {"memory", "memory.soft_limit_in_bytes", "67108864"}, {"memory", "memory.swappiness", "0"}}, ""},
		{"memory percent", hybridHost, map[string]string{"limits.memory": "50%"}, false, []cgroupItem{
			{"memory", "memory.limit_in_bytes", "4294967296"}, {"memory", "memory.soft_limit_in_bytes", "3865470566"}}, ""},
		{"swap priority", hybridHost, map[string]string{"limits.memory.swap.priority": "5"}, false, []cgroupItem{
			{"memory", "memory.swappiness", "55"}}, ""},
		{"cpu like lxd", hybridHost, map[string]string{"limits.cpu.allowance": "50%", "limits.cpu.priority": "5"}, false, []cgroupItem{
			{"cpu", "cpu.shares", "507"}, {"cpu", "cpu.cfs_period_us", "100000"}, {"cpu", "cpu.cfs_quota_us", "-1"}}, ""},
		{"cpu slice", hybridHost, map[string]string{"limits.cpu.allowance": "25ms/100ms", "limits.cpu.priority": "5"}, false, []cgroupItem{
			{"cpu", "cpu.shares", "1019"}, {"cpu", "cpu.cfs_period_us", "100000"}, {"cpu", "cpu.cfs_quota_us", "25000"}}, ""},
		{"cpu count", hybridHost, map[string]string{"limits.cpu": "2"}, false, []cgroupItem{{"cpuset", "cpuset.cpus", "0-1"}}, ""},
		{"cpu one", hybridHost, map[string]string{"limits.cpu": "1"}, false, []cgroupItem{{"cpuset", "cpuset.cpus", "0"}}, ""},
		{"cpu more than host", hybridHost, map[string]string{"limits.cpu": "16"}, false, []cgroupItem{{"cpuset", "cpuset.cpus", "0-3"}}, ""},
		{"cpu list", hybridHost, map[string]string{"limits.cpu": "0,2-3"}, false, []cgroupItem{{"cpuset", "cpuset.cpus", "0,2-3"}}, ""},
		{"processes", hybridHost, map[string]string{"limits.processes": "100"}, false, []cgroupItem{{"pids", "pids.max", "100"}}, ""},
		{"hugepages v2", hybridHost, map[string]string{"limits.hugepages.2MB": "4MiB"}, false, []cgroupItem{{"hugetlb", "hugetlb.2MB.max", "4194304"}}, ""},
		{"reset restores defaults", hybridHost, map[string]string{}, true, []cgroupItem{
			{"memory", "memory.limit_in_bytes", "-1"}, {"memory", "memory.soft_limit_in_bytes", "-1"}, {"memory", "memory.swappiness", "60"},
			{"cpu", "cpu.shares", "1024"}, {"cpu", "cpu.cfs_period_us", "100000"}, {"cpu", "cpu.cfs_quota_us", "-1"},
			{"cpuset", "cpuset.cpus", "0-3"}, {"pids", "pids.max", "max"},
			{"hugetlb", "hugetlb.2MB.max", "max"}, {"hugetlb", "hugetlb.1GB.max", "max"}}, ""},
		{"v2 memory and cpu", v2Host, map[string]string{"limits.memory": "1GiB", "limits.memory.swap": "false", "limits.cpu.allowance": "50ms/100ms"}, false, []cgroupItem{
			{"memory", "memory.max", "1073741824"}, {"memory", "memory.high", "max"}, {"memory", "memory.swap.max", "0"},
			{"cpu", "cpu.weight", "100"}, {"cpu", "cpu.max", "50000 100000"}}, ""},
		{"bad memory", hybridHost, map[string]string{"limits.memory": "lots"}, false, nil, "Invalid limits.memory"},
		{"bad cpu range", hybridHost, map[string]string{"limits.cpu": "3-1"}, false, nil, "Invalid limits.cpu"},
		{"cpu beyond host", hybridHost, map[string]string{"limits.cpu": "0-7"}, false, nil, "4 CPUs"},
		{"bad allowance", hybridHost, map[string]string{"limits.cpu.allowance": "150%"}, false, nil, "Invalid limits.cpu.allowance"},
		{"bad priority", hybridHost, map[string]string{"limits.cpu.priority": "11"}, false, nil, "Invalid limits.cpu.priority"},
		{"missing hugepage size", hybridHost, map[string]string{"limits.hugepages.64KB": "1MiB"}, false, nil, "no 64KB hugepages"},
		{"bad processes", hybridHost, map[string]string{"limits.processes": "0"}, false, nil, "Invalid limits.processes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := limitItems(tt.cfg, tt.host, limitOpts{reset: tt.reset})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestValidPrlimit(t *testing.T) {
	for v, ok := range map[string]bool{"unlimited": true, "1024": true, "1024:4096": true, "1024:unlimited": true, "x": false, "1:2:3": false, "-1": false} {
		if err := validPrlimit(v); (err == nil) != ok {
			t.Errorf("validPrlimit(%q) = %v", v, err)
		}
	}
}

package instconfig

import (
	"testing"

	"github.com/lxdng/lxd/shared/config"
)

// The expected texts were read from the LXD 5.0.2 reference daemon
// (POST /1.0/profiles and PATCH /1.0/instances/c1 with each value).
func TestValidateConfigProfile(t *testing.T) {
	tests := []struct {
		key, value, wantErr string
	}{
		{"bogus.key", "1", "Unknown configuration key: bogus.key"},
		{"limits.memory", "lots", "Invalid value: lots"},
		{"limits.memory", "50%", ""},
		{"limits.memory", "150%", ""},
		{"limits.memory", "512MB", ""},
		{"limits.cpu", "abc", "Invalid CPU limit syntax"},
		{"limits.cpu", "2,", "Invalid CPU limit syntax"},
		{"limits.cpu", "0-3", ""},
		{"limits.cpu", "0,2", ""},
		{"limits.cpu", "3-1", ""},
		{"limits.cpu", "4", ""},
		{"boot.autostart", "maybe", `Invalid value for a boolean "maybe"`},
		{"boot.autostart.delay", "x", `Invalid value for an integer "x"`},
		{"boot.autostart.priority", "-1", ""},
		{"boot.host_shutdown_timeout", "x", `Invalid value for an integer "x"`},
		{"boot.stop.priority", "x", `Invalid value for an integer "x"`},
		{"cluster.evacuate", "x", `Invalid value "x" (not one of [auto migrate live-migrate stop])`},
		{"cluster.evacuate", "auto", ""},
		{"environment.FOO", "bar", ""},
		{"environment.x.y", "bar", ""},
		{"limits.cpu.allowance", "50%", ""},
		{"limits.cpu.allowance", "25ms/100ms", ""},
		{"limits.cpu.allowance", "150%", ""},
		{"limits.cpu.allowance", "x", "Invalid allowance: x"},
		{"limits.cpu.priority", "11", `Invalid value for a limit "11". Must be between 0 and 10`},
		{"limits.disk.priority", "x", `Invalid value for an integer "x"`},
		{"limits.hugepages.2MB", "x", "Invalid value: x"},
		{"limits.hugepages.2MB", "10MB", ""},
		{"limits.hugepages.3MB", "1", "Unknown configuration key: limits.hugepages.3MB"},
		{"limits.kernel.nofile", "1024", ""},
		{"limits.kernel.bogus", "1", ""},
		{"limits.kernel", "1", "Unknown configuration key: limits.kernel"},
		{"limits.memory.enforce", "x", `Invalid value "x" (not one of [soft hard])`},
		{"limits.memory.swap", "x", `Invalid value for a boolean "x"`},
		{"limits.memory.swap.priority", "11", `Invalid value for a limit "11". Must be between 0 and 10`},
		{"limits.network.priority", "x", `Invalid value for an integer "x"`},
		{"limits.processes", "x", `Invalid value for an integer "x"`},
		{"linux.kernel_modules", "a,b", ""},
		{"linux.sysctl.net.ipv4.ip_forward", "1", ""},
		{"linux.sysctl", "1", "Unknown configuration key: linux.sysctl"},
		{"migration.incremental.memory", "x", `Invalid value for a boolean "x"`},
		{"migration.incremental.memory.goal", "true", `Invalid value for uint32 "true": strconv.ParseUint: parsing "true": invalid syntax`},
		{"migration.stateful", "x", `Invalid value for a boolean "x"`},
		{"nvidia.runtime", "x", `Invalid value for a boolean "x"`},
		{"nvidia.driver.capabilities", "compute", ""},
		{"raw.idmap", "both 1000 1000", ""},
		{"raw.lxc", "lxc.foo=bar", ""},
		{"raw.lxc", "lxc.ephemeral=1", "Setting lxc.ephemeral is not allowed"},
		{"raw.qemu", "x", ""},
		{"security.idmap.base", "x", `Invalid value for uint32 "x": strconv.ParseUint: parsing "x": invalid syntax`},
		{"security.syscalls.intercept.mknod", "x", `Invalid value for a boolean "x"`},
		{"security.syscalls.intercept.bogus", "x", "Unknown configuration key: security.syscalls.intercept.bogus"},
		{"security.syscalls.intercept.sysinfo", "true", "Unknown configuration key: security.syscalls.intercept.sysinfo"},
		{"security.syscalls.intercept.mount.allowed", "ext4", ""},
		{"security.syscalls.blacklist", "x", ""},
		{"security.syscalls.whitelist_default", "true", "Unknown configuration key: security.syscalls.whitelist_default"},
		{"snapshots.schedule", "x", "Schedule must be of the form: <minute> <hour> <day-of-month> <month> <day-of-week>"},
		{"snapshots.schedule", "@daily", ""},
		{"snapshots.schedule", "0 6 * * *", ""},
		{"snapshots.schedule", "*/5 0,12 * * MON-FRI", ""},
		{"snapshots.schedule", "@daily, 0 6 * * *", ""},
		{"snapshots.expiry", "x", "Invalid expiry expression"},
		{"snapshots.expiry", "1w", ""},
		{"snapshots.expiry", "1M 2H 3d", ""},
		{"snapshots.pattern", "snap%d", ""},
		{"limits.memory.hugepages", "x", `Invalid value for a boolean "x"`},
		{"security.secureboot", "x", `Invalid value for a boolean "x"`},
		{"security.csm", "true", "Unknown configuration key: security.csm"},
		{"cloud-init.user-data", "true", ""},
		{"cloud-init.network-config", "version: 2", ""},
		{"user.x", "y", ""},
		{"volatile.foo", "x", "Volatile keys can only be set on instances"},
		{"image.description", "x", "Image keys can only be set on instances"},
		{"boot.debug_edk2", "x", "Unknown configuration key: boot.debug_edk2"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			err := ValidateConfig(map[string]string{tt.key: tt.value}, ConfigOpts{Profile: true})
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestValidateConfigInstance(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]string
		opts    ConfigOpts
		wantErr string
	}{
		{"unknown key", map[string]string{"bogus.key": "1"}, ConfigOpts{Type: TypeContainer},
			"Invalid config: Unknown configuration key: bogus.key"},
		{"bad value", map[string]string{"limits.memory": "lots"}, ConfigOpts{Type: TypeContainer},
			"Invalid config: Invalid value: lots"},
		{"image keys allowed", map[string]string{"image.os": "busybox"}, ConfigOpts{Type: TypeContainer}, ""},
		{"known volatile allowed", map[string]string{"volatile.eth0.hwaddr": "00:16:3e:00:00:01", "volatile.apply_template": "create"},
			ConfigOpts{Type: TypeContainer, AllowVolatile: true}, ""},
		{"unknown volatile", map[string]string{"volatile.eth0.bogus": "1"}, ConfigOpts{Type: TypeContainer, AllowVolatile: true},
			"Invalid config: Unknown configuration key: volatile.eth0.bogus"},
		{"volatile refused unless allowed", map[string]string{"volatile.apply_template": "create"}, ConfigOpts{Type: TypeContainer},
			"Invalid config: Unknown configuration key: volatile.apply_template"},
		{"volatile uuid", map[string]string{"volatile.uuid": "x"}, ConfigOpts{Type: TypeContainer, AllowVolatile: true},
			"Invalid config: Invalid UUID"},
		{"vm key on container", map[string]string{"raw.qemu": "x"}, ConfigOpts{Type: TypeContainer},
			"Invalid config: Unknown configuration key: raw.qemu"},
		{"container key on vm", map[string]string{"raw.lxc": "x=y"}, ConfigOpts{Type: TypeVM},
			"Invalid config: Unknown configuration key: raw.lxc"},
		{"first sorted error wins", map[string]string{"zz.bogus": "1", "aa.bogus": "1"}, ConfigOpts{Type: TypeContainer},
			"Invalid config: Unknown configuration key: aa.bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, ValidateConfig(tt.cfg, tt.opts), tt.wantErr)
		})
	}
}

func TestRawLXC(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"lxc.apparmor.profile=unconfined\n# comment\n\n", ""},
		{"lxc.log.file = /tmp/x", "Setting lxc.logfile is not allowed"},
		{"lxc.prlimit.nofile=10", `Process limits should be set via "limits.kernel.[limit name]" and not directly via "lxc.prlimit.[limit name]"`},
		{"lxc.net.0.ipv4.address=10.0.0.2/24", ""},
		{"lxc.net.0.ipv4.gateway=10.0.0.1", ""},
		{"lxc.net.0.link=br0", "Only interface-specific ipv4/ipv6 lxc.net. keys are allowed"},
		{"garbage", "Invalid raw.lxc line: garbage"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) { checkErr(t, isRawLXC(tt.in), tt.wantErr) })
	}
}

func TestCPUCount(t *testing.T) {
	tests := []struct {
		in        string
		count     int64
		plain     bool
		wantError bool
	}{
		{"4", 4, true, false},
		{"0-3", 4, false, false},
		{"0,2", 2, false, false},
		{"0-1,4-5,7", 5, false, false},
		{"x", 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, plain, err := CPUCount(tt.in)
			if (err != nil) != tt.wantError || n != tt.count || plain != tt.plain {
				t.Fatalf("CPUCount(%q) = %d, %v, %v", tt.in, n, plain, err)
			}
		})
	}
}

func TestKeyTables(t *testing.T) {
	all := Schema("")
	for name, key := range all {
		if key.Help == "" {
			t.Errorf("key %s has no help text", name)
		}
	}
	if _, ok := Schema(TypeContainer)["security.secureboot"]; ok {
		t.Error("VM-only key in the container table")
	}
	if _, ok := Schema(TypeVM)["security.nesting"]; ok {
		t.Error("container-only key in the VM table")
	}
	extra := Schema(TypeContainer, config.Schema{"driver.key": {Help: "x"}})
	if _, ok := extra["driver.key"]; !ok {
		t.Error("extra keys not merged")
	}
	if !IsKnownKey("volatile.eth0.hwaddr") || IsKnownKey("nope") {
		t.Error("IsKnownKey wrong")
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("expected error %q, got none", want)
	case want != "" && err.Error() != want:
		t.Fatalf("error = %q, want %q", err.Error(), want)
	}
}

// TestSyscallKeysExclusive: LXD refuses a syscall key with its old name,
// and an allow list with any deny key, when the config is set.
func TestSyscallKeysExclusive(t *testing.T) {
	tests := []struct {
		cfg     map[string]string
		wantErr string
	}{
		{map[string]string{"security.syscalls.deny": "mount"}, ""},
		{map[string]string{"security.syscalls.allow": "read", "security.syscalls.deny_compat": "false"}, ""},
		{map[string]string{"security.syscalls.deny_default": "true", "security.syscalls.blacklist_default": "true"},
			"Mutually exclusive keys security.syscalls.deny_default and security.syscalls.blacklist_default are set"},
		{map[string]string{"security.syscalls.deny_compat": "true", "security.syscalls.blacklist_compat": "true"},
			"Mutually exclusive keys security.syscalls.deny_compat and security.syscalls.blacklist_compat are set"},
		{map[string]string{"security.syscalls.allow": "read", "security.syscalls.deny": "mount"},
			"security.syscalls.allow is mutually exclusive with security.syscalls.deny*"},
		{map[string]string{"security.syscalls.whitelist": "read", "security.syscalls.blacklist": "mount"},
			"security.syscalls.allow is mutually exclusive with security.syscalls.deny*"},
	}
	for _, tt := range tests {
		err := ValidateConfig(tt.cfg, ConfigOpts{Profile: true})
		if tt.wantErr == "" && err != nil {
			t.Errorf("%v: %v", tt.cfg, err)
		}
		if tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
			t.Errorf("%v: err = %v, want %q", tt.cfg, err, tt.wantErr)
		}
	}
}

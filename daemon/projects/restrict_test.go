package projects

import (
	"testing"
)

type devs = map[string]map[string]string

// The expected texts were read from LXD 5.0.2 (instance creation in a
// restricted project, "Failed checking if instance creation allowed: "
// stripped).
func TestCheckRestrictions(t *testing.T) {
	restricted := map[string]string{"restricted": "true", "features.profiles": "true"}
	with := func(kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range restricted {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	ct := func(cfg map[string]string, d devs) InstanceCheck {
		return InstanceCheck{Name: "r1", Type: "container", Config: cfg, Devices: d}
	}
	tests := []struct {
		name    string
		project map[string]string
		c       InstanceCheck
		wantErr string
	}{
		{"not restricted", map[string]string{"restricted.containers.privilege": "unprivileged"},
			ct(map[string]string{"security.privileged": "true"}, nil), ""},
		{"privileged", restricted, ct(map[string]string{"security.privileged": "true"}, nil),
			`Invalid value "true" for config "security.privileged" on container "r1" of project "p": Privileged containers are forbidden`},
		{"unprivileged is fine", restricted, ct(map[string]string{"security.privileged": "false"}, nil), ""},
		{"privilege allowed", with("restricted.containers.privilege", "allow"), ct(map[string]string{"security.privileged": "true"}, nil), ""},
		{"isolated required", with("restricted.containers.privilege", "isolated"), ct(map[string]string{"security.idmap.isolated": "false"}, nil),
			`Invalid value "false" for config "security.idmap.isolated" on container "r1" of project "p": Non-isolated containers are forbidden`},
		{"profile entity", restricted, InstanceCheck{Name: "default", Config: map[string]string{"security.privileged": "true"}},
			`Invalid value "true" for config "security.privileged" on  "default" of project "p": Privileged containers are forbidden`},
		{"nesting", restricted, ct(map[string]string{"security.nesting": "true"}, nil),
			`Invalid value "true" for config "security.nesting" on container "r1" of project "p": Container nesting is forbidden`},
		{"nesting allowed", with("restricted.containers.nesting", "allow"), ct(map[string]string{"security.nesting": "true"}, nil), ""},
		{"raw.lxc", restricted, ct(map[string]string{"raw.lxc": "lxc.a=b"}, nil),
			`Use of low-level config "raw.lxc" on container "r1" of project "p" is forbidden`},
		{"lowlevel allowed", with("restricted.containers.lowlevel", "allow"), ct(map[string]string{"raw.lxc": "lxc.a=b"}, nil), ""},
		{"sched_setscheduler is low-level", restricted, ct(map[string]string{"security.syscalls.intercept.sched_setscheduler": "true"}, nil),
			`Use of low-level config "security.syscalls.intercept.sched_setscheduler" on container "r1" of project "p" is forbidden`},
		{"interception", restricted, ct(map[string]string{"security.syscalls.intercept.mknod": "true"}, nil),
			`Invalid value "true" for config "security.syscalls.intercept.mknod" on container "r1" of project "p": Container syscall interception is forbidden`},
		{"interception off is fine", restricted, ct(map[string]string{"security.syscalls.intercept.mknod": "false"}, nil), ""},
		{"interception allowed", with("restricted.containers.interception", "allow"), ct(map[string]string{"security.syscalls.intercept.mount": "true"}, nil), ""},
		{"interception full still blocks (5.0.2)", with("restricted.containers.interception", "full"), ct(map[string]string{"security.syscalls.intercept.bpf": "true"}, nil),
			`Invalid value "true" for config "security.syscalls.intercept.bpf" on container "r1" of project "p": Container syscall interception is forbidden`},
		{"raw.idmap blocked", restricted, ct(map[string]string{"raw.idmap": "both 1000 1000"}, nil),
			`Use of low-level "raw.idmap" element 0 on container "r1" of project "p" is forbidden`},
		{"raw.idmap in range", with("restricted.idmap.uid", "1000-2000", "restricted.idmap.gid", "1000"), ct(map[string]string{"raw.idmap": "both 1000 1000"}, nil), ""},
		{"raw.idmap gid out of range", with("restricted.idmap.uid", "1000-2000", "restricted.idmap.gid", "1000"),
			ct(map[string]string{"raw.idmap": "uid 1000 1000\ngid 1002 1000"}, nil),
			`Use of low-level "raw.idmap" element 1 on container "r1" of project "p" is forbidden`},
		{"raw.idmap bad", restricted, ct(map[string]string{"raw.idmap": "bogus"}, nil), `Invalid ID map line "bogus"`},
		{"limits are fine", restricted, ct(map[string]string{"limits.memory.swap": "true", "security.syscalls.deny": "x"}, nil), ""},
		{"raw.qemu on a profile", restricted, InstanceCheck{Name: "p", Config: map[string]string{"raw.qemu": "-x"}},
			`Use of low-level config "raw.qemu" on profile "p" of project "p" is forbidden`},
		{"profile device entity", restricted, InstanceCheck{Name: "default", Devices: devs{"d": {"type": "usb"}}},
			`Invalid device "d" on profile "default" of project "p": USB devices are forbidden`},
		{"host disk", restricted, ct(nil, devs{"d": {"type": "disk", "source": "/tmp", "path": "/mnt"}}),
			`Invalid device "d" on container "r1" of project "p": Attaching disks not backed by a pool is forbidden`},
		{"root disk always", with("restricted.devices.disk", "block"), ct(nil, devs{"root": {"type": "disk", "path": "/", "pool": "p"}}), ""},
		{"disk blocked", with("restricted.devices.disk", "block"), ct(nil, devs{"d": {"type": "disk", "pool": "p", "source": "v", "path": "/mnt"}}),
			`Invalid device "d" on container "r1" of project "p": Disk devices are forbidden`},
		{"disk path allowed", with("restricted.devices.disk", "allow", "restricted.devices.disk.paths", "/tmp,/srv"),
			ct(nil, devs{"d": {"type": "disk", "source": "/tmp/x", "path": "/mnt"}}), ""},
		{"disk path prefix is not a parent", with("restricted.devices.disk", "allow", "restricted.devices.disk.paths", "/tmp,/srv"),
			ct(nil, devs{"d": {"type": "disk", "source": "/tmpx", "path": "/mnt"}}),
			`Invalid device "d" on container "r1" of project "p": Disk source path "/tmpx" not allowed`},
		{"unmanaged nic", restricted, ct(nil, devs{"d": {"type": "nic", "nictype": "p2p"}}),
			`Invalid device "d" on container "r1" of project "p": Only managed network devices are allowed`},
		{"managed nic", restricted, ct(nil, devs{"d": {"type": "nic", "network": "n"}}), ""},
		{"nic blocked", with("restricted.devices.nic", "block"), ct(nil, devs{"d": {"type": "nic", "network": "n"}}),
			`Invalid device "d" on container "r1" of project "p": Network devices are forbidden`},
		{"unix-char", restricted, ct(nil, devs{"d": {"type": "unix-char", "path": "/dev/null"}}),
			`Invalid device "d" on container "r1" of project "p": Unix character devices are forbidden`},
		{"proxy", restricted, ct(nil, devs{"d": {"type": "proxy"}}),
			`Invalid device "d" on container "r1" of project "p": Proxy devices are forbidden`},
		{"proxy allowed", with("restricted.devices.proxy", "allow"), ct(nil, devs{"d": {"type": "proxy"}}), ""},
		{"usb", restricted, ct(nil, devs{"d": {"type": "usb"}}), `Invalid device "d" on container "r1" of project "p": USB devices are forbidden`},
		{"gpu", restricted, ct(nil, devs{"d": {"type": "gpu"}}), `Invalid device "d" on container "r1" of project "p": GPU devices are forbidden`},
		{"pci", restricted, ct(nil, devs{"d": {"type": "pci"}}), `Invalid device "d" on container "r1" of project "p": PCI devices are forbidden`},
		{"infiniband", restricted, ct(nil, devs{"d": {"type": "infiniband"}}), `Invalid device "d" on container "r1" of project "p": Infiniband devices are forbidden`},
		{"hotplug", restricted, ct(nil, devs{"d": {"type": "unix-hotplug"}}), `Invalid device "d" on container "r1" of project "p": Unix hotplug devices are forbidden`},
		{"unix-block", restricted, ct(nil, devs{"d": {"type": "unix-block"}}), `Invalid device "d" on container "r1" of project "p": Unix block devices are forbidden`},
		{"none is fine", restricted, ct(nil, devs{"d": {"type": "none"}}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, CheckRestrictions("p", tt.project, tt.c), tt.wantErr)
		})
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

package lxc

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/idmap"
)

func testDriver() *Driver {
	return &Driver{opts: Options{LxcPath: "/l", LogDir: "/logs", DevicesDir: "/dev-dir"}, host: hybridHost}
}

var testMap = idmap.Set{
	{Isuid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
	{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
}

func TestRenderConfig(t *testing.T) {
	base := instance.Spec{Ref: instance.Ref{Project: "default", Name: "c1"}, RootfsPath: "/pool/c1/rootfs", Architecture: "x86_64"}
	tests := []struct {
		name     string
		mod      func(s *instance.Spec)
		contains []string
		lacks    []string
		wantErr  string
	}{
		{"unprivileged", func(s *instance.Spec) { s.Idmap = testMap }, []string{
			"lxc.log.file = /logs/default_c1/lxc.log", "lxc.console.logfile = /logs/default_c1/console.log",
			"lxc.uts.name = c1", "lxc.arch = linux64", "lxc.apparmor.profile = unconfined",
			"lxc.rootfs.path = dir:/pool/c1/rootfs", "lxc.rootfs.options = idmap=container",
			"lxc.idmap = u 0 1000000 65536", "lxc.idmap = g 0 1000000 65536",
			"lxc.mount.auto = proc:rw sys:rw cgroup:mixed"},
			[]string{"lxc.cap.drop", "devices.deny"}, ""},
		{"privileged", nil, []string{"lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed",
			"lxc.cap.drop = sys_time sys_module sys_rawio mac_admin mac_override",
			"lxc.cgroup.devices.deny = a", "lxc.cgroup.devices.allow = c 136:* rwm"},
			[]string{"lxc.idmap", "idmap=container"}, ""},
		{"nesting", func(s *instance.Spec) { s.Config = map[string]string{"security.nesting": "true"} },
			[]string{"lxc.mount.auto = proc:rw sys:rw cgroup:rw:force"}, nil, ""},
		{"hostname and env and limits", func(s *instance.Spec) {
			s.Hostname = "web"
			s.Config = map[string]string{"environment.FOO": "a b", "limits.memory": "1GiB", "limits.kernel.nofile": "1024:2048", "linux.sysctl.net.ipv4.ip_forward": "1"}
		}, []string{"lxc.uts.name = web", "lxc.environment = FOO=a b", "lxc.cgroup.memory.limit_in_bytes = 1073741824",
			"lxc.prlimit.nofile = 1024:2048", "lxc.sysctl.net.ipv4.ip_forward = 1"}, nil, ""},
		{"hooks", func(s *instance.Spec) { s.Hooks = instance.Hooks{PostStop: "/bin/lxd callhook stop"} },
			[]string{"lxc.hook.version = 1", "lxc.hook.post-stop = /bin/lxd callhook stop"}, []string{"lxc.hook.pre-start"}, ""},
		{"devices", func(s *instance.Spec) {
			s.Idmap = testMap
			s.Devices = []instance.DeviceSpec{
				{Name: "data", Mounts: []instance.Mount{{Source: "/srv/my data", Target: "/mnt/data", Shift: true, ReadOnly: true, Recursive: true}}},
				{Name: "tmp", Mounts: []instance.Mount{{Source: "tmpfs", Target: "/mnt/tmp", FSType: "tmpfs", Options: []string{"size=1M"}, Optional: true}}},
				{Name: "eth0", NICs: []instance.NIC{{Type: "veth", Name: "eth0", HostName: "veth123", Link: "br0", Hwaddr: "00:16:3e:00:00:01", MTU: 1400}}},
				{Name: "eth1", NICs: []instance.NIC{{Type: "macvlan", Name: "eth1", Link: "enp1s0"}}},
				{Name: "gpu", CgroupRules: []instance.CgroupRule{{Allow: true, Rule: "c 195:* rwm"}}},
			}
		}, []string{
			`lxc.mount.entry = /srv/my\040data mnt/data none rbind,create=dir,ro,idmap=container 0 0`,
			"lxc.mount.entry = tmpfs mnt/tmp tmpfs create=dir,size=1M,optional 0 0",
			"lxc.net.0.type = veth", "lxc.net.0.veth.pair = veth123", "lxc.net.0.link = br0", "lxc.net.0.name = eth0",
			"lxc.net.0.hwaddr = 00:16:3e:00:00:01", "lxc.net.0.mtu = 1400", "lxc.net.0.flags = up",
			"lxc.net.1.type = macvlan", "lxc.net.1.macvlan.mode = bridge", "lxc.net.1.link = enp1s0",
			"lxc.cgroup.devices.allow = c 195:* rwm"}, nil, ""},
		{"routed nic", func(s *instance.Spec) {
			s.Devices = []instance.DeviceSpec{{Name: "eth0", NICs: []instance.NIC{{Type: "phys", Name: "eth0", HostName: "veth9",
				IPv4: []string{"10.0.0.2/32"}, IPv4Gateway: "169.254.0.1", IPv6: []string{"fd00::2/128"}, IPv6Gateway: "fe80::1"}}}}
		}, []string{"lxc.net.0.type = phys", "lxc.net.0.link = veth9", "lxc.net.0.ipv4.address = 10.0.0.2/32",
			"lxc.net.0.ipv4.gateway = 169.254.0.1", "lxc.net.0.ipv6.address = fd00::2/128", "lxc.net.0.ipv6.gateway = fe80::1"}, nil, ""},
		{"bad nic", func(s *instance.Spec) {
			s.Devices = []instance.DeviceSpec{{Name: "e", NICs: []instance.NIC{{Type: "ipvlan", Name: "eth0"}}}}
		}, nil, nil, "Unsupported NIC type"},
		{"bad mount", func(s *instance.Spec) {
			s.Devices = []instance.DeviceSpec{{Name: "m", Mounts: []instance.Mount{{Source: "/a", Target: "rel"}}}}
		}, nil, nil, "Invalid mount"},
		{"bad env", func(s *instance.Spec) { s.Config = map[string]string{"environment.A=B": "x"} }, nil, nil, "Invalid environment variable"},
		{"bad prlimit", func(s *instance.Spec) { s.Config = map[string]string{"limits.kernel.bogus": "1"} }, nil, nil, "Invalid process limit"},
	}
	d := testDriver()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.Config = map[string]string{}
			if tt.mod != nil {
				tt.mod(&s)
			}
			c, err := d.renderConfig(s, d.paths(s.Ref))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := c.String()
			for _, want := range tt.contains {
				if !strings.Contains(got, want+"\n") {
					t.Errorf("config lacks %q:\n%s", want, got)
				}
			}
			for _, no := range tt.lacks {
				if strings.Contains(got, no) {
					t.Errorf("config holds %q", no)
				}
			}
		})
	}
}

func TestPayloadPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/lxc.payload.default_c1", "/lxc.payload.default_c1"},
		{"/lxc.payload.default_c1/init.scope", "/lxc.payload.default_c1"},
		{"/lxc.payload.default_c1-1/.lxc", "/lxc.payload.default_c1-1"},
		{"/elsewhere", "/elsewhere"},
	}
	for _, tt := range tests {
		if got := payloadPath(tt.in, "default_c1"); got != tt.want {
			t.Errorf("payloadPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

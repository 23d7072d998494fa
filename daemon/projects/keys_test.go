package projects

import (
	"testing"
)

// Texts from LXD 5.0.2 (POST /1.0/projects with each key).
func TestValidateConfig(t *testing.T) {
	tests := []struct {
		key, value, wantErr string
	}{
		{"bogus", "x", `Invalid project configuration key "bogus"`},
		{"limits.snapshots", "x", `Invalid project configuration key "limits.snapshots"`},
		{"features.images", "x", `Invalid project configuration key "features.images" value: Invalid value for a boolean "x"`},
		{"features.networks", "true", ""},
		{"limits.instances", "-1", `Invalid project configuration key "limits.instances" value: Invalid value for uint32 "-1": strconv.ParseUint: parsing "-1": invalid syntax`},
		{"limits.cpu", "x", `Invalid project configuration key "limits.cpu" value: Invalid value for uint32 "x": strconv.ParseUint: parsing "x": invalid syntax`},
		{"limits.memory", "50%", `Invalid project configuration key "limits.memory" value: Invalid value: 50%`},
		{"limits.disk", "10GiB", ""},
		{"restricted", "x", `Invalid project configuration key "restricted" value: Invalid value for a boolean "x"`},
		{"restricted.containers.nesting", "x", `Invalid project configuration key "restricted.containers.nesting" value: Invalid value "x" (not one of [block allow])`},
		{"restricted.containers.privilege", "x", `Invalid project configuration key "restricted.containers.privilege" value: Invalid value "x" (not one of [allow unprivileged isolated])`},
		{"restricted.containers.interception", "x", `Invalid project configuration key "restricted.containers.interception" value: Invalid value "x" (not one of [allow block full])`},
		{"restricted.devices.disk", "x", `Invalid project configuration key "restricted.devices.disk" value: Invalid value "x" (not one of [block allow managed])`},
		{"restricted.devices.disk.paths", "x", `Invalid project configuration key "restricted.devices.disk.paths" value: Item "x": Must be absolute file path`},
		{"restricted.devices.usb", "x", `Invalid project configuration key "restricted.devices.usb" value: Invalid value "x" (not one of [block allow])`},
		{"restricted.idmap.uid", "x", `Invalid project configuration key "restricted.idmap.uid" value: Item "x": Invalid number "x"`},
		{"restricted.idmap.uid", "1000-2000,3000", ""},
		{"restricted.networks.subnets", "x", `Invalid project configuration key "restricted.networks.subnets" value: Subnet "x" invalid, must be in the format of "<uplink network>:<subnet>"`},
		{"restricted.networks.subnets", "lxdbr0:10.0.0.0/24", ""},
		{"restricted.networks.uplinks", "x", ""},
		{"restricted.cluster.target", "x", `Invalid project configuration key "restricted.cluster.target" value: Invalid value "x" (not one of [block allow])`},
		{"images.auto_update_interval", "x", `Invalid project configuration key "images.auto_update_interval" value: Invalid value for an integer "x"`},
		{"images.compression_algorithm", "none", ""},
		{"images.compression_algorithm", "gzip --fast", ""},
		{"images.compression_algorithm", "nope -9", `Invalid project configuration key "images.compression_algorithm" value: Invalid compression algorithm "nope"`},
		{"images.default_architecture", "x", `Invalid project configuration key "images.default_architecture" value: Invalid value "x" (not one of [x86_64 armv7l ppc64le s390x mips i686 riscv32 ppc64 mips64 armv6l armv8l aarch64 ppc riscv64])`},
		{"user.foo", "x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			checkErr(t, ValidateConfig(map[string]string{tt.key: tt.value, "features.profiles": "true"}), tt.wantErr)
		})
	}
	checkErr(t, ValidateConfig(map[string]string{"restricted": "true"}), "Projects without their own profiles cannot be restricted")
}

func TestValidateName(t *testing.T) {
	tests := []struct{ name, wantErr string }{
		{"p1", ""},
		{"", "No name provided"},
		{"pj/x", "Project names may not contain slashes"},
		{"a b", "Project names may not contain spaces"},
		{"a_b", "Project names may not contain underscores"},
		{"*", "Reserved project name"},
		{"..", `Invalid project name ".."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, ValidateName(tt.name), tt.wantErr) })
	}
}

func TestKeysHaveHelp(t *testing.T) {
	for name, k := range Keys {
		if k.Help == "" {
			t.Errorf("%s has no help", name)
		}
	}
}

package instconfig

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

type dev = map[string]string

// Expected texts are those of the LXD 5.0.2 reference for POST /1.0/profiles
// with the same devices (ceph is this server's own refusal).
func TestValidateDevicesProfile(t *testing.T) {
	tests := []struct {
		name    string
		devs    Devices
		wantErr string
	}{
		{"no type", Devices{"x": {"path": "/mnt"}}, `Device validation failed for "x": Failed loading device "x": Missing device type in config`},
		{"bad type", Devices{"x": {"type": "bogus"}}, `Device validation failed for "x": Failed loading device "x": Unsupported device type`},
		{"disk empty", Devices{"x": {"type": "disk"}}, `Device validation failed for "x": Disk entry is missing the required "source" or "path" property`},
		{"disk path only", Devices{"x": {"type": "disk", "path": "/mnt"}}, `Device validation failed for "x": Disk entry is missing the required "source" or "path" property`},
		{"disk source only", Devices{"x": {"type": "disk", "source": "/tmp"}}, ""},
		{"root without pool", Devices{"x": {"type": "disk", "path": "/"}}, `Device validation failed for "x": Root disk entry must have a "pool" property set`},
		{"root", Devices{"root": {"type": "disk", "path": "/", "pool": "p", "size": "1GiB", "size.state": "2GiB"}}, ""},
		{"root with source", Devices{"x": {"type": "disk", "path": "/", "pool": "p", "source": "/tmp"}}, `Device validation failed for "x": Root disk entry may not have a "source" property set`},
		{"two roots", Devices{"x": {"type": "disk", "path": "/", "pool": "p"}, "y": {"type": "disk", "path": "/", "pool": "q"}},
			`Device validation failed for "x": More than one disk device uses the same path "/"`},
		{"unknown disk key", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "bogus": "1"}}, `Device validation failed for "x": Invalid device option "bogus"`},
		{"bad readonly", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "readonly": "x"}},
			`Device validation failed for "x": Invalid value for device option "readonly": Invalid value for a boolean "x"`},
		{"bad size", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "size": "x"}},
			`Device validation failed for "x": Invalid value for device option "size": Invalid value: x`},
		{"size not root", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "size": "10GiB"}},
			`Device validation failed for "x": Only the root disk may have a size quota`},
		{"ceph options", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "ceph.user_name": "u"}},
			`Device validation failed for "x": Invalid options ceph.cluster_name/ceph.user_name for source "/tmp"`},
		{"ceph source", Devices{"x": {"type": "disk", "path": "/mnt", "source": "ceph:pool/vol"}},
			`Device validation failed for "x": Disk source "ceph:pool/vol": Ceph and CephFS sources are not supported by this server`},
		{"volume", Devices{"x": {"type": "disk", "path": "/mnt", "source": "vol1", "pool": "p"}}, ""},
		{"volume absolute", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "pool": "p"}},
			`Device validation failed for "x": Storage volumes cannot be specified as absolute paths`},
		{"root shift", Devices{"x": {"type": "disk", "path": "/", "pool": "p", "shift": "true"}},
			`Device validation failed for "x": The "shift" property cannot be used with custom storage volumes (set "security.shifted=true" on the volume instead)`},
		{"relative source", Devices{"x": {"type": "disk", "path": "/mnt", "source": "relative"}},
			`Device validation failed for "x": Source path must be absolute for local sources`},
		{"disk options", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "raw.mount.options": "x", "recursive": "true", "required": "false", "limits.read": "10MB", "propagation": "rshared"}}, ""},
		{"boot.priority", Devices{"x": {"type": "disk", "path": "/mnt", "source": "/tmp", "boot.priority": "x"}},
			`Device validation failed for "x": Invalid value for device option "boot.priority": Invalid value for uint32 "x": strconv.ParseUint: parsing "x": invalid syntax`},
		{"nic no nictype", Devices{"x": {"type": "nic"}}, `Device validation failed for "x": Failed loading device "x": Unsupported device type`},
		{"nic weird", Devices{"x": {"type": "nic", "nictype": "weird"}}, `Device validation failed for "x": Failed loading device "x": Unsupported device type`},
		{"bridged no parent", Devices{"x": {"type": "nic", "nictype": "bridged"}},
			`Device validation failed for "x": Invalid value for device option "parent": Required value`},
		{"bridged", Devices{"x": {"type": "nic", "nictype": "bridged", "parent": "br0"}}, ""},
		{"macvlan bogus", Devices{"x": {"type": "nic", "nictype": "macvlan", "parent": "eth0", "bogus": "1"}}, `Device validation failed for "x": Invalid device option "bogus"`},
		{"bad hwaddr", Devices{"x": {"type": "nic", "nictype": "bridged", "parent": "br0", "hwaddr": "zz"}},
			`Device validation failed for "x": Invalid value for device option "hwaddr": Invalid MAC address, must be 6 bytes of hex separated by colons`},
		{"bad mtu", Devices{"x": {"type": "nic", "nictype": "bridged", "parent": "br0", "mtu": "abc"}},
			`Device validation failed for "x": Invalid value for device option "mtu": Invalid MTU "abc"`},
		{"address on unmanaged", Devices{"x": {"type": "nic", "nictype": "bridged", "parent": "br0", "ipv4.address": "abc"}},
			`Device validation failed for "x": Cannot use manually specified ipv4.address when using unmanaged parent bridge`},
		{"p2p", Devices{"x": {"type": "nic", "nictype": "p2p"}}, ""},
		{"managed nic", Devices{"eth0": {"type": "nic", "network": "lxdbr0", "name": "eth0"}}, ""},
		{"unix-char empty", Devices{"x": {"type": "unix-char"}}, `Device validation failed for "x": Unix device entry is missing the required "source" or "path" property`},
		{"unix-char major", Devices{"x": {"type": "unix-char", "path": "/dev/foo", "major": "x"}},
			`Device validation failed for "x": Invalid value for device option "major": Invalid value for a UNIX device number`},
		{"unix-char mode", Devices{"x": {"type": "unix-char", "source": "/dev/null", "mode": "999"}},
			`Device validation failed for "x": Invalid value for device option "mode": Invalid value for an octal file mode`},
		{"unix-block", Devices{"x": {"type": "unix-block", "source": "/dev/loop0", "uid": "1000", "gid": "1000", "mode": "0660", "required": "false"}}, ""},
		{"hotplug bad id", Devices{"x": {"type": "unix-hotplug", "vendorid": "zz"}},
			`Device validation failed for "x": Invalid value for device option "vendorid": Invalid value, must be four lower case hex characters`},
		{"hotplug empty", Devices{"x": {"type": "unix-hotplug"}}, `Device validation failed for "x": Unix hotplug devices require a vendorid or a productid`},
		{"usb bad id", Devices{"x": {"type": "usb", "vendorid": "zzzz"}},
			`Device validation failed for "x": Invalid value for device option "vendorid": Invalid value, must be four lower case hex characters`},
		{"usb", Devices{"x": {"type": "usb"}}, ""},
		{"gpu bogus", Devices{"x": {"type": "gpu", "bogus": "1"}}, `Device validation failed for "x": Invalid device option "bogus"`},
		{"gpu", Devices{"x": {"type": "gpu"}}, ""},
		{"infiniband no nictype", Devices{"x": {"type": "infiniband"}}, `Device validation failed for "x": Failed loading device "x": Unsupported device type`},
		{"infiniband", Devices{"x": {"type": "infiniband", "nictype": "physical", "parent": "ib0"}}, ""},
		{"tpm", Devices{"x": {"type": "tpm"}}, ""},
		{"pci", Devices{"x": {"type": "pci"}},
			`Device validation failed for "x": Failed to validate config: Invalid value for device option "address": Invalid PCI address`},
		{"pci ok", Devices{"x": {"type": "pci", "address": "0000:00:01.0"}}, ""},
		{"none", Devices{"x": {"type": "none"}}, ""},
		{"none key", Devices{"x": {"type": "none", "foo": "bar"}}, `Device validation failed for "x": Invalid device option "foo"`},
		{"first device in order", Devices{"b": {"type": "bogus"}, "a": {"type": "bogus"}}, `Device validation failed for "a": Failed loading device "a": Unsupported device type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateDevices(context.Background(), tt.devs, DeviceOpts{Profile: true, NetworkProject: "default"})
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestValidateProxy(t *testing.T) {
	tests := []struct {
		name    string
		dev     dev
		wantErr string
	}{
		{"empty", dev{}, `Invalid value for device option "listen": Unknown protocol type ""`},
		{"no connect", dev{"listen": "tcp:127.0.0.1:80"}, `Invalid value for device option "connect": Unknown protocol type ""`},
		{"simple", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80"}, ""},
		{"range to one", dev{"listen": "tcp:127.0.0.1:80-82", "connect": "tcp:127.0.0.1:80"}, ""},
		{"range to range", dev{"listen": "tcp:127.0.0.1:80-82", "connect": "tcp:127.0.0.1:80-81"}, ""},
		{"mismatch", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80-81"}, "Mismatch between listen port(s) and connect port(s) count"},
		{"bad proto", dev{"listen": "bogus:127.0.0.1:80", "connect": "tcp:127.0.0.1:80"}, `Invalid value for device option "listen": Unknown protocol type "bogus"`},
		{"no port", dev{"listen": "tcp:127.0.0.1", "connect": "tcp:127.0.0.1:80"}, `Invalid value for device option "listen": address 127.0.0.1: missing port in address`},
		{"bad port", dev{"listen": "tcp:127.0.0.1:abc", "connect": "tcp:127.0.0.1:80"}, `Invalid value for device option "listen": strconv.ParseInt: parsing "abc": invalid syntax`},
		{"unix", dev{"listen": "unix:/tmp/s", "connect": "tcp:127.0.0.1:80"}, ""},
		{"udp to unix", dev{"listen": "udp:127.0.0.1:80", "connect": "unix:/tmp/s"}, ""},
		{"ipv6", dev{"listen": "tcp:[::1]:80", "connect": "tcp:127.0.0.1:80"}, ""},
		{"list", dev{"listen": "tcp:127.0.0.1:80,81", "connect": "tcp:127.0.0.1:80,81"}, ""},
		{"bind", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80", "bind": "both"},
			`Invalid value for device option "bind": Invalid binding side given. Must be "host" or "instance"`},
		{"nat proxy_protocol", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80", "nat": "true", "proxy_protocol": "true"},
			"The PROXY header can only be sent to tcp servers in non-nat mode"},
		{"security.uid", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80", "security.uid": "x"},
			`Invalid value for device option "security.uid": Invalid value for a UNIX ID`},
		{"nat bad", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80", "nat": "x"},
			`Invalid value for device option "nat": Invalid value for a boolean "x"`},
		{"huge range", dev{"listen": "tcp:127.0.0.1:1-999999", "connect": "tcp:127.0.0.1:80"}, ""},
		{"reverse range", dev{"listen": "tcp:127.0.0.1:82-80", "connect": "tcp:127.0.0.1:80"},
			`Invalid value for device option "listen": End port should be higher than start port`},
		{"legacy bind", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80", "bind": "container"}, ""},
		{"mode on tcp", dev{"listen": "tcp:127.0.0.1:80", "connect": "tcp:127.0.0.1:80", "mode": "0600"},
			"Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties"},
		{"nat wildcard", dev{"listen": "tcp:0.0.0.0:80", "connect": "tcp:10.0.0.2:80", "nat": "true"},
			`Cannot listen on wildcard address "0.0.0.0" when in nat mode`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dev{"type": "proxy"}
			for k, v := range tt.dev {
				d[k] = v
			}
			err := ValidateDevices(context.Background(), Devices{"x": d}, DeviceOpts{Profile: true})
			want := tt.wantErr
			if want != "" {
				want = `Device validation failed for "x": ` + want
			}
			checkErr(t, err, want)
		})
	}
}

func TestValidateProxyInstance(t *testing.T) {
	nat := dev{"type": "proxy", "listen": "tcp:10.0.0.1:80", "connect": "tcp:10.0.0.2:80", "nat": "true"}
	plain := dev{"type": "proxy", "listen": "tcp:10.0.0.1:80", "connect": "tcp:10.0.0.2:80"}
	tests := []struct {
		name    string
		d       dev
		o       DeviceOpts
		wantErr string
	}{
		{"vm nat", nat, DeviceOpts{Type: TypeVM}, ""},
		{"vm forwarder", plain, DeviceOpts{Type: TypeVM}, "Only NAT mode is supported for proxies on VM instances"},
		{"networks feature", nat, DeviceOpts{Type: TypeContainer, NetworkProject: "p1"}, "NAT mode cannot be used in projects that have the networks feature"},
		{"default networks", nat, DeviceOpts{Type: TypeContainer, NetworkProject: "default"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateProxy(context.Background(), "x", tt.d, nil, tt.o)
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateDevicesHooks(t *testing.T) {
	notFound := func(ctx context.Context, project, network string) (string, error) {
		return "", api.NotFound("Network not found")
	}
	macvlan := func(ctx context.Context, project, network string) (string, error) { return "macvlan", nil }
	pluggedErr := errors.New("plugged")
	tests := []struct {
		name    string
		opts    DeviceOpts
		dev     dev
		wantErr string
	}{
		{"missing network", DeviceOpts{NetworkProject: "default", Network: notFound}, dev{"type": "nic", "network": "nonet"},
			`Invalid devices: Device validation failed for "x": Failed loading device "x": Failed to load network "nonet" for project "default": Network not found`},
		{"network type decides keys", DeviceOpts{Network: macvlan}, dev{"type": "nic", "network": "m", "security.mac_filtering": "true"},
			`Invalid devices: Device validation failed for "x": Invalid device option "security.mac_filtering"`},
		{"network with parent", DeviceOpts{}, dev{"type": "nic", "network": "n", "parent": "br0"},
			`Invalid devices: Device validation failed for "x": Cannot use "parent" property in conjunction with "network" property`},
		{"plugged validator", DeviceOpts{NIC: func(ctx context.Context, project, name string, d map[string]string) error { return pluggedErr }},
			dev{"type": "nic", "nictype": "bridged", "parent": "br0"}, `Invalid devices: Device validation failed for "x": plugged`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, ValidateDevices(context.Background(), Devices{"x": tt.dev}, tt.opts), tt.wantErr)
		})
	}
}

func TestDeviceKeyTables(t *testing.T) {
	for _, typ := range DeviceTypes() {
		s, ok := DeviceKeys(typ)
		if !ok {
			t.Fatalf("no key table for %s", typ)
		}
		if _, ok := s["type"]; !ok {
			t.Errorf("%s table lacks type", typ)
		}
		for k, key := range s {
			if key.Help == "" {
				t.Errorf("%s key %s has no help", typ, k)
			}
		}
	}
	if _, ok := NICKeys("bridged"); !ok {
		t.Error("no bridged table")
	}
}

func TestExpand(t *testing.T) {
	profiles := []map[string]string{{"limits.cpu": "1", "user.a": "p1"}, {"user.a": "p2", "user.b": "p2"}}
	got := ExpandConfig(profiles, map[string]string{"user.b": "local"})
	want := map[string]string{"limits.cpu": "1", "user.a": "p2", "user.b": "local"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ExpandConfig = %v, want %v", got, want)
	}
	pdevs := []Devices{
		{"root": {"type": "disk", "path": "/", "pool": "p1"}, "eth0": {"type": "nic", "network": "n1"}},
		{"root": {"type": "disk", "path": "/", "pool": "p2", "size": "1GiB"}},
	}
	local := Devices{"eth0": {"type": "none"}}
	gotDevs := ExpandDevices(pdevs, local)
	wantDevs := Devices{"root": {"type": "disk", "path": "/", "pool": "p2", "size": "1GiB"}, "eth0": {"type": "none"}}
	if !reflect.DeepEqual(gotDevs, wantDevs) {
		t.Fatalf("ExpandDevices = %v, want %v", gotDevs, wantDevs)
	}
	gotDevs["root"]["pool"] = "changed"
	if pdevs[1]["root"]["pool"] != "p2" {
		t.Fatal("ExpandDevices shares maps with its input")
	}
	name, root, err := RootDisk(gotDevs)
	if err != nil || name != "root" || root["size"] != "1GiB" {
		t.Fatalf("RootDisk = %s %v %v", name, root, err)
	}
	if _, _, err := RootDisk(local); err == nil {
		t.Fatal("RootDisk found a root disk in devices without one")
	}
}

func TestParseRawIdmap(t *testing.T) {
	tests := []struct {
		in      string
		want    []IdmapEntry
		wantErr string
	}{
		{"both 1000 1000", []IdmapEntry{{"both", 1000, 1000, 1}}, ""},
		{"uid 1000-1010 2000-2010\ngid 5 6", []IdmapEntry{{"uid", 1000, 2000, 11}, {"gid", 5, 6, 1}}, ""},
		{"bogus", nil, `Invalid ID map line "bogus"`},
		{"uid 1-3 1-2", nil, `Invalid ID map line "uid 1-3 1-2"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRawIdmap(tt.in)
			checkErr(t, err, tt.wantErr)
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

//go:build integration

package api_test

import (
	"encoding/json"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// profileValidationCases are profile bodies with LXD 5.0.2's answer (status
// and text) on POST /1.0/profiles; "" means created.
var profileValidationCases = []struct {
	name    string
	put     string
	status  int
	wantErr string
}{
	{"bad key", `{"config":{"bogus":"x"}}`, 400, "Unknown configuration key: bogus"},
	{"cpu syntax", `{"config":{"limits.cpu":"2,"}}`, 400, "Invalid CPU limit syntax"},
	{"cpu set", `{"config":{"limits.cpu":"0-1,3"}}`, 201, ""},
	{"allowance", `{"config":{"limits.cpu.allowance":"x"}}`, 400, "Invalid allowance: x"},
	{"priority", `{"config":{"limits.cpu.priority":"11"}}`, 400, `Invalid value for a limit "11". Must be between 0 and 10`},
	{"integer", `{"config":{"boot.autostart.delay":"x"}}`, 400, `Invalid value for an integer "x"`},
	{"one of", `{"config":{"limits.memory.enforce":"x"}}`, 400, `Invalid value "x" (not one of [soft hard])`},
	{"uint32", `{"config":{"security.idmap.size":"x"}}`, 400, `Invalid value for uint32 "x": strconv.ParseUint: parsing "x": invalid syntax`},
	{"schedule", `{"config":{"snapshots.schedule":"x"}}`, 400, "Schedule must be of the form: <minute> <hour> <day-of-month> <month> <day-of-week>"},
	{"expiry", `{"config":{"snapshots.expiry":"x"}}`, 400, "Invalid expiry expression"},
	{"raw.lxc", `{"config":{"raw.lxc":"lxc.ephemeral=1"}}`, 400, "Setting lxc.ephemeral is not allowed"},
	{"volatile", `{"config":{"volatile.uuid":"x"}}`, 400, "Volatile keys can only be set on instances"},
	{"image", `{"config":{"image.os":"x"}}`, 400, "Image keys can only be set on instances"},
	{"vm keys", `{"config":{"security.secureboot":"false","limits.memory.hugepages":"true","raw.qemu":"-x"}}`, 201, ""},
	{"many keys", `{"config":{"environment.A":"1","linux.sysctl.net.ipv4.ip_forward":"1","limits.kernel.nofile":"10","security.syscalls.intercept.mknod":"true","snapshots.schedule":"@daily","boot.stop.priority":"5"}}`, 201, ""},
	{"no type", `{"devices":{"x":{"path":"/mnt"}}}`, 400, `Device validation failed for "x": Failed loading device "x": Missing device type in config`},
	{"bad type", `{"devices":{"x":{"type":"bogus"}}}`, 400, `Device validation failed for "x": Failed loading device "x": Unsupported device type`},
	// LXD names whichever of the two it meets second (map order), so the
	// test accepts either: see wantResp's "|" alternatives.
	{"two roots", `{"devices":{"a":{"type":"disk","path":"/","pool":"p"},"b":{"type":"disk","path":"/","pool":"q"}}}`, 400, `Device validation failed for "a": More than one disk device uses the same path "/"|Device validation failed for "b": More than one disk device uses the same path "/"`},
	{"root source", `{"devices":{"x":{"type":"disk","path":"/","pool":"p","source":"/tmp"}}}`, 400, `Device validation failed for "x": Root disk entry may not have a "source" property set`},
	{"size not root", `{"devices":{"x":{"type":"disk","path":"/mnt","source":"/tmp","size":"1GiB"}}}`, 400, `Device validation failed for "x": Only the root disk may have a size quota`},
	{"volume abs", `{"devices":{"x":{"type":"disk","path":"/mnt","source":"/tmp","pool":"p"}}}`, 400, `Device validation failed for "x": Storage volumes cannot be specified as absolute paths`},
	{"relative", `{"devices":{"x":{"type":"disk","path":"/mnt","source":"rel"}}}`, 400, `Device validation failed for "x": Source path must be absolute for local sources`},
	{"bridged parent", `{"devices":{"x":{"type":"nic","nictype":"bridged"}}}`, 400, `Device validation failed for "x": Invalid value for device option "parent": Required value`},
	{"hwaddr", `{"devices":{"x":{"type":"nic","nictype":"bridged","parent":"br0","hwaddr":"zz"}}}`, 400, `Device validation failed for "x": Invalid value for device option "hwaddr": Invalid MAC address, must be 6 bytes of hex separated by colons`},
	{"mtu", `{"devices":{"x":{"type":"nic","nictype":"macvlan","parent":"eth0","mtu":"abc"}}}`, 400, `Device validation failed for "x": Invalid value for device option "mtu": Invalid MTU "abc"`},
	{"nic ok", `{"devices":{"x":{"type":"nic","nictype":"p2p","name":"eth1"}}}`, 201, ""},
	{"unix-char", `{"devices":{"x":{"type":"unix-char","path":"/dev/foo","major":"x"}}}`, 400, `Device validation failed for "x": Invalid value for device option "major": Invalid value for a UNIX device number`},
	{"hotplug", `{"devices":{"x":{"type":"unix-hotplug"}}}`, 400, `Device validation failed for "x": Unix hotplug devices require a vendorid or a productid`},
	{"usb id", `{"devices":{"x":{"type":"usb","vendorid":"zzzz"}}}`, 400, `Device validation failed for "x": Invalid value for device option "vendorid": Invalid value, must be four lower case hex characters`},
	{"pci", `{"devices":{"x":{"type":"pci"}}}`, 400, `Device validation failed for "x": Failed to validate config: Invalid value for device option "address": Invalid PCI address`},
	{"proxy listen", `{"devices":{"x":{"type":"proxy"}}}`, 400, `Device validation failed for "x": Invalid value for device option "listen": Unknown protocol type ""|Device validation failed for "x": Invalid value for device option "connect": Unknown protocol type ""`},
	{"proxy port", `{"devices":{"x":{"type":"proxy","listen":"tcp:127.0.0.1:abc","connect":"tcp:127.0.0.1:80"}}}`, 400, `Device validation failed for "x": Invalid value for device option "listen": strconv.ParseInt: parsing "abc": invalid syntax`},
	{"proxy nat", `{"devices":{"x":{"type":"proxy","listen":"tcp:127.0.0.1:80","connect":"tcp:127.0.0.1:80","nat":"true","proxy_protocol":"true"}}}`, 400, `Device validation failed for "x": The PROXY header can only be sent to tcp servers in non-nat mode`},
	{"proxy ok", `{"devices":{"x":{"type":"proxy","listen":"tcp:0.0.0.0:80-82","connect":"tcp:127.0.0.1:80","bind":"host"},"y":{"type":"proxy","listen":"unix:/tmp/s","connect":"udp:[::1]:53"}}}`, 201, ""},
	{"devices ok", `{"devices":{"root":{"type":"disk","path":"/","pool":"default","size":"5GiB"},"data":{"type":"disk","source":"/srv","path":"/srv","readonly":"true"},"gpu":{"type":"gpu"},"none":{"type":"none"},"tpm":{"type":"tpm"}}}`, 201, ""},
}

func scenarioProfileValidation(t *testing.T, d *daemontest.Daemon) {
	for _, c := range profileValidationCases {
		t.Run(c.name, func(t *testing.T) {
			name := daemontest.Name(t, "lxdngpp-v")
			var body map[string]any
			if err := json.Unmarshal([]byte(c.put), &body); err != nil {
				t.Fatal(err)
			}
			body["name"] = name
			data, _ := json.Marshal(body)
			status, resp := rawQuery(t, d, "POST", "/1.0/profiles", string(data), nil)
			if status == 201 {
				t.Cleanup(func() { rawQuery(t, d, "DELETE", "/1.0/profiles/"+name, "", nil) })
			}
			wantResp(t, status, resp, c.status, c.wantErr)
		})
	}
}

func TestProfileValidation(t *testing.T) { scenarioProfileValidation(t, daemontest.Start(t)) }

func TestReferenceProfileValidation(t *testing.T) {
	scenarioProfileValidation(t, daemontest.StartReference(t))
}

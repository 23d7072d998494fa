//go:build integration

package api_test

import (
	"encoding/json"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// proxyValidationCases are proxy device bodies in a profile with LXD
// 5.0.2's answer on POST /1.0/profiles; "" means created.
var proxyValidationCases = []struct {
	name    string
	dev     string
	status  int
	wantErr string
}{
	{"bad ip", `{"listen":"tcp:foo:80","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": Not an IP address \"foo\""},
	{"range equal", `{"listen":"tcp:127.0.0.1:80-80","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": End port should be higher than start port"},
	{"range reverse", `{"listen":"tcp:127.0.0.1:82-80","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": End port should be higher than start port"},
	{"range three", `{"listen":"tcp:127.0.0.1:80-81-82","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": Invalid port range \"80-81-82\""},
	{"bind container", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:127.0.0.1:80","bind":"container"}`, 201, ""},
	{"bind guest", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:127.0.0.1:80","bind":"guest"}`, 201, ""},
	{"uid on tcp", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:127.0.0.1:80","uid":"1"}`, 400, "Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties"},
	{"mode on abstract", `{"listen":"unix:@x","connect":"tcp:127.0.0.1:80","mode":"0600"}`, 400, "Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties"},
	{"mode on unix", `{"listen":"unix:/tmp/s","connect":"tcp:127.0.0.1:80","mode":"0600","uid":"5","gid":"6"}`, 201, ""},
	{"mode bad", `{"listen":"unix:/tmp/s","connect":"tcp:127.0.0.1:80","mode":"999"}`, 400, "Invalid value for device option \"mode\": Invalid value for an octal file mode"},
	{"nat instance", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:127.0.0.1:80","nat":"true","bind":"instance"}`, 400, "Only host-bound proxies can use NAT"},
	{"nat unix", `{"listen":"unix:/tmp/s","connect":"tcp:127.0.0.1:80","nat":"true"}`, 400, "Proxying unix <-> tcp is not supported when using NAT"},
	{"nat tcp udp", `{"listen":"tcp:127.0.0.1:80","connect":"udp:127.0.0.1:80","nat":"true"}`, 400, "Proxying tcp <-> udp is not supported when using NAT"},
	{"nat wildcard", `{"listen":"tcp:0.0.0.0:80","connect":"tcp:127.0.0.1:80","nat":"true"}`, 400, "Cannot listen on wildcard address \"0.0.0.0\" when in nat mode"},
	{"nat mix", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:[::1]:80","nat":"true"}`, 400, "Cannot mix IP versions between listen and connect in nat mode"},
	{"nat ok", `{"listen":"tcp:10.0.0.1:80","connect":"tcp:10.0.0.2:80","nat":"true"}`, 201, ""},
	{"pp udp", `{"listen":"tcp:127.0.0.1:80","connect":"udp:127.0.0.1:80","proxy_protocol":"true"}`, 400, "The PROXY header can only be sent to tcp servers in non-nat mode"},
	{"pp unix", `{"listen":"tcp:127.0.0.1:80","connect":"unix:/tmp/x","proxy_protocol":"true"}`, 400, "The PROXY header can only be sent to tcp servers in non-nat mode"},
	{"unix multi", `{"listen":"unix:/tmp/s","connect":"tcp:127.0.0.1:80-81"}`, 400, "Mismatch between listen port(s) and connect port(s) count"},
	{"big port", `{"listen":"tcp:127.0.0.1:70000","connect":"tcp:127.0.0.1:80"}`, 201, ""},
	{"empty host", `{"listen":"tcp::80","connect":"tcp:127.0.0.1:80"}`, 201, ""},
	{"hostname", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:localhost:80"}`, 400, "Invalid value for device option \"connect\": Not an IP address \"localhost\""},
	{"negative", `{"listen":"tcp:127.0.0.1:-5","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": strconv.ParseInt: parsing \"\": invalid syntax"},
	{"unix noaddr", `{"listen":"unix:","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": Missing address"},
	{"unknown key", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:127.0.0.1:80","bogus":"1"}`, 400, "Invalid device option \"bogus\""},
	{"udp to tcp", `{"listen":"udp:127.0.0.1:80","connect":"tcp:127.0.0.1:80"}`, 201, ""},
	{"secuid", `{"listen":"tcp:127.0.0.1:80","connect":"tcp:127.0.0.1:80","security.uid":"-1"}`, 400, "Invalid value for device option \"security.uid\": Invalid value for a UNIX ID"},
	{"huge range", `{"listen":"tcp:127.0.0.1:1-999999","connect":"tcp:127.0.0.1:80"}`, 201, ""},
	{"trailing comma", `{"listen":"tcp:127.0.0.1:80,","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": strconv.ParseInt: parsing \"\": invalid syntax"},
	{"space", `{"listen":"tcp:127.0.0.1: 80","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": strconv.ParseInt: parsing \" 80\": invalid syntax"},
	{"list to list", `{"listen":"tcp:127.0.0.1:80,90-91","connect":"tcp:127.0.0.1:1000-1002"}`, 201, ""},
	{"list short", `{"listen":"tcp:127.0.0.1:80,90-91","connect":"tcp:127.0.0.1:1000-1001"}`, 201, ""},
	{"nat v6 wildcard", `{"listen":"tcp:[::]:80","connect":"tcp:[::1]:80","nat":"true"}`, 400, "Cannot listen on wildcard address \"::\" when in nat mode"},
	{"nat empty host", `{"listen":"tcp::80","connect":"tcp:10.0.0.2:80","nat":"true"}`, 400, "Cannot mix IP versions between listen and connect in nat mode"},
	{"abstract connect", `{"listen":"tcp:127.0.0.1:80","connect":"unix:@abc"}`, 201, ""},
	{"nat udp", `{"listen":"udp:10.0.0.1:80-81","connect":"udp:10.0.0.2:80","nat":"true"}`, 201, ""},
	{"zone", `{"listen":"tcp:[fe80::1%lo]:80","connect":"tcp:127.0.0.1:80"}`, 400, "Invalid value for device option \"listen\": Not an IP address \"fe80::1%lo\""},
}

func scenarioProxyValidation(t *testing.T, d *daemontest.Daemon) {
	for _, c := range proxyValidationCases {
		t.Run(c.name, func(t *testing.T) {
			name := daemontest.Name(t, "lxdngpx-v")
			var dev map[string]any
			if err := json.Unmarshal([]byte(c.dev), &dev); err != nil {
				t.Fatal(err)
			}
			dev["type"] = "proxy"
			data, _ := json.Marshal(map[string]any{"name": name, "devices": map[string]any{"x": dev}})
			status, resp := rawQuery(t, d, "POST", "/1.0/profiles", string(data), nil)
			if status == 201 {
				t.Cleanup(func() { rawQuery(t, d, "DELETE", "/1.0/profiles/"+name, "", nil) })
			}
			want := c.wantErr
			if want != "" {
				want = `Device validation failed for "x": ` + want
			}
			wantResp(t, status, resp, c.status, want)
		})
	}
}

func TestProxyValidation(t *testing.T) { scenarioProxyValidation(t, daemontest.Start(t)) }

func TestReferenceProxyValidation(t *testing.T) {
	scenarioProxyValidation(t, daemontest.StartReference(t))
}

//go:build integration

package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioFilesConfined: symlinks planted in the container (absolute, to
// /etc/shadow, climbing with ../) never make the file API read, write or
// delete host files.
func scenarioFilesConfined(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "sec")
	x.launch(t, name, nil)
	host := ioTraversable(t, t.TempDir())
	check := ioSentinel(t, host, "secret", "host-secret\n")
	hostShadow, _ := os.ReadFile("/etc/shadow")
	up := strings.Repeat("../", 12)
	setup := strings.Join([]string{
		"ln -s " + host + "/secret /root/abs",
		"ln -s " + up + host[1:] + "/secret /root/rel",
		"ln -s " + host + " /root/hostdir",
		"ln -s /etc/shadow /root/shadowlink",
		"ln -s / /root/rootlink",
		"mkdir -p /root/d && ln -s " + up + " /root/d/up",
	}, " && ")
	if r := x.exec(t, name, "", "--", "sh", "-c", setup); r.ExitCode != 0 {
		t.Fatalf("setup: %+v", r)
	}
	for _, p := range []string{"/root/abs", "/root/rel", "/root/hostdir/secret", "/root/d/up" + host + "/secret",
		"/../../../.." + host + "/secret", "../../" + host + "/secret"} {
		status, _, body := fileReq(t, x, http.MethodGet, name, p, "", nil)
		if strings.Contains(body, "host-secret") || (status == 200 && !strings.HasPrefix(body, "/")) {
			t.Fatalf("GET %s read the host: %d %q", p, status, body)
		}
	}
	for _, p := range []string{"/root/shadowlink", "/root/rootlink/etc/shadow", "/root/d/up/etc/shadow"} {
		status, _, body := fileReq(t, x, http.MethodGet, name, p, "", nil)
		if status == 200 && len(hostShadow) > 0 && body == string(hostShadow) {
			t.Fatalf("GET %s returned the host's /etc/shadow", p)
		}
	}
	for _, p := range []string{"/root/abs", "/root/rel", "/root/hostdir/secret", "/root/d/up" + host + "/secret",
		"/root/hostdir/new", "/root/d/up" + host + "/new"} {
		fileReq(t, x, http.MethodPost, name, p, "pwned", map[string]string{"Content-Type": "application/octet-stream"})
		check()
		if _, err := os.Stat(filepath.Join(host, "new")); err == nil {
			t.Fatalf("POST %s created a host file", p)
		}
	}
	for _, p := range []string{"/root/hostdir/secret", "/root/d/up" + host + "/secret", "/root/rootlink" + host + "/secret"} {
		fileReq(t, x, http.MethodDelete, name, p, "", nil)
		check()
	}
	// Deleting the link removes the link only.
	if status, _, _ := fileReq(t, x, http.MethodDelete, name, "/root/abs", "", nil); status != 200 {
		t.Fatalf("DELETE link: %d", status)
	}
	check()
	if r := x.exec(t, name, "", "--", "test", "-L", "/root/abs"); r.ExitCode == 0 {
		t.Fatal("the link is still there")
	}
}

func TestInstanceFilesConfined(t *testing.T)          { scenarioFilesConfined(t, adapterTarget(t)) }
func TestReferenceInstanceFilesConfined(t *testing.T) { scenarioFilesConfined(t, referenceTarget(t)) }

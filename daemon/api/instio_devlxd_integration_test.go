//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// buildDevlxdClient builds the static in-container client (busybox has
// no unix-socket HTTP client).
func buildDevlxdClient(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "devlxdclient")
	cmd := exec.Command("go", "build", "-o", out, "./daemon/devlxd/testdata/devlxdclient")
	cmd.Dir = daemontest.RepoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "PATH=/usr/local/go/bin:"+os.Getenv("PATH"))
	if data, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build devlxdclient: %v\n%s", err, data)
	}
	return out
}

// devlxdGet runs GET path through /dev/lxd/sock inside an instance and
// returns status, content type and body.
func devlxdGet(t *testing.T, x *ioTarget, name, path string) (string, string, string) {
	t.Helper()
	r := x.exec(t, name, "", "--", "devlxdclient", "GET", path)
	if r.ExitCode != 0 {
		return "", "", r.Stderr
	}
	parts := strings.SplitN(r.Stdout, "\n", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// sortedList sorts a JSON list of strings (LXD lists config keys in map
// order); anything else is returned as is.
func ioSortedList(body string) string {
	var list []string
	if json.Unmarshal([]byte(body), &list) != nil {
		return body
	}
	sort.Strings(list)
	data, _ := json.Marshal(list)
	return string(data) + "\n"
}

// scenarioDevlxd: the API inside containers, each seeing only itself.
func scenarioDevlxd(t *testing.T, x *ioTarget) {
	bin := buildDevlxdClient(t)
	c1, c2, c3 := daemontest.Name(t, "dla"), daemontest.Name(t, "dlb"), daemontest.Name(t, "dlc")
	x.launch(t, c1, map[string]string{"user.foo": "bar", "user.meta-data": "foo: 1", "environment.X": "y"})
	x.launch(t, c2, map[string]string{"user.foo": "other"})
	x.launch(t, c3, map[string]string{"security.devlxd": "false"})
	for _, n := range []string{c1, c2, c3} {
		x.d.MustLXC(t, "file", "push", "--mode", "0755", bin, n+"/bin/devlxdclient")
	}
	want := []struct{ name, path, status, body string }{
		{c1, "/", "200", "[\"/1.0\"]\n"},
		{c1, "/1.0", "200", "{\"state\":\"\",\"api_version\":\"1.0\",\"instance_type\":\"container\",\"location\":\"none\"}\n"},
		{c1, "/1.0/config", "200", "[\"/1.0/config/user.foo\",\"/1.0/config/user.meta-data\"]\n"},
		{c1, "/1.0/config/user.foo", "200", "bar"},
		{c2, "/1.0/config/user.foo", "200", "other"},
		{c2, "/1.0/config", "200", "[\"/1.0/config/user.foo\"]\n"},
		{c2, "/1.0/config/user.meta-data", "404", "not found\n"},
		{c1, "/1.0/config/environment.X", "403", "not authorized\n"},
		{c1, "/1.0/images/abc/export", "403", "not authorized\n"},
	}
	for _, w := range want {
		status, _, body := devlxdGet(t, x, w.name, w.path)
		if status != w.status || ioSortedList(body) != w.body {
			t.Fatalf("%s GET %s: %s %q, want %s %q", w.name, w.path, status, body, w.status, w.body)
		}
	}
	_, ctype, body := devlxdGet(t, x, c1, "/1.0/meta-data")
	if !strings.HasPrefix(body, "#cloud-config\ninstance-id: ") || !strings.HasSuffix(body, "\nlocal-hostname: "+c1+"\nfoo: 1") ||
		ctype != "application/octet-stream" {
		t.Fatalf("meta-data: %q %q", ctype, body)
	}
	if status, _, body := devlxdGet(t, x, c3, "/1.0"); status != "" || !strings.Contains(body, "no such file") {
		t.Fatalf("security.devlxd=false still has a socket: %s %q", status, body)
	}
	// A host process is no instance.
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", filepath.Join(x.d.Dir, "devlxd", "sock"))
	}}}
	if resp, err := hc.Get("http://lxd/1.0/config"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("a host process read an instance's config")
		}
	}
	scenarioDevlxdEvents(t, x, c1)
}

// scenarioDevlxdEvents: config (user.* only) and device changes reach
// /1.0/events inside the instance.
func scenarioDevlxdEvents(t *testing.T, x *ioTarget, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := ioLXCCommand(ctx, x.d, "exec", name, "--", "devlxdclient", "EVENTS", "/1.0/events", "3")
	var out ioBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	daemontest.Eventually(t, 30*time.Second, "events connected", func() bool { return strings.Contains(out.String(), "connected") })
	x.setConfig(t, name, "user.foo", "baz")
	x.setConfig(t, name, "limits.cpu", "1")
	x.setConfig(t, name, "user.new", "1")
	x.setDevice(t, name, "tmp", map[string]string{"type": "disk", "source": t.TempDir(), "path": "/mnt/tmp"})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("events client: %v\n%s", err, out.String())
		}
	case <-ctx.Done():
		t.Fatalf("events: %s", out.String())
	}
	got := out.String()
	for _, want := range []string{`"type":"config"`, `"metadata":{"key":"user.foo","old_value":"bar","value":"baz"}`,
		`"metadata":{"key":"user.new","old_value":"","value":"1"}`, `"type":"device"`, `"action":"added"`, `"name":"tmp"`} {
		if !strings.Contains(got, want) {
			t.Fatalf("events lack %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "limits.cpu") {
		t.Fatalf("a non-user key was announced:\n%s", got)
	}
}

func TestDevlxd(t *testing.T)          { scenarioDevlxd(t, adapterTarget(t)) }
func TestReferenceDevlxd(t *testing.T) { scenarioDevlxd(t, referenceTarget(t)) }

// TestDevlxdImages: with security.devlxd.images=true an instance can
// export the host's images through devlxd (the image service serves the
// file; the harness stands in for it), without it the export is refused.
func TestDevlxdImages(t *testing.T) {
	h := startIOHarness(t)
	x := &ioTarget{d: h.d}
	img := filepath.Join(t.TempDir(), "image.tar.gz")
	if err := os.WriteFile(img, []byte("image-bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.images["abcd"] = img
	bin := buildDevlxdClient(t)
	on, off := daemontest.Name(t, "dio"), daemontest.Name(t, "dif")
	h.launch(t, on, map[string]string{"security.devlxd.images": "true"})
	h.launch(t, off, nil)
	for _, n := range []string{on, off} {
		h.d.MustLXC(t, "file", "push", "--mode", "0755", bin, n+"/bin/devlxdclient")
	}
	if status, _, body := devlxdGet(t, x, on, "/1.0/images/abcd/export"); status != "200" || body != "image-bytes" {
		t.Fatalf("export with security.devlxd.images=true: %s %q", status, body)
	}
	if status, _, _ := devlxdGet(t, x, on, "/1.0/images/nosuch/export"); status != "404" {
		t.Fatalf("export of an unknown image: %s", status)
	}
	if status, _, _ := devlxdGet(t, x, off, "/1.0/images/abcd/export"); status != "403" {
		t.Fatalf("export without security.devlxd.images: %s", status)
	}
}

//go:build integration

package api_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// raw sends a request and returns status and body.
func ioRaw(t *testing.T, x *ioTarget, method, path, body string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	resp, err := x.d.Client.Raw(ctx, method, path, rd, h)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

// scenarioLogNames: log names are validated (no "/", no ".."), lxc.log
// and lxc.conf cannot be deleted, console.log is not a listed log.
func scenarioLogNames(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "lg")
	x.launch(t, name, nil)
	host := ioTraversable(t, t.TempDir())
	check := ioSentinel(t, host, "exec_secret", "host-log\n")
	base := "/1.0/instances/" + name + "/logs/"
	for _, file := range []string{"..%2F..%2Fetc%2Fpasswd", "x..y", "console.log", "nosuch",
		"exec_..%2F..%2F..%2F..%2F..%2F..%2F" + strings.ReplaceAll(host[1:], "/", "%2F") + "%2Fexec_secret"} {
		status, _, body := ioRaw(t, x, http.MethodGet, base+file, "", nil)
		if status != 400 || !strings.Contains(body, "not valid") {
			t.Fatalf("GET log %s: %d %s", file, status, body)
		}
		if status, _, _ := ioRaw(t, x, http.MethodDelete, base+file, "", nil); status != 400 {
			t.Fatalf("DELETE log %s: %d", file, status)
		}
		check()
	}
	for _, file := range []string{"lxc.log", "lxc.conf"} {
		status, _, body := ioRaw(t, x, http.MethodDelete, base+file, "", nil)
		if status != 400 || !strings.Contains(body, "lxc.log and lxc.conf may not be deleted") {
			t.Fatalf("DELETE %s: %d %s", file, status, body)
		}
	}
	status, hdr, body := ioRaw(t, x, http.MethodGet, base+"lxc.conf", "", nil)
	if status != 200 || !strings.Contains(body, "lxc.") || hdr.Get("Content-Disposition") != "inline;filename=lxc.conf" {
		t.Fatalf("GET lxc.conf: %d %v", status, hdr)
	}
}

func TestInstanceLogNames(t *testing.T)          { scenarioLogNames(t, adapterTarget(t)) }
func TestReferenceInstanceLogNames(t *testing.T) { scenarioLogNames(t, referenceTarget(t)) }

// scenarioMetadata: GET/PUT/PATCH of metadata.yaml and template CRUD.
func scenarioMetadata(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "md")
	x.create(t, name, nil)
	ctx := context.Background()
	c := x.d.Client
	path := "/1.0/instances/" + name + "/metadata"
	var md map[string]any
	etag, err := c.Get(ctx, path, &md)
	if err != nil || etag == "" || md["architecture"] != "x86_64" {
		t.Fatalf("GET metadata: %v %q %v", md, etag, err)
	}
	tpl, _ := md["templates"].(map[string]any)["/etc/hostname"].(map[string]any)
	if tpl["template"] != "hostname.tpl" {
		t.Fatalf("templates: %v", md["templates"])
	}
	if _, _, err := c.Query(ctx, http.MethodPatch, path, map[string]any{"properties": map[string]string{"foo": "bar"}}, etag); err != nil {
		t.Fatalf("PATCH: %v", err)
	}
	if _, err := c.Get(ctx, path, &md); err != nil {
		t.Fatal(err)
	}
	props, _ := md["properties"].(map[string]any)
	if props["foo"] != "bar" || props["os"] == nil {
		t.Fatalf("PATCH must merge properties: %v", props)
	}
	put := map[string]any{"architecture": "x86_64", "creation_date": 5, "properties": map[string]string{"os": "x"}, "templates": map[string]any{}}
	if _, _, err := c.Query(ctx, http.MethodPut, path, put, ""); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if _, err := c.Get(ctx, path, &md); err != nil || md["creation_date"] != float64(5) || len(md["templates"].(map[string]any)) != 0 {
		t.Fatalf("after PUT: %v %v", md, err)
	}
	data, _ := os.ReadFile(filepath.Join(x.volume(name), "metadata.yaml"))
	if !strings.Contains(string(data), "creation_date: 5") {
		t.Fatalf("metadata.yaml: %s", data)
	}
	tpath := "/1.0/instances/" + name + "/metadata/templates"
	if status, _, _ := ioRaw(t, x, http.MethodPost, tpath+"?path=new.tpl", "hello {{ container.name }}", map[string]string{"Content-Type": "application/octet-stream"}); status != 200 {
		t.Fatalf("POST template: %d", status)
	}
	var names []string
	if _, err := c.Get(ctx, tpath, &names); err != nil || !ioContains(names, "new.tpl") || !ioContains(names, "hostname.tpl") {
		t.Fatalf("template list: %v %v", names, err)
	}
	if status, _, body := ioRaw(t, x, http.MethodGet, tpath+"?path=new.tpl", "", nil); status != 200 || body != "hello {{ container.name }}" {
		t.Fatalf("GET template: %d %q", status, body)
	}
	if status, _, _ := ioRaw(t, x, http.MethodDelete, tpath+"?path=new.tpl", "", nil); status != 200 {
		t.Fatalf("DELETE template: %d", status)
	}
	if status, _, body := ioRaw(t, x, http.MethodGet, tpath+"?path=new.tpl", "", nil); status != 404 || !strings.Contains(body, `Template \"new.tpl\" not found`) {
		t.Fatalf("GET deleted template: %d %s", status, body)
	}
	scenarioMetadataCLI(t, x, name)
}

// scenarioMetadataCLI: lxc config metadata and lxc config template.
func scenarioMetadataCLI(t *testing.T, x *ioTarget, name string) {
	if out := x.d.MustLXC(t, "config", "metadata", "show", name); !strings.Contains(out, "creation_date: 5") {
		t.Fatalf("metadata show: %s", out)
	}
	edited := "architecture: x86_64\ncreation_date: 6\nproperties:\n  os: edited\ntemplates: {}\n"
	if r := ioLXCStdin(t, x.d, edited, "config", "metadata", "edit", name); r.ExitCode != 0 {
		t.Fatalf("metadata edit: %+v", r)
	}
	if out := x.d.MustLXC(t, "config", "metadata", "show", name); !strings.Contains(out, "os: edited") {
		t.Fatalf("metadata after edit: %s", out)
	}
	x.d.MustLXC(t, "config", "template", "create", name, "cli.tpl")
	if r := ioLXCStdin(t, x.d, "from {{ container.name }}\n", "config", "template", "edit", name, "cli.tpl"); r.ExitCode != 0 {
		t.Fatalf("template edit: %+v", r)
	}
	if out := x.d.MustLXC(t, "config", "template", "show", name, "cli.tpl"); !strings.Contains(out, "from {{ container.name }}") {
		t.Fatalf("template show: %q", out)
	}
	if out := x.d.MustLXC(t, "config", "template", "list", name); !strings.Contains(out, "cli.tpl") {
		t.Fatalf("template list: %s", out)
	}
	x.d.MustLXC(t, "config", "template", "delete", name, "cli.tpl")
	if out := x.d.MustLXC(t, "config", "template", "list", name); strings.Contains(out, "cli.tpl") {
		t.Fatalf("template list after delete: %s", out)
	}
}

func TestInstanceMetadata(t *testing.T)          { scenarioMetadata(t, adapterTarget(t)) }
func TestReferenceInstanceMetadata(t *testing.T) { scenarioMetadata(t, referenceTarget(t)) }

// TestInstanceMetadataConfined: template names never leave the templates
// directory (400; LXD answers 500), and a stale ETag is refused (LXD
// 5.0.2 ignores If-Match here).
func TestInstanceMetadataConfined(t *testing.T) {
	x := adapterTarget(t)
	name := daemontest.Name(t, "mc")
	x.create(t, name, nil)
	tpath := "/1.0/instances/" + name + "/metadata/templates"
	for _, p := range []string{"../metadata.yaml", "..", "sub/x", "..%2F..%2Frootfs%2Fetc%2Fshadow"} {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			status, _, body := ioRaw(t, x, method, tpath+"?path="+p, "x", nil)
			if status != 400 || !strings.Contains(body, "Invalid template filename") {
				t.Fatalf("%s template %s: %d %s", method, p, status, body)
			}
		}
	}
	if data, _ := os.ReadFile(filepath.Join(x.volume(name), "metadata.yaml")); !strings.Contains(string(data), "architecture") {
		t.Fatalf("metadata.yaml changed: %s", data)
	}
	_, _, err := x.d.Client.Query(context.Background(), http.MethodPut, "/1.0/instances/"+name+"/metadata", map[string]any{}, "deadbeef")
	if api.StatusOf(err) != http.StatusPreconditionFailed {
		t.Fatalf("stale ETag: %v", err)
	}
}

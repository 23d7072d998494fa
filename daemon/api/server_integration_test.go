//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// Scenarios shared by our daemon and the reference LXD 5.0.2: running them
// against both proves the tests check LXD's behaviour, not ours.

func scenarioEnvironment(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	srv, etag, err := d.Client.GetServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := srv.Environment
	if srv.Auth != "trusted" || srv.APIVersion != "1.0" || env.ServerVersion != "5.0.2" || env.Server != "lxd" {
		t.Fatalf("unexpected server identity: %+v", srv.ServerUntrusted)
	}
	if env.OSName == "" || env.OSVersion == "" || env.KernelVersion == "" || env.KernelArchitecture != "x86_64" {
		t.Fatalf("environment lacks host facts: %+v", env)
	}
	if len(env.CertificateFingerprint) != 64 || !strings.Contains(env.Certificate, "BEGIN CERTIFICATE") {
		t.Fatal("environment lacks the server certificate")
	}
	if env.KernelFeatures["idmapped_mounts"] != "true" || env.Project != "default" || env.ServerPid == 0 {
		t.Fatalf("environment details wrong: %+v", env)
	}
	if etag == "" {
		t.Fatal("GET /1.0 sent no ETag")
	}
	out := d.MustLXC(t, "info")
	if !strings.Contains(out, "api_version: \"1.0\"") && !strings.Contains(out, "api_version: 1.0") {
		t.Fatalf("lxc info output unexpected:\n%s", out)
	}
	var q map[string]any
	if err := json.Unmarshal([]byte(d.MustLXC(t, "query", "/1.0")), &q); err != nil || q["api_version"] != "1.0" {
		t.Fatalf("lxc query /1.0: %v %v", q, err)
	}
}

func TestServerEnvironment(t *testing.T) { scenarioEnvironment(t, daemontest.Start(t)) }

func TestReferenceServerEnvironment(t *testing.T) {
	scenarioEnvironment(t, daemontest.StartReference(t))
}

func rawQuery(t *testing.T, d *daemontest.Daemon, method, path, body string, headers map[string]string) (int, api.Response) {
	t.Helper()
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	resp, err := d.Client.Raw(context.Background(), method, path, strings.NewReader(body), h)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var r api.Response
	_ = json.Unmarshal(data, &r)
	return resp.StatusCode, r
}

func scenarioConfigETag(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	_, etag, err := d.Client.GetServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The ETag of an empty config is sha256("{}\n").
	if etag != "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356" {
		t.Fatalf("unexpected ETag for empty config: %s", etag)
	}
	status, r := rawQuery(t, d, "PATCH", "/1.0", `{"config":{"images.auto_update_interval":"0"}}`,
		map[string]string{"If-Match": `"0000000000000000000000000000000000000000000000000000000000000000"`})
	if status != 412 || !strings.HasPrefix(r.Error, "ETag doesn't match: ca3d163b") {
		t.Fatalf("stale If-Match: %d %q", status, r.Error)
	}
	status, _ = rawQuery(t, d, "PATCH", "/1.0", `{"config":{"images.auto_update_interval":"0"}}`,
		map[string]string{"If-Match": etag}) // unquoted is accepted too
	if status != 200 {
		t.Fatalf("PATCH with current ETag: %d", status)
	}
	status, _ = rawQuery(t, d, "PATCH", "/1.0", `{"config":{"images.remote_cache_expiry":"5"}}`, nil)
	if status != 200 {
		t.Fatalf("PATCH: %d", status)
	}
	srv, _, _ := d.Client.GetServer(ctx)
	if srv.Config["images.auto_update_interval"] != "0" || srv.Config["images.remote_cache_expiry"] != "5" {
		t.Fatalf("PATCH did not merge: %v", srv.Config)
	}
	// PUT replaces: unlisted keys are reset.
	status, _ = rawQuery(t, d, "PUT", "/1.0", `{"config":{"images.remote_cache_expiry":"6"}}`, nil)
	srv, _, _ = d.Client.GetServer(ctx)
	if status != 200 || len(srv.Config) != 1 || srv.Config["images.remote_cache_expiry"] != "6" {
		t.Fatalf("PUT did not replace: %d %v", status, srv.Config)
	}
	tests := []struct {
		body, msg string
	}{
		{`{"config":{"core.no_such_key":"1"}}`, "cannot set 'core.no_such_key' to '1': unknown key"},
		{`{"config":{"images.auto_update_interval":"abc"}}`, "cannot set 'images.auto_update_interval' to 'abc': invalid integer"},
	}
	for _, tt := range tests {
		status, r := rawQuery(t, d, "PATCH", "/1.0", tt.body, nil)
		if status != 400 || r.Error != tt.msg || r.Type != "error" || r.ErrorCode != 400 {
			t.Errorf("%s: got %d %q", tt.body, status, r.Error)
		}
	}
	res := d.LXC(t, "config", "set", "core.bogus", "1")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "Error: cannot set 'core.bogus' to '1': unknown key") {
		t.Fatalf("lxc config set bogus: %+v", res)
	}
	d.MustLXC(t, "config", "set", "images.auto_update_interval", "12")
	if got := strings.TrimSpace(d.MustLXC(t, "config", "get", "images.auto_update_interval")); got != "12" {
		t.Fatalf("config get = %q", got)
	}
}

func TestServerConfigETag(t *testing.T) { scenarioConfigETag(t, daemontest.Start(t)) }

func TestReferenceServerConfigETag(t *testing.T) {
	scenarioConfigETag(t, daemontest.StartReference(t))
}

func scenarioBadInput(t *testing.T, d *daemontest.Daemon) {
	tests := []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"truncated json", "PUT", "/1.0", `{"config":`, 400, "unexpected EOF"},
		{"bad literal", "PUT", "/1.0", `nope`, 400, "invalid character 'o' in literal null (expecting 'u')"},
		{"wrong type", "PUT", "/1.0", `[1,2]`, 400, "json: cannot unmarshal array into Go value of type api.ServerPut"},
		{"unknown endpoint", "GET", "/1.0/nosuch", "", 404, "not found"},
		{"unknown version", "GET", "/2.0", "", 404, "not found"},
		{"method not allowed", "DELETE", "/1.0", "", 501, "not implemented"},
		{"unknown operation", "GET", "/1.0/operations/1234", "", 404, "Operation not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, r := rawQuery(t, d, tt.method, tt.path, tt.body, nil)
			if status != tt.status || r.Error != tt.msg || r.ErrorCode != tt.status {
				t.Fatalf("got %d %q, want %d %q", status, r.Error, tt.status, tt.msg)
			}
		})
	}
	if _, _, err := d.Client.GetServer(context.Background()); err != nil {
		t.Fatalf("daemon stopped serving after bad input: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	d := daemontest.Start(t)
	scenarioBadInput(t, d)
	// Oversized bodies are refused before they are parsed.
	big := `{"config":{"user.x":"` + strings.Repeat("a", 17<<20) + `"}}`
	status, r := rawQuery(t, d, "PUT", "/1.0", big, nil)
	if status != 413 || r.ErrorCode != 413 {
		t.Fatalf("oversized body: %d %q", status, r.Error)
	}
	if _, _, err := d.Client.GetServer(context.Background()); err != nil {
		t.Fatalf("daemon stopped serving: %v", err)
	}
}

func TestReferenceBadInput(t *testing.T) { scenarioBadInput(t, daemontest.StartReference(t)) }

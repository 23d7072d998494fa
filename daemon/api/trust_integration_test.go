//go:build integration

package api_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// enableHTTPS puts the daemon on a free loopback port and returns its URL.
func enableHTTPS(t *testing.T, d *daemontest.Daemon) string {
	addr := fmt.Sprintf("127.0.0.1:%d", daemontest.FreePort(t))
	d.MustLXC(t, "config", "set", "core.https_address", addr)
	return "https://" + addr
}

// anonymousGet queries over HTTPS without a client certificate.
func anonymousGet(t *testing.T, url, path string) (int, api.Response) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := hc.Get(url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
		t.Fatalf("HTTPS listener did not negotiate TLS 1.3")
	}
	data, _ := io.ReadAll(resp.Body)
	var r api.Response
	_ = json.Unmarshal(data, &r)
	return resp.StatusCode, r
}

func scenarioTrustToken(t *testing.T, d *daemontest.Daemon) {
	url := enableHTTPS(t, d)
	// Untrusted clients get the public subset of /1.0 and 403 elsewhere.
	status, r := anonymousGet(t, url, "/1.0")
	md, _ := r.MetadataAsMap()
	if status != 200 || md["auth"] != "untrusted" || md["environment"] != nil || md["config"] != nil {
		t.Fatalf("untrusted /1.0: %d %v", status, md)
	}
	for _, path := range []string{"/1.0/certificates", "/1.0/operations", "/1.0/events"} {
		if status, r := anonymousGet(t, url, path); status != 403 || r.Error != "not authorized" {
			t.Errorf("untrusted %s: %d %q", path, status, r.Error)
		}
	}
	out := d.MustLXC(t, "config", "trust", "add", "--name", "x")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	other := t.TempDir()
	env := []string{"LXD_CONF=" + other}
	if res := d.LXCEnv(t, env, "remote", "add", "peer", token); res.ExitCode != 0 {
		t.Fatalf("remote add with token: %+v", res)
	}
	res := d.LXCEnv(t, env, "info", "peer:")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "auth: trusted") {
		t.Fatalf("info over HTTPS after token: %+v", res)
	}
	certs := d.MustLXC(t, "config", "trust", "list", "--format", "csv")
	if !strings.Contains(certs, "client,x,") {
		t.Fatalf("trusted certificate not listed with the token's name:\n%s", certs)
	}
	// A consumed token cannot be used again.
	third := t.TempDir()
	res = d.LXCEnv(t, []string{"LXD_CONF=" + third}, "remote", "add", "again", token)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "No matching certificate add operation found") {
		t.Fatalf("token reuse: %+v", res)
	}
}

func TestTrustTokenRealClient(t *testing.T) { scenarioTrustToken(t, daemontest.Start(t)) }

func TestReferenceTrustToken(t *testing.T) { scenarioTrustToken(t, daemontest.StartReference(t)) }

func TestTrustTokenExpiry(t *testing.T) {
	d := daemontest.Start(t)
	enableHTTPS(t, d)
	d.MustLXC(t, "config", "set", "core.remote_token_expiry", "1S")
	op, err := d.Client.CreateCertificate(context.Background(), api.CertificatesPost{CertificatePut: api.CertificatePut{Name: "late", Type: "client"}, Token: true})
	if err != nil {
		t.Fatal(err)
	}
	if op.Metadata["expiresAt"] == nil {
		t.Fatalf("token operation has no expiry: %v", op.Metadata)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := op.Wait(ctx); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("token did not expire: %v", err)
	}
}

// clientFor connects over HTTPS with a fresh client certificate.
func clientFor(t *testing.T, url string, serverCert []byte) (*client.Client, *tlsutil.KeyPair) {
	dir := t.TempDir()
	kp, err := tlsutil.LoadOrGenerate(filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key"), false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.ConnectHTTPS(url, &client.Options{ClientCert: kp, ServerCertPEM: serverCert})
	if err != nil {
		t.Fatal(err)
	}
	return c, kp
}

func TestCertificatesCRUD(t *testing.T) {
	d := daemontest.Start(t)
	ctx := context.Background()
	url := enableHTTPS(t, d)
	srv, _, _ := d.Client.GetServer(ctx)
	remote, kp := clientFor(t, url, []byte(srv.Environment.Certificate))
	if _, err := remote.GetCertificates(ctx); api.StatusOf(err) != 403 {
		t.Fatalf("untrusted list: %v", err)
	}
	_, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{
		Name: "c1", Type: "client", Certificate: base64.StdEncoding.EncodeToString(kp.Leaf.Raw)}})
	if err != nil {
		t.Fatal(err)
	}
	cert, etag, err := d.Client.GetCertificate(ctx, kp.Fingerprint[:12])
	if err != nil || cert.Name != "c1" || cert.Fingerprint != kp.Fingerprint || etag == "" {
		t.Fatalf("get: %+v %q %v", cert, etag, err)
	}
	if _, err := remote.GetCertificates(ctx); err != nil {
		t.Fatalf("trusted client cannot list: %v", err)
	}
	put := cert.CertificatePut
	put.Name = "renamed"
	if err := d.Client.UpdateCertificate(ctx, kp.Fingerprint, put, "deadbeef"); api.StatusOf(err) != 412 {
		t.Fatalf("stale ETag: %v", err)
	}
	if err := d.Client.UpdateCertificate(ctx, kp.Fingerprint, put, etag); err != nil {
		t.Fatal(err)
	}
	status, _ := rawQuery(t, d, "PATCH", "/1.0/certificates/"+kp.Fingerprint, `{"name":"patched"}`, nil)
	cert, _, _ = d.Client.GetCertificate(ctx, kp.Fingerprint)
	if status != 200 || cert.Name != "patched" || cert.Type != "client" {
		t.Fatalf("patch: %d %+v", status, cert)
	}
	if err := d.Client.DeleteCertificate(ctx, kp.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.GetCertificates(ctx); api.StatusOf(err) != 403 {
		t.Fatalf("deleted certificate still trusted: %v", err)
	}
	if err := d.Client.DeleteCertificate(ctx, kp.Fingerprint); api.StatusOf(err) != 404 {
		t.Fatalf("second delete: %v", err)
	}
}

func TestRestrictedCertificate(t *testing.T) {
	d := daemontest.Start(t)
	ctx := context.Background()
	url := enableHTTPS(t, d)
	srv, _, _ := d.Client.GetServer(ctx)
	remote, kp := clientFor(t, url, []byte(srv.Environment.Certificate))
	_, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{
		Name: "r", Type: "client", Restricted: true, Projects: []string{}, Certificate: base64.StdEncoding.EncodeToString(kp.Leaf.Raw)}})
	if err != nil {
		t.Fatal(err)
	}
	// No projects: the default project is out of reach.
	if _, err := remote.GetOperations(ctx, false); api.StatusOf(err) != 403 {
		t.Fatalf("restricted client reached the default project: %v", err)
	}
	if err := remote.PatchServer(ctx, api.ServerPut{Config: map[string]any{"user.x": "1"}}, ""); api.StatusOf(err) != 403 {
		t.Fatalf("restricted client changed server config: %v", err)
	}
	if _, err := remote.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{Type: "client"}, Token: true}); api.StatusOf(err) != 403 {
		t.Fatalf("restricted client issued a token: %v", err)
	}
	own, etag, err := remote.GetCertificate(ctx, kp.Fingerprint)
	if err != nil {
		t.Fatalf("restricted client cannot read its own certificate: %v", err)
	}
	escalate := own.CertificatePut
	escalate.Restricted = false
	if err := remote.UpdateCertificate(ctx, kp.Fingerprint, escalate, etag); api.StatusOf(err) != 403 {
		t.Fatalf("restricted client lifted its own restriction: %v", err)
	}
	widen := own.CertificatePut
	widen.Projects = []string{"default"}
	if err := remote.UpdateCertificate(ctx, kp.Fingerprint, widen, ""); api.StatusOf(err) != 403 {
		t.Fatalf("restricted client added a project to itself: %v", err)
	}
	rename := own.CertificatePut
	rename.Name = "still-restricted"
	if err := remote.UpdateCertificate(ctx, kp.Fingerprint, rename, ""); err != nil {
		t.Fatalf("restricted client cannot rename itself: %v", err)
	}
	// An admin grants the project; then it is reachable.
	grant := own.CertificatePut
	grant.Name, grant.Projects = "still-restricted", []string{"default"}
	if err := d.Client.UpdateCertificate(ctx, kp.Fingerprint, grant, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.GetOperations(ctx, false); err != nil {
		t.Fatalf("granted project still unreachable: %v", err)
	}
	if _, err := remote.GetOperations(ctx, true); err != nil {
		t.Fatalf("all-projects for restricted: %v", err)
	}
}

func TestReferenceRestrictedCertificateCannotLiftItself(t *testing.T) {
	d := daemontest.StartReference(t)
	ctx := context.Background()
	url := enableHTTPS(t, d)
	srv, _, _ := d.Client.GetServer(ctx)
	remote, kp := clientFor(t, url, []byte(srv.Environment.Certificate))
	_, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{
		Name: "r", Type: "client", Restricted: true, Projects: []string{}, Certificate: base64.StdEncoding.EncodeToString(kp.Leaf.Raw)}})
	if err != nil {
		t.Fatal(err)
	}
	own, etag, err := remote.GetCertificate(ctx, kp.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	escalate := own.CertificatePut
	escalate.Restricted = false
	if err := remote.UpdateCertificate(ctx, kp.Fingerprint, escalate, etag); api.StatusOf(err) != 403 {
		t.Fatalf("reference: restricted client lifted its own restriction: %v", err)
	}
}

func TestServerCORS(t *testing.T) {
	d := daemontest.Start(t)
	url := enableHTTPS(t, d)
	d.MustLXC(t, "config", "set", "core.https_allowed_origin", "https://ui.example")
	d.MustLXC(t, "config", "set", "core.https_allowed_credentials", "true")
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Get(url + "/1.0")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://ui.example" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("CORS headers missing: %v", resp.Header)
	}
}

func TestDebugAddress(t *testing.T) {
	d := daemontest.Start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", daemontest.FreePort(t))
	d.MustLXC(t, "config", "set", "core.debug_address", addr)
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("pprof: %d", resp.StatusCode)
	}
	d.MustLXC(t, "config", "unset", "core.debug_address")
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Fatal("pprof still served after unset")
	}
}

func TestHTTPSAddressChangesLiveAndPersists(t *testing.T) {
	d := daemontest.Start(t)
	url := enableHTTPS(t, d)
	if status, _ := anonymousGet(t, url, "/"); status != 200 {
		t.Fatal("listener not up")
	}
	busy := fmt.Sprintf("127.0.0.1:%d", daemontest.FreePort(t))
	res := d.LXC(t, "config", "set", "core.https_address", "256.0.0.1:1")
	if res.ExitCode == 0 {
		t.Fatal("invalid address accepted")
	}
	d.MustLXC(t, "config", "set", "core.https_address", busy)
	if status, _ := anonymousGet(t, "https://"+busy, "/"); status != 200 {
		t.Fatal("new listener not up")
	}
	d.Restart()
	if status, _ := anonymousGet(t, "https://"+busy, "/"); status != 200 {
		t.Fatal("listener not restored after restart")
	}
	if data, err := os.ReadFile(filepath.Join(d.Dir, "daemon.yaml")); err != nil || !strings.Contains(string(data), busy) {
		t.Fatalf("daemon.yaml: %s %v", data, err)
	}
}

//go:build integration

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestInfoVersionQuery(t *testing.T) {
	d := startDaemon(t)
	conf := tempDir(t, "lxdngcli-conf-")

	info := d.lxc(t, conf, "info")
	for _, want := range []string{"auth: trusted", "server_version: 5.0.2", "api_version: \"1.0\"", "config: {}"} {
		if !strings.Contains(info, want) {
			t.Fatalf("lxc info lacks %q:\n%s", want, info)
		}
	}
	if got := d.lxc(t, conf, "info", "local:"); got != info {
		t.Fatalf("info local: differs from info")
	}
	if got := d.lxc(t, conf, "version"); got != "Client version: 5.0.2\nServer version: 5.0.2\n" {
		t.Fatalf("version: %q", got)
	}

	var root []string
	if err := json.Unmarshal([]byte(d.lxc(t, conf, "query", "/")), &root); err != nil || len(root) != 1 || root[0] != "/1.0" {
		t.Fatalf("query /: %v %v", root, err)
	}
	var server map[string]any
	if err := json.Unmarshal([]byte(d.lxc(t, conf, "query", "/1.0")), &server); err != nil || server["api_version"] != "1.0" {
		t.Fatalf("query /1.0: %v %v", server, err)
	}
	raw := d.lxc(t, conf, "query", "--raw", "/1.0/operations")
	if !strings.Contains(raw, "\"type\": \"sync\"") || !strings.HasSuffix(raw, "}\n\n") {
		t.Fatalf("query --raw: %q", raw)
	}
	d.lxc(t, conf, "query", "-X", "PATCH", "-d", `{"config":{"images.auto_update_interval":"3"}}`, "/1.0")
	if got := d.lxc(t, conf, "config", "get", "images.auto_update_interval"); got != "3\n" {
		t.Fatalf("PATCH through query not applied: %q", got)
	}
	d.lxcFail(t, conf, "Query path must start with /", "query", "1.0")
	d.lxcFail(t, conf, `The remote "nope" doesn't exist`, "info", "nope:")
	d.lxcFail(t, conf, "The remote isn't a private LXD server", "info", "images:")
}

func TestServerConfig(t *testing.T) {
	d := startDaemon(t)
	conf := tempDir(t, "lxdngcli-conf-")

	d.lxc(t, conf, "config", "set", "images.auto_update_interval", "5")
	if got := d.lxc(t, conf, "config", "get", "images.auto_update_interval"); got != "5\n" {
		t.Fatalf("get: %q", got)
	}
	d.lxc(t, conf, "config", "set", "local:", "core.proxy_http=http://proxy.invalid", "images.remote_cache_expiry=4")
	want := "config:\n  core.proxy_http: http://proxy.invalid\n  images.auto_update_interval: \"5\"\n  images.remote_cache_expiry: \"4\"\n"
	if got := d.lxc(t, conf, "config", "show"); got != want {
		t.Fatalf("show:\n%s\nwant:\n%s", got, want)
	}
	d.lxc(t, conf, "config", "unset", "core.proxy_http")
	d.lxc(t, conf, "config", "unset", "local:", "images.remote_cache_expiry")
	if got := d.lxc(t, conf, "config", "get", "local:", "core.proxy_http"); got != "\n" {
		t.Fatalf("unset key still set: %q", got)
	}

	// Errors carry the daemon's message, LXD style.
	d.lxcFail(t, conf, "cannot set 'core.no_such_key' to '1': unknown key", "config", "set", "core.no_such_key", "1")
	d.lxcFail(t, conf, "cannot set 'images.auto_update_interval' to 'abc': invalid integer",
		"config", "set", "images.auto_update_interval=abc")
	d.lxcFail(t, conf, "Invalid key=value configuration: user.c", "config", "set", "user.c")

	// edit from stdin replaces the whole config.
	r := d.run(t, d.lxcBin, conf, "config:\n  images.auto_update_interval: 12\n", "config", "edit")
	if r.code != 0 {
		t.Fatalf("config edit: %s", r)
	}
	if got := d.lxc(t, conf, "config", "show"); got != "config:\n  images.auto_update_interval: \"12\"\n" {
		t.Fatalf("after edit: %q", got)
	}
	// edit in $EDITOR (a sed script) on a terminal-less run goes through stdin;
	// exercise the editor path with a pty-free EDITOR via textEditor directly.
	t.Setenv("EDITOR", "sed -i s/12/13/")
	out, err := textEditor("config:\n  images.auto_update_interval: \"12\"\n")
	if err != nil || !strings.Contains(string(out), "\"13\"") {
		t.Fatalf("textEditor: %q %v", out, err)
	}
}

func TestTrustTokenRemoteHTTPS(t *testing.T) {
	d := startDaemon(t)
	admin := tempDir(t, "lxdngcli-conf-")
	addr := d.listenHTTPS(t, admin)

	out := d.lxc(t, admin, "config", "trust", "add", "--name", "laptop")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "Client laptop certificate add token:" {
		t.Fatalf("trust add output: %q", out)
	}
	token := lines[1]
	decoded, err := decodeToken(token)
	if err != nil || decoded.ClientName != "laptop" || decoded.Addresses[0] != addr {
		t.Fatalf("token %+v %v", decoded, err)
	}
	if tokens := d.lxc(t, admin, "config", "trust", "list-tokens", "-f", "csv"); !strings.HasPrefix(tokens, "laptop,"+token+",") {
		t.Fatalf("list-tokens: %q", tokens)
	}

	user := tempDir(t, "lxdngcli-conf-")
	r := d.run(t, d.lxcBin, user, "", "remote", "add", "srv", token)
	if r.code != 0 || !strings.Contains(r.stderr, "Generating a client certificate. This may take a minute...") {
		t.Fatalf("remote add with token: %s", r)
	}
	for _, f := range []string{"client.crt", "client.key", "servercerts/srv.crt", "config.yml"} {
		if _, err := os.Stat(filepath.Join(user, f)); err != nil {
			t.Fatalf("missing %s: %v", f, err)
		}
	}
	if info := d.lxc(t, user, "info", "srv:"); !strings.Contains(info, "auth: trusted") || !strings.Contains(info, addr) {
		t.Fatalf("info over HTTPS:\n%s", info)
	}
	if tokens := d.lxc(t, admin, "config", "trust", "list-tokens", "-f", "csv"); tokens != "" {
		t.Fatalf("token not consumed: %q", tokens)
	}
	trusted := d.lxc(t, admin, "config", "trust", "list", "-f", "csv")
	if !strings.HasPrefix(trusted, "client,laptop,") {
		t.Fatalf("trust list: %q", trusted)
	}
	d.run(t, d.lxcBin, user, "", "remote", "add", "again", token) // token reuse must fail
	d.lxcFail(t, user, "Remote srv exists as <https://"+addr+">", "remote", "add", "srv", addr)

	// remote list / rename / switch / remove.
	if list := d.lxc(t, user, "remote", "list", "-f", "csv"); !strings.Contains(list, "srv,https://"+addr+",lxd,tls,NO,NO,NO\n") {
		t.Fatalf("remote list: %q", list)
	}
	d.lxc(t, user, "remote", "rename", "srv", "srv2")
	if _, err := os.Stat(filepath.Join(user, "servercerts", "srv2.crt")); err != nil {
		t.Fatalf("server certificate not renamed: %v", err)
	}
	d.lxc(t, user, "remote", "switch", "srv2")
	if got := d.lxc(t, user, "remote", "get-default"); got != "srv2\n" {
		t.Fatalf("get-default: %q", got)
	}
	if v := d.lxc(t, user, "version"); v != "Client version: 5.0.2\nServer version: 5.0.2\n" {
		t.Fatalf("version over HTTPS: %q", v)
	}
	d.lxcFail(t, user, "Can't remove the default remote", "remote", "remove", "srv2")
	d.lxcFail(t, user, "Remote local is static and cannot be modified", "remote", "remove", "local")
	d.lxc(t, user, "remote", "switch", "local")
	d.lxc(t, user, "remote", "remove", "srv2")
	if list := d.lxc(t, user, "remote", "list"); strings.Contains(list, "srv2") {
		t.Fatalf("removed remote still listed:\n%s", list)
	}
	d.lxcFail(t, user, "Remote srv2 doesn't exist", "remote", "remove", "srv2")
}

func TestRemoteAddPasswordAndFingerprintPrompt(t *testing.T) {
	d := startDaemon(t)
	admin := tempDir(t, "lxdngcli-conf-")
	addr := d.listenHTTPS(t, admin)
	d.lxc(t, admin, "config", "set", "core.trust_password", "sekret")

	user := tempDir(t, "lxdngcli-conf-")
	r := d.run(t, d.lxcBin, user, "n\n", "remote", "add", "pw", addr, "--password", "sekret")
	if r.code != 1 || !strings.Contains(r.stdout, "ok (y/n/[fingerprint])? ") || !strings.Contains(r.stderr, "Error: Server certificate NACKed by user") {
		t.Fatalf("refused fingerprint: %s", r)
	}
	r = d.run(t, d.lxcBin, user, "", "remote", "add", "pw", addr, "--accept-certificate", "--password", "wrong")
	if r.code != 1 || !strings.Contains(r.stderr, "Error: not authorized") {
		t.Fatalf("wrong password: %s", r)
	}
	r = d.run(t, d.lxcBin, user, "y\n", "remote", "add", "pw", addr, "--password", "sekret")
	if r.code != 0 || !strings.Contains(r.stdout, "Client certificate now trusted by server: pw") {
		t.Fatalf("remote add with password: %s", r)
	}
	if list := d.lxc(t, user, "remote", "list", "-f", "csv"); !strings.Contains(list, "pw,https://"+addr+",lxd,tls,NO,NO,NO") {
		t.Fatalf("remote list: %q", list)
	}
	// Already trusted: a second remote to the same server needs no password.
	d.lxc(t, user, "remote", "add", "pw2", "https://"+addr, "--accept-certificate")
	d.lxc(t, user, "remote", "set-url", "pw2", "https://"+addr)
	d.lxc(t, user, "info", "pw2:")
}

func TestTrustCertificateFile(t *testing.T) {
	d := startDaemon(t)
	admin := tempDir(t, "lxdngcli-conf-")
	d.listenHTTPS(t, admin)
	// A client certificate made by our lxc for another config dir.
	other := tempDir(t, "lxdngcli-conf-")
	a := &app{conf: NewConfig(other), stderr: os.Stderr, flags: globalFlags{quiet: true}}
	kp, err := a.clientCertificate()
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(other, "client.crt")
	d.lxc(t, admin, "config", "trust", "add", certFile, "--restricted", "--projects", "default")
	show := d.lxc(t, admin, "config", "trust", "show", kp.Fingerprint)
	for _, want := range []string{"name: client.crt", "restricted: true", "- default", "fingerprint: " + kp.Fingerprint} {
		if !strings.Contains(show, want) {
			t.Fatalf("trust show lacks %q:\n%s", want, show)
		}
	}
	r := d.run(t, d.lxcBin, admin, "name: renamed\ntype: client\nrestricted: false\nprojects: []\n", "config", "trust", "edit", kp.Fingerprint[:12])
	if r.code != 0 {
		t.Fatalf("trust edit: %s", r)
	}
	if list := d.lxc(t, admin, "config", "trust", "list", "-f", "csv"); !strings.Contains(list, "client,renamed,") || !strings.Contains(list, kp.Fingerprint[:12]) {
		t.Fatalf("trust list after edit: %q", list)
	}
	var certs []map[string]any
	if err := json.Unmarshal([]byte(d.lxc(t, admin, "config", "trust", "list", "-f", "json")), &certs); err != nil || len(certs) != 1 {
		t.Fatalf("trust list json: %v %v", certs, err)
	}
	d.lxc(t, admin, "config", "trust", "remove", kp.Fingerprint)
	d.lxcFail(t, admin, "Certificate not found", "config", "trust", "show", kp.Fingerprint)
}

func TestOperationsAndTokens(t *testing.T) {
	d := startDaemon(t)
	conf := tempDir(t, "lxdngcli-conf-")
	d.listenHTTPS(t, conf)
	d.lxc(t, conf, "config", "trust", "add", "--name", "a")
	d.lxc(t, conf, "config", "trust", "add", "--name", "b")

	rows := strings.Split(strings.TrimSpace(d.lxc(t, conf, "operation", "list", "-f", "csv")), "\n")
	if len(rows) != 2 {
		t.Fatalf("operation list: %q", rows)
	}
	fields := strings.Split(rows[0], ",")
	if fields[1] != "TOKEN" || fields[2] != "Executing operation" || fields[3] != "RUNNING" || fields[4] != "YES" {
		t.Fatalf("operation row: %q", rows[0])
	}
	show := d.lxc(t, conf, "operation", "show", fields[0])
	if !strings.Contains(show, "id: "+fields[0]) || !strings.Contains(show, "class: token") {
		t.Fatalf("operation show:\n%s", show)
	}
	table := d.lxc(t, conf, "operation", "list")
	if lines := strings.Split(table, "\n"); len(lines) != 8 || lines[1] != "|                  ID                  | TYPE  |     DESCRIPTION     | STATUS  | CANCELABLE |       CREATED        |" {
		t.Fatalf("operation list table:\n%s", table)
	}

	if got := d.lxc(t, conf, "config", "trust", "revoke-token", "a"); got != "Certificate add token for a deleted\n" {
		t.Fatalf("revoke-token: %q", got)
	}
	d.lxcFail(t, conf, "No certificate add token for member a on remote: local", "config", "trust", "revoke-token", "a")
	tokens := d.lxc(t, conf, "config", "trust", "list-tokens", "-f", "csv")
	if !strings.HasPrefix(tokens, "b,") || strings.Count(tokens, "\n") != 1 {
		t.Fatalf("list-tokens after revoke: %q", tokens)
	}
	var id string
	for _, row := range strings.Split(strings.TrimSpace(d.lxc(t, conf, "operation", "list", "-f", "csv")), "\n") {
		if f := strings.Split(row, ","); f[3] == "RUNNING" {
			id = f[0]
		}
	}
	if got := d.lxc(t, conf, "operation", "delete", id); got != "Operation "+id+" deleted\n" {
		t.Fatalf("operation delete: %q", got)
	}
	if tokens := d.lxc(t, conf, "config", "trust", "list-tokens", "-f", "csv"); tokens != "" {
		t.Fatalf("token of a cancelled operation still listed: %q", tokens)
	}
	d.lxcFail(t, conf, "Operation not found", "operation", "show", "00000000-0000-0000-0000-000000000000")
}

func TestMonitorReceivesEvents(t *testing.T) {
	d := startDaemon(t)
	conf := tempDir(t, "lxdngcli-conf-")
	d.lxc(t, conf, "info") // first run: write config.yml before the monitor starts

	cmd := exec.Command(d.lxcBin, "monitor", "--type=lifecycle")
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.dir, "LXD_CONF="+conf)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	var mu sync.Mutex
	var output strings.Builder
	go func() {
		defer close(done)
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			mu.Lock()
			output.WriteString(scanner.Text() + "\n")
			mu.Unlock()
		}
		_ = cmd.Wait()
	}()
	// The subscription starts asynchronously: keep changing the config
	// until an event shows up.
	n := 0
	waitFor(t, "a config-updated lifecycle event", 15*time.Second, func() bool {
		n++
		d.lxc(t, conf, "config", "set", "images.auto_update_interval", string(rune('0'+n%10)))
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(output.String(), "action: config-updated")
	})
	mu.Lock()
	got := output.String()
	mu.Unlock()
	for _, want := range []string{"type: lifecycle", "source: /1.0", "location: none"} {
		if !strings.Contains(got, want) {
			t.Fatalf("monitor output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "type: operation") {
		t.Fatalf("--type=lifecycle let other events through:\n%s", got)
	}
}

// A config dir made by OUR lxc works with the real lxc 5.0.2, and the
// other way round.
func TestConfigInteroperability(t *testing.T) {
	real := realLXC(t)
	d := startDaemon(t)
	admin := tempDir(t, "lxdngcli-conf-")
	addr := d.listenHTTPS(t, admin)

	tokenOf := func(name string) string {
		out := d.lxc(t, admin, "config", "trust", "add", "--name", name)
		return strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n"):])
	}

	ours := tempDir(t, "lxdngcli-conf-")
	d.lxc(t, ours, "remote", "add", "viaours", tokenOf("ours"))
	r := d.run(t, real, ours, "", "info", "viaours:")
	if r.code != 0 || !strings.Contains(r.stdout, "auth: trusted") || !strings.Contains(r.stdout, addr) {
		t.Fatalf("real lxc with our config dir: %s", r)
	}
	if r := d.run(t, real, ours, "", "remote", "list", "-f", "csv"); r.code != 0 || !strings.Contains(r.stdout, "viaours,https://"+addr) {
		t.Fatalf("real lxc remote list on our config: %s", r)
	}
	if r := d.run(t, real, ours, "", "remote", "rename", "viaours", "renamed"); r.code != 0 {
		t.Fatalf("real lxc remote rename: %s", r)
	}
	d.lxc(t, ours, "info", "renamed:")

	theirs := tempDir(t, "lxdngcli-conf-")
	if r := d.run(t, real, theirs, "", "remote", "add", "viareal", tokenOf("real")); r.code != 0 {
		t.Fatalf("real lxc remote add: %s", r)
	}
	if info := d.lxc(t, theirs, "info", "viareal:"); !strings.Contains(info, "auth: trusted") {
		t.Fatalf("our lxc with the real client's config dir:\n%s", info)
	}
	// Aliases made by the real client expand in ours.
	if r := d.run(t, real, theirs, "", "alias", "add", "v", "version @ARG1@"); r.code != 0 {
		t.Fatalf("real lxc alias add: %s", r)
	}
	if got := d.lxc(t, theirs, "v", "viareal:"); got != "Client version: 5.0.2\nServer version: 5.0.2\n" {
		t.Fatalf("alias expansion: %q", got)
	}
	// Both clients list the same remotes the same way.
	want := d.run(t, real, theirs, "", "remote", "list")
	if got := d.lxc(t, theirs, "remote", "list"); got != want.stdout {
		t.Fatalf("remote list differs:\nours:\n%s\nreal:\n%s", got, want.stdout)
	}
}

//go:build integration

package daemon_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// TestClusterMemberEdit: description, failure domain, config and user
// roles are editable (PUT with ETag, PATCH); database roles are not; a
// member can be renamed.
func TestClusterMemberEdit(t *testing.T) {
	c := daemontest.Cluster(t, 1)
	m1 := c.Members[0]
	ctx := context.Background()
	var cur api.ClusterMember
	etag, err := m1.Client.Get(ctx, "/1.0/cluster/members/m1", &cur)
	if err != nil || etag == "" {
		t.Fatalf("GET member: %v etag %q", err, etag)
	}
	put := cur.ClusterMemberPut
	put.Description, put.FailureDomain = "rack one", "rack1"
	put.Config = map[string]string{"scheduler.instance": "manual", "user.owner": "ops"}
	put.Roles = append(put.Roles, "event-hub")
	if _, _, err := m1.Client.Query(ctx, http.MethodPut, "/1.0/cluster/members/m1", put, "0000"); !api.IsStatus(err, http.StatusPreconditionFailed) {
		t.Fatalf("PUT with a stale ETag: %v", err)
	}
	if _, _, err := m1.Client.Query(ctx, http.MethodPut, "/1.0/cluster/members/m1", put, etag); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m1.Client.Query(ctx, http.MethodPatch, "/1.0/cluster/members/m1", map[string]any{"description": "rack 1"}, ""); err != nil {
		t.Fatal(err)
	}
	got := memberOf(t, m1, "m1")
	if got.Description != "rack 1" || got.FailureDomain != "rack1" || got.Config["user.owner"] != "ops" ||
		strings.Join(got.Roles, ",") != "event-hub,database-leader,database" {
		t.Fatalf("after edit: %+v", got)
	}
	out := m1.MustLXC(t, "cluster", "list", "--format=csv")
	if !strings.Contains(out, "rack1") || !strings.Contains(out, "rack 1") {
		t.Fatalf("lxc cluster list after edit:\n%s", out)
	}

	bad := []struct {
		name   string
		put    api.ClusterMemberPut
		status int
		text   string
	}{
		{"drop database", api.ClusterMemberPut{Roles: []string{"event-hub"}, FailureDomain: "x", Groups: []string{"default"}}, 400, `The "database" role cannot be dropped at this time`},
		{"unknown role", api.ClusterMemberPut{Roles: []string{"database", "bogus"}, FailureDomain: "x", Groups: []string{"default"}}, 500, `Invalid cluster role "bogus"`},
		{"no group", api.ClusterMemberPut{Roles: []string{"database"}, FailureDomain: "x"}, 400, "Cluster members need to belong to at least one group"},
		{"bad config", api.ClusterMemberPut{Roles: []string{"database"}, FailureDomain: "x", Groups: []string{"default"}, Config: map[string]string{"nope": "1"}}, 400, `"nope"`},
	}
	for _, b := range bad {
		_, _, err := m1.Client.Query(ctx, http.MethodPut, "/1.0/cluster/members/m1", b.put, "")
		if !api.IsStatus(err, b.status) || !strings.Contains(err.Error(), b.text) {
			t.Errorf("%s: got %v, want %d %q", b.name, err, b.status, b.text)
		}
	}

	m1.MustLXC(t, "cluster", "rename", "m1", "first")
	srv, _, err := m1.Client.GetServer(ctx)
	if err != nil || srv.Environment.ServerName != "first" {
		t.Fatalf("after rename: %q %v", srv.Environment.ServerName, err)
	}
	if out := m1.MustLXC(t, "cluster", "list", "--format=csv"); !strings.HasPrefix(out, "first,") {
		t.Fatalf("lxc cluster list after rename:\n%s", out)
	}
	m1.MustLXC(t, "cluster", "rename", "first", "m1")
}

// TestClusterUpdateCertificate: `lxc cluster update-certificate` replaces
// the cluster certificate on every member; the members keep talking to
// each other and new members join with the new fingerprint.
func TestClusterUpdateCertificate(t *testing.T) {
	c := daemontest.Cluster(t, 2)
	m1, m2 := c.Members[0], c.Members[1]
	certPEM, keyPEM, err := tlsutil.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "new.crt"), filepath.Join(dir, "new.key")
	_ = os.WriteFile(certFile, certPEM, 0o600)
	_ = os.WriteFile(keyFile, keyPEM, 0o600)
	want, _, _ := tlsutil.FingerprintPEM(certPEM)

	m1.MustLXC(t, "cluster", "update-certificate", certFile, keyFile)
	for _, m := range c.Members {
		srv, _, err := m.Client.GetServer(context.Background())
		if err != nil || srv.Environment.CertificateFingerprint != want {
			t.Fatalf("%s presents %s, want %s (%v)", m.Name, srv.Environment.CertificateFingerprint, want, err)
		}
		data, _ := os.ReadFile(filepath.Join(m.Dir, "cluster.crt"))
		if string(data) != string(certPEM) {
			t.Fatalf("%s: cluster.crt not replaced", m.Name)
		}
	}
	// Member-to-member traffic uses the new certificate.
	time.Sleep(2 * time.Second) // a few heartbeats
	if m := memberOf(t, m1, "m2"); m.Status != api.ClusterMemberOnline {
		t.Fatalf("m2 after certificate update: %+v", m)
	}
	if out := m1.MustLXC(t, "query", "/1.0?target=m2"); !strings.Contains(out, `"server_name": "m2"`) {
		t.Fatalf("forwarding after certificate update: %s", out)
	}
	_ = m2
	m3 := &daemontest.Member{Daemon: daemontest.StartWith(t, daemontest.Options{Env: []string{daemontest.HeartbeatEnv}}),
		Name: "m3", Address: daemontest.NextAddress(t)}
	c.Join(t, m3)
	c.WaitSettled(t, 30*time.Second)

	r := m1.LXC(t, "query", "-X", "PUT", "/1.0/cluster/certificate", "--data", `{"cluster_certificate":"junk","cluster_certificate_key":"junk"}`)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Invalid cluster certificate") {
		t.Fatalf("junk certificate: exit %d: %s", r.ExitCode, r.Stderr)
	}
}

package daemontest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxdng/lxd/cluster/token"
	"github.com/lxdng/lxd/shared/api"
)

// HeartbeatEnv shortens our daemons' cluster heartbeat (see
// cluster.HeartbeatEnv) so that cluster tests run fast.
const HeartbeatEnv = "LXD_CLUSTER_HEARTBEAT_INTERVAL=1s"

// Member is one daemon of a test cluster.
type Member struct {
	*Daemon
	Name    string
	Address string // host:port of its HTTPS listener (cluster address)
}

// TestCluster is a cluster of daemons started by Cluster or ReferenceCluster.
type TestCluster struct {
	Kind    Kind
	Members []*Member
}

// hostCounter hands out 127.0.1.x hosts so that concurrent clusters (and the
// reference daemons, which bind :8443) do not collide.
var hostCounter atomic.Int32

// NextAddress returns a free host:port on 127.0.1.x (loopback).
func NextAddress(t testing.TB) string {
	t.Helper()
	for i := 0; i < 50; i++ {
		n := 100 + (int(hostCounter.Add(1))+os.Getpid())%150
		host := "127.0.1." + strconv.Itoa(n)
		ln, err := net.Listen("tcp", host+":0")
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	t.Fatal("no free address on 127.0.1.x")
	return ""
}

// Cluster starts n of our daemons, bootstraps the first through the API
// (member "m1"), joins the others through the real token flow (POST
// /1.0/cluster/members on m1, then PUT /1.0/cluster with the token on the
// joiner) and waits until every member is Online with its database role.
func Cluster(t testing.TB, n int) *TestCluster {
	t.Helper()
	c := &TestCluster{Kind: Ours}
	for i := 1; i <= n; i++ {
		d := StartWith(t, Options{Env: []string{HeartbeatEnv}})
		c.Members = append(c.Members, &Member{Daemon: d, Name: fmt.Sprintf("m%d", i), Address: NextAddress(t)})
	}
	c.Members[0].Bootstrap(t)
	for _, m := range c.Members[1:] {
		c.Join(t, m)
	}
	c.WaitSettled(t, 30*time.Second)
	return c
}

// ReferenceCluster does the same with the real LXD 5.0.2 (port 8443 on
// distinct 127.0.1.x hosts).
func ReferenceCluster(t testing.TB, n int) *TestCluster {
	t.Helper()
	c := &TestCluster{Kind: Reference}
	for i := 1; i <= n; i++ {
		d := StartReference(t)
		host, _, _ := net.SplitHostPort(NextAddress(t))
		c.Members = append(c.Members, &Member{Daemon: d, Name: fmt.Sprintf("m%d", i), Address: host + ":8443"})
	}
	c.Members[0].Bootstrap(t)
	for _, m := range c.Members[1:] {
		c.Join(t, m)
	}
	c.WaitSettled(t, 60*time.Second)
	return c
}

// Bootstrap turns m into the first member of a cluster.
func (m *Member) Bootstrap(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	err := m.Client.PatchServer(ctx, api.ServerPut{Config: map[string]any{"core.https_address": m.Address}}, "")
	if err != nil {
		t.Fatalf("%s: set core.https_address: %v", m.Name, err)
	}
	op, err := m.Client.Do(ctx, http.MethodPut, "/1.0/cluster", api.ClusterPut{Cluster: api.Cluster{ServerName: m.Name, Enabled: true}}, "")
	if err != nil {
		t.Fatalf("%s: bootstrap: %v", m.Name, err)
	}
	if err := op.Wait(ctx); err != nil {
		t.Fatalf("%s: bootstrap: %v", m.Name, err)
	}
}

// Token asks the first member for a join token for name.
func (c *TestCluster) Token(t testing.TB, name string) string {
	t.Helper()
	op, err := c.Members[0].Client.Do(context.Background(), http.MethodPost, "/1.0/cluster/members", api.ClusterMembersPost{ServerName: name}, "")
	if err != nil {
		t.Fatalf("join token for %s: %v", name, err)
	}
	tok, ok := token.FromMetadata(op.Metadata)
	if !ok {
		t.Fatalf("join token operation without token metadata: %v", op.Metadata)
	}
	return token.Encode(tok)
}

// JoinPut is the PUT /1.0/cluster body that joins m with tok.
func (c *TestCluster) JoinPut(t testing.TB, m *Member, tok string) api.ClusterPut {
	t.Helper()
	srv, _, err := c.Members[0].Client.GetServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return api.ClusterPut{
		Cluster:            api.Cluster{ServerName: m.Name, Enabled: true, MemberConfig: []api.ClusterMemberConfigKey{}},
		ClusterAddress:     c.Members[0].Address,
		ClusterCertificate: srv.Environment.Certificate,
		ServerAddress:      m.Address,
		ClusterToken:       tok,
	}
}

// Join adds m to the cluster and appends it to Members if absent. Ours
// joins through a raw PUT /1.0/cluster; the reference through its own
// `lxd init --preseed` (its client side first gets the joiner trusted).
func (c *TestCluster) Join(t testing.TB, m *Member) {
	t.Helper()
	tok := c.Token(t, m.Name)
	if m.Kind == Reference {
		preseed := "cluster:\n  enabled: true\n  server_name: " + m.Name + "\n  server_address: " + m.Address +
			"\n  cluster_address: " + c.Members[0].Address + "\n  cluster_token: " + tok + "\n  member_config: []\n"
		cmd := exec.Command("/usr/bin/lxd", "init", "--preseed")
		cmd.Env = append(os.Environ(), "LXD_DIR="+m.Dir)
		cmd.Stdin = strings.NewReader(preseed)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: lxd init --preseed: %v\n%s", m.Name, err, out)
		}
	} else {
		put := c.JoinPut(t, m, tok)
		op, err := m.Client.Do(context.Background(), http.MethodPut, "/1.0/cluster", put, "")
		if err == nil {
			err = op.Wait(context.Background())
		}
		if err != nil {
			t.Fatalf("%s: join: %v", m.Name, err)
		}
	}
	for _, have := range c.Members {
		if have == m {
			return
		}
	}
	c.Members = append(c.Members, m)
}

// WaitSettled waits until the first member sees every member Online and,
// with three members or more, three database voters.
func (c *TestCluster) WaitSettled(t testing.TB, timeout time.Duration) {
	t.Helper()
	var last string
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ok, desc := c.settled()
		if ok {
			return
		}
		last = desc
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("cluster not settled after %s: %s", timeout, last)
}

func (c *TestCluster) settled() (bool, string) {
	var members []api.ClusterMember
	if _, err := c.Members[0].Client.Get(context.Background(), "/1.0/cluster/members?recursion=1", &members); err != nil {
		return false, err.Error()
	}
	voters := 0
	var desc []string
	for _, m := range members {
		desc = append(desc, fmt.Sprintf("%s:%s:%v", m.ServerName, m.Status, m.Roles))
		if m.Status != api.ClusterMemberOnline {
			return false, strings.Join(desc, " ")
		}
		for _, r := range m.Roles {
			if r == api.ClusterRoleDatabase {
				voters++
			}
		}
	}
	want := 3
	if len(c.Members) < 3 {
		want = 1
	}
	return len(members) == len(c.Members) && voters >= want, strings.Join(desc, " ")
}

// Member returns the member called name.
func (c *TestCluster) Member(name string) *Member {
	for _, m := range c.Members {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// RestartWithEnv restarts the daemon with extra environment.
func (d *Daemon) RestartWithEnv(env []string) {
	d.Stop()
	d.env = env
	d.launch()
}

// StartFails launches the (stopped) daemon and expects it to exit within
// timeout without becoming ready; it returns the end of its log.
func (d *Daemon) StartFails(env []string, timeout time.Duration) string {
	t := d.t
	d.env = env
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	start := len(readFile(d.logPath))
	cmd := d.command(logf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("daemon did not exit within %s", timeout)
	}
	return readFile(d.logPath)[start:]
}

func readFile(path string) string {
	data, _ := os.ReadFile(filepath.Clean(path))
	return string(data)
}

// StartNoWait launches the (stopped) daemon with env and returns without
// waiting for it to be ready (e.g. a member held by the version gate).
func (d *Daemon) StartNoWait(env []string) {
	t := d.t
	d.env = env
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	d.cmd = d.command(logf)
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// WaitReady waits until the daemon answers GET /1.0.
func (d *Daemon) WaitReady(timeout time.Duration) { d.waitReady(timeout) }

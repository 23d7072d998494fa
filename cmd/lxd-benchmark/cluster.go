package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lxdng/lxd/cluster/token"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/daemons"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/stats"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// member is one daemon of the benchmark's cluster.
type member struct {
	name    string
	address string // host:port of its cluster (HTTPS) listener
	d       *daemons.Daemon
}

// benchCluster is a 3-member cluster of our daemons on 127.0.1.x.
type benchCluster struct {
	members []*member
}

// startCluster starts n of our daemons, bootstraps the first and joins the
// others with join tokens, then waits until all are online voters.
func startCluster(ctx context.Context, bin string, n int) (*benchCluster, error) {
	c := &benchCluster{}
	for i := 1; i <= n; i++ {
		addr, err := freeClusterAddr(i)
		if err != nil {
			c.stop()
			return nil, err
		}
		d, err := daemons.Start(ctx, daemons.Options{Label: fmt.Sprintf("m%d", i), Binary: bin})
		if err != nil {
			c.stop()
			return nil, err
		}
		c.members = append(c.members, &member{name: fmt.Sprintf("m%d", i), address: addr, d: d})
	}
	if err := c.bootstrap(ctx); err != nil {
		c.stop()
		return nil, err
	}
	for _, m := range c.members[1:] {
		if err := c.join(ctx, m); err != nil {
			c.stop()
			return nil, fmt.Errorf("%s: join: %w", m.name, err)
		}
	}
	if err := c.waitSettled(ctx, c.members[0], n, time.Minute); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *benchCluster) stop() {
	for _, m := range c.members {
		m.d.Stop()
	}
}

// freeClusterAddr finds a free port on a loopback host of its own.
func freeClusterAddr(i int) (string, error) {
	for n := 0; n < 50; n++ {
		host := "127.0.1." + strconv.Itoa(10+(i*37+n*7)%240)
		ln, err := net.Listen("tcp", host+":0")
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr, nil
	}
	return "", errors.New("No free address on 127.0.1.x")
}

func (c *benchCluster) bootstrap(ctx context.Context) error {
	m := c.members[0]
	if err := m.d.Client.PatchServer(ctx, api.ServerPut{Config: map[string]any{"core.https_address": m.address}}, ""); err != nil {
		return fmt.Errorf("%s: set core.https_address: %w", m.name, err)
	}
	put := api.ClusterPut{Cluster: api.Cluster{ServerName: m.name, Enabled: true}}
	if err := waitOp(ctx, m.d.Client, http.MethodPut, "/1.0/cluster", put); err != nil {
		return fmt.Errorf("%s: bootstrap: %w", m.name, err)
	}
	return nil
}

// join asks the first member for a token for m and joins m with it.
func (c *benchCluster) join(ctx context.Context, m *member) error {
	first := c.members[0]
	op, err := first.d.Client.Do(ctx, http.MethodPost, "/1.0/cluster/members", api.ClusterMembersPost{ServerName: m.name}, "")
	if err != nil {
		return err
	}
	tok, ok := token.FromMetadata(op.Metadata)
	if !ok {
		return fmt.Errorf("join token operation without token metadata: %v", op.Metadata)
	}
	srv, _, err := first.d.Client.GetServer(ctx)
	if err != nil {
		return err
	}
	put := api.ClusterPut{
		Cluster:            api.Cluster{ServerName: m.name, Enabled: true, MemberConfig: []api.ClusterMemberConfigKey{}},
		ClusterAddress:     first.address,
		ClusterCertificate: srv.Environment.Certificate,
		ServerAddress:      m.address,
		ClusterToken:       token.Encode(tok),
	}
	return waitOp(ctx, m.d.Client, http.MethodPut, "/1.0/cluster", put)
}

func waitOp(ctx context.Context, c *client.Client, method, path string, body any) error {
	op, err := c.Do(ctx, method, path, body, "")
	if err != nil || op == nil {
		return err
	}
	return op.Wait(ctx)
}

// members lists the cluster as via sees it.
func clusterMembers(ctx context.Context, via *member) ([]api.ClusterMember, error) {
	var out []api.ClusterMember
	_, err := via.d.Client.Get(ctx, "/1.0/cluster/members?recursion=1", &out)
	return out, err
}

// waitSettled waits until via sees want members online, with three
// database voters (or one for smaller clusters).
func (c *benchCluster) waitSettled(ctx context.Context, via *member, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ms, err := clusterMembers(ctx, via)
		if err == nil {
			voters, online := 0, 0
			var desc []string
			for _, m := range ms {
				desc = append(desc, fmt.Sprintf("%s:%s:%v", m.ServerName, m.Status, m.Roles))
				if m.Status == api.ClusterMemberOnline {
					online++
				}
				if contains(m.Roles, api.ClusterRoleDatabase) {
					voters++
				}
			}
			if online == want && voters >= min(3, want) {
				return nil
			}
			last = strings.Join(desc, " ")
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("cluster not settled after %s: %s", timeout, last)
}

// leader returns the member holding the database-leader role.
func (c *benchCluster) leader(ctx context.Context) (*member, error) {
	ms, err := clusterMembers(ctx, c.members[0])
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if contains(m.Roles, api.ClusterRoleDatabaseLeader) {
			for _, bm := range c.members {
				if bm.name == m.ServerName {
					return bm, nil
				}
			}
		}
	}
	return nil, errors.New("No member has the database-leader role")
}

// clusterWrite is one database write through m: a config change of the
// benchmark's profile, which every member stores in the replicated DB.
func clusterWrite(ctx context.Context, m *member, i int) error {
	body := map[string]any{"config": map[string]string{"user.benchmark-write": strconv.Itoa(i)}}
	return waitOp(ctx, m.d.Client, http.MethodPatch, "/1.0/profiles/"+clusterProfile, body)
}

const clusterProfile = "benchmark"

// timeWrites returns the median of n writes through m, in seconds.
func timeWrites(ctx context.Context, m *member, n int) (float64, error) {
	var ds []float64
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := clusterWrite(ctx, m, i); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t0).Seconds())
	}
	return stats.Median(ds), nil
}

// phaseCluster measures a 3-member cluster of our daemons: write latency
// through a non-leader and through the leader, and the time writes through
// a survivor take to work again after kill -9 of the leader (the killed
// member is restarted between repeats).
func phaseCluster(ctx context.Context, bin string, s sizes, repeats int, res *results) {
	figs := []string{figClusterFollower, figClusterLeader, figClusterRecovery}
	fail := func(err error) {
		for _, f := range figs {
			res.fail(f, labelOurs, err)
		}
	}
	c, err := startCluster(ctx, bin, 3)
	if err != nil {
		fail(fmt.Errorf("could not form the cluster: %w", err))
		return
	}
	defer c.stop()
	if err := waitOp(ctx, c.members[0].d.Client, http.MethodPost, "/1.0/profiles", map[string]any{"name": clusterProfile}); err != nil {
		fail(err)
		return
	}
	for r := 0; r < repeats && ctx.Err() == nil; r++ {
		if err := clusterRound(ctx, c, s, res); err != nil {
			fail(err)
			return
		}
	}
}

// clusterRound is one repeat of the cluster figures.
func clusterRound(ctx context.Context, c *benchCluster, s sizes, res *results) error {
	leader, err := c.leader(ctx)
	if err != nil {
		return err
	}
	var follower *member
	for _, m := range c.members {
		if m != leader {
			follower = m
			break
		}
	}
	for _, w := range []struct {
		fig string
		via *member
	}{{figClusterFollower, follower}, {figClusterLeader, leader}} {
		v, err := timeWrites(ctx, w.via, s.ClusterWrites)
		if err != nil {
			return fmt.Errorf("write through %s: %w", w.via.name, err)
		}
		res.add(w.fig, labelOurs, v)
	}
	t0 := time.Now()
	leader.d.Kill()
	if err := untilWriteWorks(ctx, follower, 2*time.Minute); err != nil {
		return fmt.Errorf("after kill -9 of leader %s: %w", leader.name, err)
	}
	res.add(figClusterRecovery, labelOurs, time.Since(t0).Seconds())
	if err := leader.d.Restart(ctx); err != nil {
		return fmt.Errorf("restart %s: %w", leader.name, err)
	}
	return c.waitSettled(ctx, follower, len(c.members), 2*time.Minute)
}

// untilWriteWorks retries a write through m, each try bounded to two
// seconds, until one succeeds or timeout passes.
func untilWriteWorks(ctx context.Context, m *member, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var err error
	for i := 0; time.Now().Before(deadline); i++ {
		tryCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = clusterWrite(tryCtx, m, -i)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("writes still failing after %s: %w", timeout, err)
}

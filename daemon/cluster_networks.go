package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
	netsvc "github.com/lxdng/lxd/daemon/network"
	"github.com/lxdng/lxd/shared/api"
)

// networkPeers lets the network service reach the other members.
type networkPeers struct{ c *clustering }

var _ netsvc.Peers = networkPeers{}

func (p networkPeers) Clustered() bool { return p.c.Enabled() }

func networkPeerPath(project, name string) string {
	return "/internal/cluster/networks/" + url.PathEscape(name) + "?project=" + url.QueryEscape(project)
}

// CreateNetwork implements netsvc.Peers.
func (p networkPeers) CreateNetwork(ctx context.Context, project, name string) error {
	return p.c.notifier.NotifyAll(ctx, http.MethodPost, networkPeerPath(project, name), nil)
}

// DeleteNetwork implements netsvc.Peers.
func (p networkPeers) DeleteNetwork(ctx context.Context, project, name string) error {
	return p.c.notifier.NotifyAll(ctx, http.MethodDelete, networkPeerPath(project, name), nil)
}

// Leases implements netsvc.Peers: every online member's leases, fetched
// in parallel (5s each; a member that fails is left out).
func (p networkPeers) Leases(ctx context.Context, project, name string) ([]api.NetworkLease, error) {
	peers, err := p.c.m.OnlinePeers(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := []api.NetworkLease{}
	path := "/internal/cluster/networks/" + url.PathEscape(name) + "/leases?project=" + url.QueryEscape(project)
	for _, m := range peers {
		wg.Add(1)
		go func(m db.Member) {
			defer wg.Done()
			cli, err := forward.PeerClient(m.Address, p.c.m.Transport.Certificate(), 5*time.Second)
			var leases []api.NetworkLease
			if err == nil {
				_, err = cli.Get(ctx, path, &leases)
			}
			if err != nil {
				p.c.d.log.WithError(err).WithField("member", m.Name).Debug("Failed to get the member's network leases")
				return
			}
			mu.Lock()
			out = append(out, leases...)
			mu.Unlock()
		}(m)
	}
	wg.Wait()
	return out, nil
}

// networkMemberConfig contributes the networks' member-specific keys to
// member_config and creates the networks on a member that just joined.
type networkMemberConfig struct{ d *Daemon }

var _ cluster.MemberConfigProvider = networkMemberConfig{}

// MemberConfigKeys implements cluster.MemberConfigProvider.
func (p networkMemberConfig) MemberConfigKeys(ctx context.Context) ([]api.ClusterMemberConfigKey, error) {
	var out []api.ClusterMemberConfigKey
	self := p.d.cluster.m.Identity().ID()
	err := p.d.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		out = nil
		nets, err := tx.Networks(ctx, db.NetworkFilter{})
		if err != nil {
			return err
		}
		for _, n := range nets {
			m, err := tx.NetworkMember(ctx, n.ID, self)
			if api.StatusOf(err) == http.StatusNotFound {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, memberKeys("network", "network", n.Name, m.Config)...)
		}
		return nil
	})
	return out, err
}

// ApplyMemberConfig implements cluster.MemberConfigProvider: the joiner
// defines every created network with its member_config values and starts
// its part.
func (p networkMemberConfig) ApplyMemberConfig(ctx context.Context, memberID int64, keys []api.ClusterMemberConfigKey) error {
	var todo []db.Network
	err := p.d.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		nets, err := tx.Networks(ctx, db.NetworkFilter{})
		if err != nil {
			return err
		}
		for _, n := range nets {
			if n.State == db.NetworkPending {
				continue
			}
			if _, err := tx.NetworkMember(ctx, n.ID, memberID); err == nil {
				continue
			}
			cfg := db.JSONMap{}
			for _, k := range keys {
				if k.Entity == "network" && k.Name == n.Name && k.Value != "" {
					cfg[k.Key] = k.Value
				}
			}
			todo = append(todo, n)
			err := tx.PutNetworkMember(ctx, db.NetworkMember{NetworkID: n.ID, MemberID: memberID, State: db.NetworkPending, Config: cfg})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range todo {
		if err := p.d.network.CreateLocal(ctx, n.Project, n.Name); err != nil {
			return fmt.Errorf("Failed to create network %q: %w", n.Name, err)
		}
	}
	return nil
}

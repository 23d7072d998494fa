package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
)

// storagePeers lets the storage service reach the other members.
type storagePeers struct{ c *clustering }

var _ storage.Peers = storagePeers{}

func (p storagePeers) Clustered() bool { return p.c.Enabled() }

func poolPeerPath(name string) string {
	return "/internal/cluster/storage-pools/" + url.PathEscape(name)
}

// CreatePool implements storage.Peers.
func (p storagePeers) CreatePool(ctx context.Context, name string) error {
	return p.c.notifier.NotifyAll(ctx, http.MethodPost, poolPeerPath(name), nil)
}

// DeletePool implements storage.Peers.
func (p storagePeers) DeletePool(ctx context.Context, name string) error {
	return p.c.notifier.NotifyAll(ctx, http.MethodDelete, poolPeerPath(name), nil)
}

// poolMemberConfig contributes the pools' member-specific keys to
// member_config and creates the pools on a member that just joined.
type poolMemberConfig struct{ d *Daemon }

var _ cluster.MemberConfigProvider = poolMemberConfig{}

// MemberConfigKeys implements cluster.MemberConfigProvider: the
// member-specific keys this member has for each pool (LXD lists "source"
// of a dir pool, whose default value every member fills in).
func (p poolMemberConfig) MemberConfigKeys(ctx context.Context) ([]api.ClusterMemberConfigKey, error) {
	var out []api.ClusterMemberConfigKey
	self := p.d.cluster.m.Identity().ID()
	err := p.d.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		out = nil
		pools, err := tx.StoragePools(ctx)
		if err != nil {
			return err
		}
		for _, pool := range pools {
			m, err := tx.StoragePoolMember(ctx, pool.ID, self)
			if api.StatusOf(err) == http.StatusNotFound {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, memberKeys("storage-pool", "storage pool", pool.Name, m.Config)...)
		}
		return nil
	})
	return out, err
}

// memberKeys lists the keys of a member's config as member_config entries.
func memberKeys(entity, what, name string, cfg map[string]string) []api.ClusterMemberConfigKey {
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		if !strings.HasPrefix(k, "volatile.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]api.ClusterMemberConfigKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, api.ClusterMemberConfigKey{Entity: entity, Name: name, Key: k,
			Description: fmt.Sprintf("%q property for %s %q", k, what, name)})
	}
	return out
}

// ApplyMemberConfig implements cluster.MemberConfigProvider: the joiner
// defines every created pool with the member_config values it was given
// and creates its part.
func (p poolMemberConfig) ApplyMemberConfig(ctx context.Context, memberID int64, keys []api.ClusterMemberConfigKey) error {
	var names []string
	err := p.d.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		pools, err := tx.StoragePools(ctx)
		if err != nil {
			return err
		}
		for _, pool := range pools {
			if pool.State == db.StoragePoolPending {
				continue
			}
			if _, err := tx.StoragePoolMember(ctx, pool.ID, memberID); err == nil {
				continue
			}
			cfg := db.JSONMap{}
			for _, k := range keys {
				if k.Entity == "storage-pool" && k.Name == pool.Name && k.Value != "" {
					cfg[k.Key] = k.Value
				}
			}
			names = append(names, pool.Name)
			err := tx.PutStoragePoolMember(ctx, db.StoragePoolMember{PoolID: pool.ID, MemberID: memberID,
				State: db.StoragePoolPending, Config: cfg})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := p.d.storage.CreateLocalPool(ctx, name); err != nil {
			return fmt.Errorf("Failed to create storage pool %q: %w", name, err)
		}
	}
	return nil
}

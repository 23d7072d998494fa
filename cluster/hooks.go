package cluster

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

// MemberConfigProvider is implemented by services with member-specific keys
// (storage pool source/size, network parent/bridge.external_interfaces).
// Its keys are listed by GET /1.0/cluster (member_config) for a joiner to
// fill in, and the joiner's values are handed back once it has joined.
type MemberConfigProvider interface {
	MemberConfigKeys(ctx context.Context) ([]api.ClusterMemberConfigKey, error)
	ApplyMemberConfig(ctx context.Context, memberID int64, keys []api.ClusterMemberConfigKey) error
}

// ObjectHolder lists, in words ("instances c1, c2"), the objects that
// member memberID holds and that stop its removal without --force. A
// server about to join a cluster is checked the same way (with its own
// standalone member id): it must hold nothing.
type ObjectHolder func(ctx context.Context, tx *db.Tx, memberID int64) ([]string, error)

// Hooks is where services plug into membership changes.
type Hooks struct {
	mu           sync.RWMutex
	memberConfig []MemberConfigProvider
	holders      []ObjectHolder
	joined       []func(ctx context.Context, self db.Member)
}

// AddMemberConfig registers a member_config contributor.
func (h *Hooks) AddMemberConfig(p MemberConfigProvider) {
	h.mu.Lock()
	h.memberConfig = append(h.memberConfig, p)
	h.mu.Unlock()
}

// AddObjectHolder registers a "member holds objects" check.
func (h *Hooks) AddObjectHolder(f ObjectHolder) {
	h.mu.Lock()
	h.holders = append(h.holders, f)
	h.mu.Unlock()
}

// OnJoined registers a function run on a member right after it joined a
// cluster (its database is now the cluster's; self is its new row).
func (h *Hooks) OnJoined(f func(ctx context.Context, self db.Member)) {
	h.mu.Lock()
	h.joined = append(h.joined, f)
	h.mu.Unlock()
}

// MemberConfig collects every provider's keys ([] when none).
func (h *Hooks) MemberConfig(ctx context.Context) ([]api.ClusterMemberConfigKey, error) {
	h.mu.RLock()
	providers := append([]MemberConfigProvider(nil), h.memberConfig...)
	h.mu.RUnlock()
	out := []api.ClusterMemberConfigKey{}
	for _, p := range providers {
		keys, err := p.MemberConfigKeys(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, keys...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Entity != out[j].Entity {
			return out[i].Entity < out[j].Entity
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// ApplyMemberConfig hands a joiner's member_config to every provider.
func (h *Hooks) ApplyMemberConfig(ctx context.Context, memberID int64, keys []api.ClusterMemberConfigKey) error {
	h.mu.RLock()
	providers := append([]MemberConfigProvider(nil), h.memberConfig...)
	h.mu.RUnlock()
	for _, p := range providers {
		if err := p.ApplyMemberConfig(ctx, memberID, keys); err != nil {
			return err
		}
	}
	return nil
}

// Holdings runs every object check (the built-in one first).
func (h *Hooks) Holdings(ctx context.Context, tx *db.Tx, memberID int64) ([]string, error) {
	h.mu.RLock()
	holders := append([]ObjectHolder{builtinHoldings}, h.holders...)
	h.mu.RUnlock()
	var out []string
	for _, f := range holders {
		held, err := f(ctx, tx, memberID)
		if err != nil {
			return nil, err
		}
		out = append(out, held...)
	}
	return out, nil
}

func (h *Hooks) runJoined(ctx context.Context, self db.Member) {
	h.mu.RLock()
	fns := append([]func(ctx context.Context, self db.Member){}, h.joined...)
	h.mu.RUnlock()
	for _, f := range fns {
		f(ctx, self)
	}
}

// builtinHoldings checks the member-keyed tables of the initial schema:
// instances and custom volumes stored on the member. Images don't hold a
// member: they are copies (cluster.images_minimal_replica); one whose only
// copy was there goes with the member.
func builtinHoldings(ctx context.Context, tx *db.Tx, memberID int64) ([]string, error) {
	checks := []struct{ what, query string }{
		{"instances", "SELECT name FROM instances WHERE member_id = ? ORDER BY name"},
		{"custom volumes", "SELECT name FROM storage_volumes WHERE member_id = ? AND type = 'custom' ORDER BY name"},
	}
	var out []string
	for _, c := range checks {
		names, err := tx.QueryStrings(ctx, c.query, memberID)
		if err != nil {
			return nil, err
		}
		if len(names) > 0 {
			out = append(out, fmt.Sprintf("%s %s", c.what, joinNames(names)))
		}
	}
	return out, nil
}

// standaloneObjects lists what a standalone server holds that a join would
// throw away: the cluster's database replaces its own.
func standaloneObjects(ctx context.Context, tx *db.Tx) ([]string, error) {
	checks := []struct{ what, query string }{
		{"instances", "SELECT name FROM instances ORDER BY name"},
		{"images", "SELECT substr(fingerprint, 1, 12) FROM images ORDER BY fingerprint"},
		{"custom volumes", "SELECT name FROM storage_volumes WHERE type = 'custom' ORDER BY name"},
		{"storage pools", "SELECT name FROM storage_pools ORDER BY name"},
		{"networks", "SELECT name FROM networks ORDER BY name"},
		{"projects", "SELECT name FROM projects WHERE name <> 'default' ORDER BY name"},
		{"profiles", `SELECT p.name FROM profiles p JOIN projects pr ON pr.id = p.project_id
			WHERE NOT (pr.name = 'default' AND p.name = 'default') ORDER BY p.name`},
	}
	var out []string
	for _, c := range checks {
		names, err := tx.QueryStrings(ctx, c.query)
		if err != nil {
			return nil, err
		}
		if len(names) > 0 {
			out = append(out, fmt.Sprintf("%s %s", c.what, joinNames(names)))
		}
	}
	return out, nil
}

func joinNames(names []string) string {
	if len(names) > 5 {
		names = append(names[:5:5], fmt.Sprintf("and %d more", len(names)-5))
	}
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

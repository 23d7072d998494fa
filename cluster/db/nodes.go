package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	dqlite "github.com/canonical/go-dqlite"
	"github.com/canonical/go-dqlite/client"
	"github.com/ghodss/yaml"

	"github.com/lxdng/lxd/shared/api"
)

// Node is one database node of the raft cluster (dqlite's view of a member).
type Node = client.NodeInfo

// NodeRole is a database node's raft role.
type NodeRole = client.NodeRole

// Database node roles.
const (
	RoleVoter   = client.Voter
	RoleStandBy = client.StandBy
	RoleSpare   = client.Spare
)

// Nodes returns the raft configuration and the leader's address.
func (s *Store) Nodes(ctx context.Context) ([]Node, string, error) {
	a, _, err := s.current(ctx)
	if err != nil {
		return nil, "", err
	}
	cli, err := a.Leader(ctx)
	if err != nil {
		return nil, "", api.Unavailable("No database leader: %w", err)
	}
	defer cli.Close()
	nodes, err := cli.Cluster(ctx)
	if err != nil {
		return nil, "", err
	}
	leader, err := cli.Leader(ctx)
	if err != nil {
		return nil, "", err
	}
	addr := ""
	if leader != nil {
		addr = leader.Address
	}
	return nodes, addr, nil
}

// NodeAddress is the address this member's database node uses.
func (s *Store) NodeAddress() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.app == nil {
		return ""
	}
	return s.app.Address()
}

// RemoveNode takes the database node at address out of the raft
// configuration. When it is the leader, leadership moves to another voter
// first.
func (s *Store) RemoveNode(ctx context.Context, address string) error {
	nodes, leader, err := s.Nodes(ctx)
	if err != nil {
		return err
	}
	var target *Node
	for i := range nodes {
		if nodes[i].Address == address {
			target = &nodes[i]
		}
	}
	if target == nil {
		return nil // not a database node (never joined, or already removed)
	}
	a, _, err := s.current(ctx)
	if err != nil {
		return err
	}
	cli, err := a.Leader(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if leader == address {
		if err := transferLeadership(ctx, cli, nodes, target.ID); err != nil {
			return err
		}
		cli.Close()
		if cli, err = a.Leader(ctx); err != nil {
			return err
		}
	}
	if err := cli.Remove(ctx, target.ID); err != nil {
		return fmt.Errorf("Failed to remove database node %s: %w", address, err)
	}
	return nil
}

func transferLeadership(ctx context.Context, cli *client.Client, nodes []Node, from uint64) error {
	for _, n := range nodes {
		if n.ID == from || n.Role != client.Voter {
			continue
		}
		if err := cli.Transfer(ctx, n.ID); err == nil {
			return nil
		}
	}
	return errors.New("Failed to transfer database leadership to another voter")
}

// AssignRole changes the raft role of the node at address.
func (s *Store) AssignRole(ctx context.Context, address string, role client.NodeRole) error {
	nodes, _, err := s.Nodes(ctx)
	if err != nil {
		return err
	}
	a, _, err := s.current(ctx)
	if err != nil {
		return err
	}
	cli, err := a.Leader(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	for _, n := range nodes {
		if n.Address == address {
			return cli.Assign(ctx, n.ID, role)
		}
	}
	return api.NotFound("Database node %s not found", address)
}

// MoveNode re-addresses a stopped single-node database (a standalone server
// turning into the first member of a cluster): the raft configuration,
// info.yaml and cluster.yaml all get the new address. Use it as the prepare
// step of Restart.
func MoveNode(dir, address string) error {
	var info Node
	data, err := os.ReadFile(filepath.Join(dir, "info.yaml"))
	if err != nil {
		return fmt.Errorf("Failed to read database node info: %w", err)
	}
	if err := yaml.Unmarshal(data, &info); err != nil {
		return fmt.Errorf("Failed to parse database node info: %w", err)
	}
	if info.Address == address {
		return nil
	}
	node := Node{ID: info.ID, Address: address, Role: client.Voter}
	if err := dqlite.ReconfigureMembership(dir, []dqlite.NodeInfo{node}); err != nil {
		return fmt.Errorf("Failed to move the database node to %s: %w", address, err)
	}
	info.Address = address
	if data, err = yaml.Marshal(info); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "info.yaml"), data); err != nil {
		return err
	}
	store, err := client.NewYamlNodeStore(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		return err
	}
	return store.Set(context.Background(), []Node{node})
}

// Wipe removes every file of a stopped database node, so that the next
// start bootstraps (standalone) or joins (with Options.Join) afresh.
func Wipe(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// peersFile lists the addresses of every member, kept up to date by the
// cluster layer (SavePeers) while the node runs. dqlite's own node store
// (cluster.yaml) is refreshed only every few seconds and only with the
// current raft configuration; a node restarting with a stale one may know
// no reachable voter. Before starting, the peers are merged into it.
const peersFile = "peers.yaml"

// SavePeers records the members' addresses next to the database.
func (s *Store) SavePeers(addresses []string) error {
	data, err := yaml.Marshal(addresses)
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(s.dir, peersFile), data)
}

// mergePeers adds the saved peer addresses missing from cluster.yaml.
func mergePeers(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, peersFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var addresses []string
	if err := yaml.Unmarshal(data, &addresses); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "cluster.yaml")); err != nil {
		return nil // a fresh node: go-dqlite creates its store
	}
	store, err := client.NewYamlNodeStore(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		return err
	}
	nodes, _ := store.Get(context.Background())
	known := map[string]bool{}
	for _, n := range nodes {
		known[n.Address] = true
	}
	changed := false
	for _, a := range addresses {
		if !known[a] {
			nodes = append(nodes, Node{Address: a, Role: client.Spare})
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return store.Set(context.Background(), nodes)
}

package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/shared/client"
)

// Notifier calls the same endpoint on the other members, for changes each
// member must apply locally (for example "create this pool here too"). The
// call comes from a cluster peer, so the receiver handles it itself and
// never forwards it.
type Notifier struct {
	M *Manager
	// Timeout bounds each member's call (default 30s).
	Timeout time.Duration
}

// NotifyOnline calls method path with body on every other online member
// concurrently, waiting for the operation of an async answer. Offline
// members are skipped; the errors of members that failed are joined, each
// naming its member.
func (n *Notifier) NotifyOnline(ctx context.Context, method, path string, body any) error {
	peers, err := n.M.OnlinePeers(ctx)
	if err != nil {
		return err
	}
	return n.notify(ctx, peers, method, path, body)
}

// NotifyAll is NotifyOnline but fails, naming them, when members are
// offline: for changes that must reach every member.
func (n *Notifier) NotifyAll(ctx context.Context, method, path string, body any) error {
	all, err := n.M.Peers(ctx)
	if err != nil {
		return err
	}
	online, err := n.M.OnlinePeers(ctx)
	if err != nil {
		return err
	}
	if len(online) != len(all) {
		up := map[int64]bool{}
		for _, m := range online {
			up[m.ID] = true
		}
		for _, m := range all {
			if !up[m.ID] {
				return fmt.Errorf("Cluster member %q (%s) is offline", m.Name, m.Address)
			}
		}
	}
	return n.notify(ctx, online, method, path, body)
}

func (n *Notifier) notify(ctx context.Context, peers []db.Member, method, path string, body any) error {
	timeout := n.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	cert := n.M.Transport.Certificate()
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Add(1)
		go func(p db.Member) {
			defer wg.Done()
			c, err := forward.PeerClient(p.Address, cert, timeout)
			var op *client.Operation
			if err == nil {
				op, err = c.Do(ctx, method, path, body, "")
			}
			if err == nil && op != nil {
				err = op.Wait(ctx) // an async answer: wait for its outcome
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("Cluster member %q: %w", p.Name, err))
				mu.Unlock()
			}
		}(p)
	}
	wg.Wait()
	return errors.Join(errs...)
}

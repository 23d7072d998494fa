package cluster

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
)

// HeartbeatPath is the member endpoint the leader calls every interval.
const HeartbeatPath = "/internal/cluster/heartbeat"

// Heartbeat is the body of a heartbeat: the member list, so that members
// learn of joins, renames and removals without polling.
type Heartbeat struct {
	Leader  string            `json:"leader"`
	Members []HeartbeatMember `json:"members"`
}

// HeartbeatMember is one member in a heartbeat.
type HeartbeatMember struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Run drives the periodic work of a clustered member until ctx ends. Every
// interval, the member that holds database leadership sends a heartbeat to
// every other member and records who answered in members.heartbeat; every
// member then calls tick with the member list (the daemon follows peers'
// events and reloads its config from it).
func (m *Manager) Run(ctx context.Context, tick func(ctx context.Context, members []db.Member)) {
	t := time.NewTicker(m.Interval)
	defer t.Stop()
	for {
		if _, clustered := m.Self(); clustered {
			m.beat(ctx)
			if rows, err := m.rows(ctx); err == nil && tick != nil {
				tick(ctx, rows)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// beat sends one round of heartbeats if this member is the leader.
func (m *Manager) beat(ctx context.Context) {
	self, _ := m.Self()
	ctx, cancel := context.WithTimeout(ctx, m.Interval)
	defer cancel()
	nodes, leader, err := m.Store.Nodes(ctx)
	if err != nil || leader != self.Address {
		return
	}
	rows, err := m.rows(ctx)
	if err != nil {
		return
	}
	hb := Heartbeat{Leader: self.Address}
	for _, r := range rows {
		hb.Members = append(hb.Members, HeartbeatMember{Name: r.Name, Address: r.Address})
	}
	answered := m.send(ctx, self, rows, hb)
	now := time.Now()
	err = m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		for _, addr := range answered {
			if err := tx.SetHeartbeat(ctx, addr, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		m.Log.WithError(err).Debug("Failed to record heartbeats")
	}
	online := map[string]bool{}
	for _, a := range answered {
		online[a] = true
	}
	if addr, role, ok := StandByForPair(nodes, self.Address, func(a string) bool { return online[a] }, m.configInt("cluster.max_standby", 2)); ok {
		if err := m.Store.AssignRole(ctx, addr, role); err != nil {
			m.Log.WithError(err).Debug("Failed to set the second member's database role")
		}
	}
}

// send delivers hb to every member but self concurrently and returns the
// addresses that answered (self included).
func (m *Manager) send(ctx context.Context, self db.Member, rows []db.Member, hb Heartbeat) []string {
	cert := m.Transport.Certificate()
	timeout := m.Interval
	if timeout > 2*time.Second {
		timeout = 2 * time.Second
	}
	var mu sync.Mutex
	answered := []string{self.Address}
	var wg sync.WaitGroup
	for _, r := range rows {
		if r.ID == self.ID {
			continue
		}
		wg.Add(1)
		go func(r db.Member) {
			defer wg.Done()
			c, err := forward.PeerClient(r.Address, cert, timeout)
			if err != nil {
				return
			}
			if _, _, err := c.Query(ctx, http.MethodPut, HeartbeatPath, hb, ""); err != nil {
				m.Log.WithField("member", r.Name).WithError(err).Debug("Heartbeat failed")
				return
			}
			mu.Lock()
			answered = append(answered, r.Address)
			mu.Unlock()
		}(r)
	}
	wg.Wait()
	return answered
}

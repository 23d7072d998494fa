package instances

import (
	"context"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Peers gives the service the state of the instances other cluster members
// hold (only their member can ask its driver).
type Peers interface {
	// InstanceStates asks member for the state of every instance it holds,
	// keyed by StateKey: the whole state when full (recursion=2), otherwise
	// status only.
	InstanceStates(ctx context.Context, member string, full bool) (map[string]api.InstanceState, error)
}

// PeerStateTimeout bounds asking one member for its instances' states: a
// member that does not answer in time has its instances listed in Error.
var PeerStateTimeout = 5 * time.Second

// StateKey keys the states a member reports.
func StateKey(project, name string) string { return project + "/" + name }

// LocalStates answers a peer's InstanceStates: the state of every instance
// this member holds, full or status only.
func (s *Service) LocalStates(ctx context.Context, full bool) (map[string]api.InstanceState, error) {
	var recs []*record
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		recs, err = loadRecords(ctx, tx, db.InstanceFilter{MemberID: s.o.Self.ID()})
		return err
	})
	if err != nil {
		return nil, err
	}
	states := s.localStates(ctx, recs, full)
	out := make(map[string]api.InstanceState, len(recs))
	for n, r := range recs {
		out[StateKey(r.row.Project, r.row.Name)] = states[n]
	}
	return out, nil
}

// listStates returns the state of each record: asked of this member's
// driver for its own instances, and of the holding member (all members in
// parallel, with a timeout) for the others. A member that can't answer
// leaves its instances' state zero (status ""), which render shows as
// LXD's unreachable entry.
func (s *Service) listStates(ctx context.Context, recs []*record, full bool) []api.InstanceState {
	out := make([]api.InstanceState, len(recs))
	self := s.o.Self.ID()
	var local []*record
	var localIdx []int
	remote := map[string][]int{}
	for n, r := range recs {
		if s.o.Peers == nil || r.row.MemberID == self {
			local, localIdx = append(local, r), append(localIdx, n)
			continue
		}
		remote[r.row.Member] = append(remote[r.row.Member], n)
	}
	var wg sync.WaitGroup
	for member, idx := range remote {
		wg.Add(1)
		go func(member string, idx []int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, PeerStateTimeout)
			defer cancel()
			states, err := s.o.Peers.InstanceStates(ctx, member, full)
			if err != nil {
				logctx.From(ctx).WithError(err).WithField("member", member).Warn("Failed to get the state of the member's instances")
				return
			}
			for _, n := range idx {
				out[n] = states[StateKey(recs[n].row.Project, recs[n].row.Name)]
			}
		}(member, idx)
	}
	for n, st := range s.localStates(ctx, local, full) {
		out[localIdx[n]] = st
	}
	wg.Wait()
	return out
}

// localStates asks the driver for the state of this member's records.
func (s *Service) localStates(ctx context.Context, recs []*record, full bool) []api.InstanceState {
	out := make([]api.InstanceState, len(recs))
	if !full {
		// Status only: no cgroup or netlink reads.
		s.forEach(recs, func(n int, r *record) {
			st := s.driverStatus(ctx, r)
			out[n] = api.InstanceState{Status: st.String(), StatusCode: st}
		})
		return out
	}
	raw := s.states(ctx, recs)
	for n, r := range recs {
		out[n] = s.renderState(ctx, r, raw[n])
	}
	return out
}

// unreachable is how LXD lists an instance whose member did not answer:
// name, project and location, status Error, nothing else.
func unreachable(r *record) api.Instance {
	return api.Instance{Name: r.row.Name, Project: r.row.Project, Location: r.row.Member,
		Status: api.Error.String(), StatusCode: api.Error}
}

package instances

import (
	"context"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
)

// maxCatchUp bounds how many missed minutes a late tick still checks.
const maxCatchUp = 5

// RunSnapshotTask takes @startup snapshots, then every SnapshotInterval
// takes the snapshots snapshots.schedule asks for since the last check
// (each scheduled minute once, however short the interval) and deletes
// expired snapshots, until ctx ends.
func (s *Service) RunSnapshotTask(ctx context.Context) {
	s.takeScheduled(ctx, func(sch storage.Schedule) bool { return sch.Startup() })
	last := time.Now().Truncate(time.Minute)
	ticker := time.NewTicker(s.o.SnapshotInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		now := time.Now().Truncate(time.Minute)
		if now.After(last) {
			from := last.Add(time.Minute)
			if now.Sub(from) > maxCatchUp*time.Minute {
				from = now.Add(-maxCatchUp * time.Minute)
			}
			s.takeScheduled(ctx, func(sch storage.Schedule) bool {
				for m := from; !m.After(now); m = m.Add(time.Minute) {
					if sch.Matches(m) {
						return true
					}
				}
				return false
			})
			last = now
		}
		s.pruneExpired(ctx)
	}
}

// takeScheduled snapshots the instances of this member whose schedule is
// due (stopped ones only with snapshots.schedule.stopped=true).
func (s *Service) takeScheduled(ctx context.Context, due func(storage.Schedule) bool) {
	log := logctx.From(ctx).WithField("task", "instance-snapshots")
	var recs []*record
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		recs, err = loadRecords(ctx, tx, db.InstanceFilter{MemberID: s.o.Self.ID()})
		return err
	})
	if err != nil {
		log.WithError(err).Warn("Failed to list instances for scheduled snapshots")
		return
	}
	for _, rec := range recs {
		sch, err := storage.ParseSchedule(rec.expConfig["snapshots.schedule"])
		if err != nil || !due(sch) {
			continue
		}
		if s.driverStatus(ctx, rec) == api.Stopped && !config.ParseBool(rec.expConfig["snapshots.schedule.stopped"]) {
			continue
		}
		unlock, err := s.lockInstance(ctx, rec.row.Project, rec.row.Name)
		if err != nil {
			return
		}
		name, err := s.snapshot(ctx, rec.row.Project, rec.row.Name, SnapshotRequest{})
		unlock()
		if err != nil {
			log.WithError(err).WithField("instance", rec.ref().String()).Warn("Failed to take a scheduled snapshot")
			continue
		}
		log.WithField("instance", rec.ref().String()).WithField("snapshot", name).Info("Took scheduled snapshot")
	}
}

// pruneExpired deletes the snapshots whose expiry passed.
func (s *Service) pruneExpired(ctx context.Context) {
	var snaps []db.InstanceSnapshot
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		snaps, err = tx.AllInstanceSnapshots(ctx, s.o.Self.ID())
		return err
	})
	if err != nil {
		return
	}
	now := time.Now()
	for _, sn := range snaps {
		if sn.ExpiresAt.Time.IsZero() || sn.ExpiresAt.Time.After(now) {
			continue
		}
		unlock, err := s.lockInstance(ctx, sn.Project, sn.Instance)
		if err != nil {
			return
		}
		err = s.deleteSnapshot(ctx, sn.Project, sn.Instance, sn.Name)
		unlock()
		if err != nil {
			logctx.From(ctx).WithError(err).WithField("snapshot", sn.Instance+"/"+sn.Name).Warn("Failed to delete expired snapshot")
		}
	}
}

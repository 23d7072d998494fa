package storage

import (
	"context"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/logctx"
)

// maxCatchUp bounds how many missed minutes a late tick still checks.
const maxCatchUp = 5

// runSnapshotTask takes @startup snapshots, then every interval takes the
// snapshots scheduled since the last check (each scheduled minute once,
// however short the interval) and deletes expired snapshots.
func (s *Service) runSnapshotTask(ctx context.Context) {
	log := logctx.From(ctx).WithField("task", "volume-snapshots")
	s.takeScheduledSnapshots(ctx, func(sch Schedule) bool { return sch.Startup() })
	// The first tick checks the current minute too: a schedule matching
	// it is not lost to a start in the middle of the minute.
	last := time.Now().Truncate(time.Minute).Add(-time.Minute)
	ticker := time.NewTicker(s.taskInterval)
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
			s.takeScheduledSnapshots(ctx, func(sch Schedule) bool {
				for m := from; !m.After(now); m = m.Add(time.Minute) {
					if sch.Matches(m) {
						return true
					}
				}
				return false
			})
			last = now
		}
		if err := s.pruneExpiredSnapshots(ctx); err != nil {
			log.WithError(err).Warn("Failed to prune expired volume snapshots")
		}
	}
}

// takeScheduledSnapshots snapshots every custom volume of this member
// whose snapshots.schedule is due.
func (s *Service) takeScheduledSnapshots(ctx context.Context, due func(Schedule) bool) {
	var todo []volume
	var names []string
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		todo, names = todo[:0], names[:0]
		rows, err := tx.StorageVolumes(ctx, db.VolumeFilter{MemberID: s.self.ID(), Type: "custom"})
		if err != nil {
			return err
		}
		now := time.Now()
		for _, row := range rows {
			sch, err := ParseSchedule(row.Config["snapshots.schedule"])
			if err != nil || !due(sch) {
				continue
			}
			vol, err := s.snapshotVolume(ctx, tx, row)
			if err != nil {
				continue
			}
			name, err := s.snapshotName(ctx, tx, vol, "", now)
			if err != nil {
				continue
			}
			todo, names = append(todo, vol), append(names, name)
		}
		return nil
	})
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed to list volumes for scheduled snapshots")
		return
	}
	for i, vol := range todo {
		log := logctx.From(ctx).WithField("pool", vol.pool.Name).WithField("volume", vol.row.Name)
		if err := s.takeSnapshot(ctx, vol, names[i], nil); err != nil {
			log.WithError(err).Warn("Failed to take scheduled volume snapshot")
			continue
		}
		log.WithField("snapshot", names[i]).Info("Took scheduled volume snapshot")
	}
}

// pruneExpiredSnapshots deletes the custom volume snapshots whose expiry
// has passed (instance snapshots are the instance service's).
func (s *Service) pruneExpiredSnapshots(ctx context.Context) error {
	type item struct {
		vol  volume
		snap db.StorageVolumeSnapshot
	}
	var todo []item
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		todo = todo[:0]
		snaps, err := tx.ExpiredStorageVolumeSnapshots(ctx, time.Now())
		if err != nil {
			return err
		}
		for _, snap := range snaps {
			row, err := tx.StorageVolumeByID(ctx, snap.VolumeID)
			if err != nil || row.Type != "custom" || row.MemberID != s.self.ID() {
				continue
			}
			vol, err := s.snapshotVolume(ctx, tx, row)
			if err != nil {
				continue
			}
			todo = append(todo, item{vol, snap})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, it := range todo {
		if err := s.deleteSnapshot(ctx, it.vol, it.snap); err != nil {
			logctx.From(ctx).WithError(err).WithField("snapshot", it.snap.Name).Warn("Failed to delete expired volume snapshot")
		}
	}
	return nil
}

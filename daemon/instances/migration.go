package instances

import (
	"context"
	"fmt"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// The instance side of migrations between servers and cluster members
// (daemon/migration speaks the protocol). Export gives a migration source
// what it sends; CreateJob.RunMigration creates (or refreshes) the target
// instance around a receiver that fills its root volume. Root volumes are
// unshifted on disk on this server, so no id shifting is needed between
// two of our servers.

// Export is an instance ready to be sent.
type Export struct {
	Name string
	// Pool holds the root volume (its rsync.bwlimit applies).
	Pool         string
	Architecture string
	Running      bool
	// Snapshots oldest first (none when sending the instance only).
	Snapshots []api.InstanceSnapshot
	// Mount mounts the root volume (snap "") or one of its snapshots.
	Mount func(ctx context.Context, snap string) (string, func(), error)
}

// Export readies an instance for sending. A running container can only
// be sent stateless (live migration needs CRIU, which this server lacks).
func (s *Service) Export(ctx context.Context, project, name string, withSnapshots, live bool) (Export, error) {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return Export{}, err
	}
	running := s.driverStatus(ctx, rec) == api.Running
	if live && running {
		return Export{}, api.BadRequest("Unable to perform container live migration. CRIU isn't installed on the source server")
	}
	out := Export{Name: name, Pool: rec.pool(), Architecture: rec.row.Architecture, Running: running}
	if withSnapshots {
		if out.Snapshots, err = s.Snapshots(ctx, project, name); err != nil {
			return Export{}, err
		}
	}
	ref := rec.volume()
	out.Mount = func(ctx context.Context, snap string) (string, func(), error) {
		return s.o.Storage.MountInstanceVolume(ctx, ref, snap)
	}
	return out, nil
}

// ExistingSnapshot is a snapshot the refreshed target already has.
type ExistingSnapshot struct {
	Name      string
	CreatedAt time.Time
}

// Receiver is the target of an instance migration: its mounted root
// volume and how to record each snapshot whose content has arrived.
type Receiver struct {
	Path string
	// Refresh is set when the instance existed (source.refresh); Existing
	// lists its snapshots, DeleteSnapshot removes one.
	Refresh        bool
	Existing       []ExistingSnapshot
	DeleteSnapshot func(ctx context.Context, name string) error
	// Snapshot snapshots the volume as received so far and records it
	// with the source's details.
	Snapshot func(ctx context.Context, snap api.InstanceSnapshot) error
}

// IsMigration reports whether the job creates its instance from a
// migration (source.type "migration").
func (j *CreateJob) IsMigration() bool { return j.req.Source.Type == "migration" }

// RunMigration creates the instance from a migration: its record (config,
// devices and profiles from the request, as the client sends them), an
// empty root volume that receive fills, and the snapshots receive
// records. When receive fails nothing is left: no record, volume or
// snapshot. With source.refresh an existing (stopped) instance is brought
// up to date instead.
func (j *CreateJob) RunMigration(ctx context.Context, receive func(ctx context.Context, r Receiver) error) error {
	if j.req.Source.Refresh {
		if done, err := j.refreshFromMigration(ctx, receive); done || err != nil {
			return err
		}
	}
	unlock, err := j.s.lockInstance(ctx, j.Project, j.Name)
	if err != nil {
		return err
	}
	defer unlock()
	rev := revert.New()
	defer rev.Fail()
	rec, err := j.insert(ctx, rev)
	if err != nil {
		return err
	}
	ref := rec.volume()
	rev.Add(func() { _ = j.s.o.Storage.DeleteInstanceVolume(context.WithoutCancel(ctx), ref) })
	volCfg := map[string]string{}
	if _, root, _ := instconfig.RootDisk(rec.expDevices); root["size"] != "" {
		volCfg["size"] = root["size"]
	}
	if err := j.s.o.Storage.CreateInstanceVolume(ctx, storage.InstanceVolumeSpec{InstanceRef: ref, Config: volCfg}); err != nil {
		return err
	}
	err = j.s.withVolume(ctx, ref, "", func(path string) error {
		return receive(ctx, Receiver{Path: path, Snapshot: j.s.snapshotRecorder(rec)})
	})
	if err != nil {
		return fmt.Errorf("Error transferring instance data: %w", err)
	}
	if err := j.s.driverCreate(ctx, rec); err != nil {
		return err
	}
	rev.Success()
	logctx.From(ctx).WithField("instance", rec.ref().String()).Info("Created instance from a migration")
	return nil
}

// snapshotRecorder records received snapshots of rec: the storage
// snapshot of the volume as received, then the record with the source's
// config, devices, profiles and dates.
func (s *Service) snapshotRecorder(rec *record) func(ctx context.Context, snap api.InstanceSnapshot) error {
	return func(ctx context.Context, snap api.InstanceSnapshot) error {
		if err := validSnapshotName(snap.Name); err != nil {
			return err
		}
		row := db.InstanceSnapshot{InstanceID: rec.row.ID, Name: snap.Name,
			Stateful: snap.Stateful, CreatedAt: snap.CreatedAt, Config: copyMap(snap.Config),
			Devices: copyDevices(snap.Devices), Profiles: snap.Profiles}
		if row.CreatedAt.IsZero() {
			row.CreatedAt = time.Now()
		}
		if !snap.ExpiresAt.IsZero() {
			row.ExpiresAt = db.NullTime{Time: snap.ExpiresAt}
		}
		if row.Profiles == nil {
			row.Profiles = rec.row.Profiles
		}
		if err := s.o.Storage.CreateInstanceSnapshot(ctx, rec.volume(), snap.Name); err != nil {
			return err
		}
		err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.CreateInstanceSnapshot(ctx, row)
			return err
		})
		if err != nil {
			_ = s.o.Storage.DeleteInstanceSnapshot(context.WithoutCancel(ctx), rec.volume(), snap.Name)
			return err
		}
		s.emit(rec.row.Project, api.EventLifecycle{Action: "instance-snapshot-created",
			Source: snapshotURL(rec.row.Project, rec.row.Name, snap.Name)})
		return nil
	}
}

// refreshFromMigration updates an existing, stopped target; done is false
// when the target does not exist and a normal creation must run.
func (j *CreateJob) refreshFromMigration(ctx context.Context, receive func(ctx context.Context, r Receiver) error) (bool, error) {
	dst, err := j.s.load(ctx, j.Project, j.Name)
	if api.StatusOf(err) == 404 {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	unlock, err := j.s.lockInstance(ctx, j.Project, j.Name)
	if err != nil {
		return true, err
	}
	defer unlock()
	if st := j.s.driverState(ctx, dst); st.Status != api.Stopped {
		return true, api.BadRequest("Cannot refresh a running instance")
	}
	var existing []ExistingSnapshot
	err = j.s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		snaps, err := tx.InstanceSnapshots(ctx, dst.row.ID)
		for _, sn := range snaps {
			existing = append(existing, ExistingSnapshot{Name: sn.Name, CreatedAt: sn.CreatedAt})
		}
		return err
	})
	if err != nil {
		return true, err
	}
	r := Receiver{Refresh: true, Existing: existing, Snapshot: j.s.snapshotRecorder(dst),
		DeleteSnapshot: func(ctx context.Context, snap string) error { return j.s.deleteSnapshot(ctx, j.Project, j.Name, snap) }}
	err = j.s.withVolume(ctx, dst.volume(), "", func(path string) error {
		r.Path = path
		return receive(ctx, r)
	})
	if err != nil {
		return true, fmt.Errorf("Error transferring instance data: %w", err)
	}
	return true, nil
}

// dropDiskIdmap removes the id map keys a migration request carries from
// the source (a move keeps volatile keys): the received volume is
// unshifted on disk here and gets this server's map.
func dropDiskIdmap(cfg map[string]string) {
	for _, k := range []string{"volatile.idmap.base", "volatile.idmap.current", "volatile.idmap.next", "volatile.last_state.idmap", "volatile.last_state.power"} {
		delete(cfg, k)
	}
}

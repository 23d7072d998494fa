package migration

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// VolumeStore is what custom volume migration needs from the storage
// service.
type VolumeStore interface {
	GetPool(ctx context.Context, name string) (api.StoragePool, error)
	ExportVolume(ctx context.Context, ref storage.VolumeRef, withSnapshots bool) (storage.VolumeExport, error)
	ImportVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) (func(ctx context.Context, receive func(ctx context.Context, r storage.Receiver) error) error, error)
}

// Options is what the daemon hands the service.
type Options struct {
	Ops     *operations.Registry
	Volumes VolumeStore
	// Instances may be nil (volume migration only).
	Instances InstanceStore
	// Cluster may be nil (no moves between members).
	Cluster Cluster
}

// Service starts the migration operations of both ends.
type Service struct {
	ops       *operations.Registry
	volumes   VolumeStore
	instances InstanceStore
	cluster   Cluster
}

// New builds the service.
func New(o Options) *Service {
	return &Service{ops: o.Ops, volumes: o.Volumes, instances: o.Instances, cluster: o.Cluster}
}

// volumeResources is LXD 5.0.2's resource list of a volume migration
// (with its odd "storage_volumes" path).
func volumeResources(pool, name string) map[string][]string {
	return map[string][]string{"storage_volumes": {"/1.0/storage_volumes/" + url.PathEscape(pool) + "/volumes/custom/" + url.PathEscape(name)}}
}

// start runs fn in an operation on behalf of the caller of ctx. A
// listener makes it a websocket operation publishing its secrets.
func (s *Service) start(ctx context.Context, spec operations.Spec, l *Listener, fn func(ctx context.Context, op *operations.Op) error) (*operations.Op, error) {
	spec.Class = api.OperationClassTask
	if l != nil {
		spec.Class = api.OperationClassWebsocket
		spec.Metadata = l.Metadata()
		spec.Connect = l.Connect
	}
	who := request.From(ctx)
	return s.ops.Start(ctx, spec, func(ctx context.Context, op *operations.Op) error {
		return fn(request.With(ctx, who), op)
	})
}

// channels connects the migration's websockets: dialling the peer when
// one is given, else waiting for it on the listener.
func channels(ctx context.Context, l *Listener, peer *Peer) (Channels, error) {
	if peer != nil {
		return Dial(ctx, *peer)
	}
	return l.Wait(ctx)
}

// progressTo reports fs_progress in op's metadata.
func progressTo(op *operations.Op) func(string) {
	return func(s string) { op.SetMetadata(map[string]any{"fs_progress": s}) }
}

// MigrateVolume starts the source side of a custom volume migration
// (POST .../volumes/custom/<name> {"migration": true}): a websocket
// operation waiting for the target (pull), or a task connecting to the
// target named in req.Target (push).
func (s *Service) MigrateVolume(ctx context.Context, ref storage.VolumeRef, req api.StorageVolumePost) (*operations.Op, error) {
	exp, err := s.volumes.ExportVolume(ctx, ref, !req.VolumeOnly)
	if err != nil {
		return nil, err
	}
	var l *Listener
	var peer *Peer
	if req.Target != nil {
		peer = &Peer{Operation: req.Target.Operation, Certificate: req.Target.Certificate, Secrets: req.Target.Websockets}
	} else if l, err = NewListener(); err != nil {
		return nil, err
	}
	src := Source{Name: exp.Name, Offer: volumeOffer(exp), Mount: exp.Mount, BwLimit: exp.BwLimit}
	spec := operations.Spec{Project: ref.Project, Description: "Migrating storage volume", Resources: volumeResources(ref.Pool, ref.Name)}
	return s.start(ctx, spec, l, func(ctx context.Context, op *operations.Op) error {
		ch, err := channels(ctx, l, peer)
		if err != nil {
			return err
		}
		defer ch.Close()
		src.Progress = progressTo(op)
		return src.Run(ctx, ch)
	})
}

// volumeOffer describes the volume's snapshots as LXD does.
func volumeOffer(exp storage.VolumeExport) Header {
	var h Header
	for _, snap := range exp.Snapshots {
		h.SnapshotNames = append(h.SnapshotNames, snap.Name)
		h.Snapshots = append(h.Snapshots, Snapshot{Name: snap.Name, LocalConfig: ConfigList(snap.Config),
			CreationDate: ToUnix(snap.CreatedAt), ExpiryDate: ToUnix(snap.ExpiresAt)})
	}
	return h
}

// ReceiveVolume starts the target side of a custom volume migration (POST
// .../volumes with source.type "migration"): a task connecting to the
// source (pull), or a websocket operation waiting for it (push).
func (s *Service) ReceiveVolume(ctx context.Context, pool, project string, req api.StorageVolumesPost) (*operations.Op, error) {
	var l *Listener
	var peer *Peer
	var err error
	spec := operations.Spec{Project: project, Resources: volumeResources(pool, req.Name)}
	switch req.Source.Mode {
	case "", "pull":
		if req.Source.Operation == "" {
			return nil, api.BadRequest("No source operation URL provided")
		}
		peer = &Peer{Operation: req.Source.Operation, Certificate: req.Source.Certificate, Secrets: req.Source.Websockets}
		spec.Description = "Copying storage volume"
	case "push":
		if l, err = NewListener(); err != nil {
			return nil, err
		}
		spec.Description = "Creating storage volume"
	default:
		return nil, api.BadRequest("Unknown migration mode %q", req.Source.Mode)
	}
	run, err := s.volumes.ImportVolume(ctx, pool, project, req)
	if err != nil {
		return nil, err
	}
	return s.start(ctx, spec, l, func(ctx context.Context, op *operations.Op) error {
		err := run(ctx, func(ctx context.Context, r storage.Receiver) error {
			ch, err := channels(ctx, l, peer)
			if err != nil {
				return err
			}
			defer ch.Close()
			sink := Sink{Name: req.Name, Progress: progressTo(op), Prepare: volumePlan(r)}
			return sink.Run(ctx, ch)
		})
		if err != nil {
			return fmt.Errorf("Error transferring storage volume: %w", err)
		}
		return nil
	})
}

// volumePlan answers an offer for a custom volume: every snapshot, or on
// refresh those the target lacks, after deleting the target's snapshots
// the source does not have (LXD 5.0.2 compares volume snapshots by name:
// its offers carry no dates).
func volumePlan(r storage.Receiver) func(ctx context.Context, offer Header) (Plan, error) {
	return func(ctx context.Context, offer Header) (Plan, error) {
		have := map[string]bool{}
		for _, name := range r.Existing {
			have[name] = true
		}
		offered := OfferedSnapshots(offer)
		plan := Plan{Path: r.Path, Refresh: r.Refresh}
		if r.Refresh {
			want := map[string]bool{}
			for _, snap := range offered {
				want[snap.Name] = true
			}
			for _, name := range r.Existing {
				if want[name] {
					continue
				}
				if err := r.DeleteSnapshot(ctx, name); err != nil {
					return plan, err
				}
			}
		}
		for _, snap := range offered {
			if !r.Refresh || !have[snap.Name] {
				plan.Snapshots = append(plan.Snapshots, snap)
			}
		}
		plan.Snapshot = func(ctx context.Context, snap Snapshot) error {
			logctx.From(ctx).WithField("snapshot", snap.Name).Debug("Received volume snapshot")
			return r.Snapshot(ctx, snapshotInfo(snap))
		}
		return plan, nil
	}
}

// snapshotInfo reads a snapshot's details.
func snapshotInfo(snap Snapshot) storage.SnapshotInfo {
	return storage.SnapshotInfo{Name: snap.Name, Config: ConfigMap(snap.LocalConfig),
		CreatedAt: FromUnix(snap.CreationDate), ExpiresAt: FromUnix(snap.ExpiryDate)}
}

// FromUnix reads a date of a Snapshot: LXD sends Unix seconds, zero (5.0.2
// volume snapshots) or the zero time's seconds (a snapshot that never
// expires), both meaning "none".
func FromUnix(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

// ToUnix writes a date as LXD does: the zero time becomes its (negative)
// Unix seconds, which LXD reads back as the zero time.
func ToUnix(t time.Time) int64 { return t.UTC().Unix() }

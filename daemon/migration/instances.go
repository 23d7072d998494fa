package migration

import (
	"context"
	"net/url"

	"github.com/lxdng/lxd/daemon/instances"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
)

// InstanceStore is what instance migration needs from the instance
// service.
type InstanceStore interface {
	Export(ctx context.Context, project, name string, withSnapshots, live bool) (instances.Export, error)
	PrepareCreate(ctx context.Context, project string, req api.InstancesPost) (*instances.CreateJob, error)
	Get(ctx context.Context, project, name string) (api.Instance, any, error)
	Delete(ctx context.Context, project, name string) error
	Snapshot(ctx context.Context, project, name, snap string) (api.InstanceSnapshot, any, error)
}

// instanceResources is how LXD's instance operations list an instance.
func instanceResources(project, name string) map[string][]string {
	suffix := ""
	if project != "" && project != "default" {
		suffix = "?project=" + url.QueryEscape(project)
	}
	n := url.PathEscape(name)
	return map[string][]string{"containers": {"/1.0/containers/" + n + suffix}, "instances": {"/1.0/instances/" + n + suffix}}
}

// InstanceSourceRequest is a POST /1.0/instances/<name> with "migration":
// true: Target (push) is nil for a pull migration.
type InstanceSourceRequest struct {
	Live, InstanceOnly bool
	Target             *Peer
	// Snapshot, when set, sends that snapshot's content as the instance
	// (POST on /1.0/instances/<name>/snapshots/<snap>), without snapshots.
	Snapshot string
}

// MigrateInstance starts the source side of an instance migration: a
// websocket operation waiting for the target (pull), or a task connecting
// to the target (push).
func (s *Service) MigrateInstance(ctx context.Context, project, name string, req InstanceSourceRequest) (*operations.Op, error) {
	if s.instances == nil {
		return nil, api.NotImplemented("Instance migration is not available")
	}
	exp, err := s.instances.Export(ctx, project, name, !req.InstanceOnly && req.Snapshot == "", req.Live && req.Snapshot == "")
	if err != nil {
		return nil, err
	}
	if req.Snapshot != "" {
		if _, _, err := s.instances.Snapshot(ctx, project, name, req.Snapshot); err != nil {
			return nil, err
		}
		mount, snap := exp.Mount, req.Snapshot
		exp.Mount = func(ctx context.Context, _ string) (string, func(), error) { return mount(ctx, snap) }
		exp.Running = false
	}
	var l *Listener
	if req.Target == nil {
		if l, err = NewListener(); err != nil {
			return nil, err
		}
	}
	src := Source{Name: name, Offer: instanceOffer(exp), Mount: exp.Mount}
	if pool, err := s.volumes.GetPool(ctx, exp.Pool); err == nil {
		src.BwLimit = pool.Config["rsync.bwlimit"]
	}
	spec := operations.Spec{Project: project, Description: "Migrating instance",
		Resources: instanceResources(project, name), Cancellable: req.Target == nil}
	return s.start(ctx, spec, l, func(ctx context.Context, op *operations.Op) error {
		ch, err := channels(ctx, l, req.Target)
		if err != nil {
			return err
		}
		defer ch.Close()
		src.Progress = progressTo(op)
		return src.Run(ctx, ch)
	})
}

// instanceOffer describes the snapshots as LXD does. The id map is empty:
// our root volumes are unshifted on disk (a LXD target records that and
// shifts at first start).
func instanceOffer(exp instances.Export) Header {
	var h Header
	if exp.Running {
		// Stateless transfer of a running container, as LXD offers it.
		none := CRIUNone
		h.CRIU = &none
	}
	for _, snap := range exp.Snapshots {
		h.SnapshotNames = append(h.SnapshotNames, snap.Name)
		h.Snapshots = append(h.Snapshots, snapshotToProto(snap))
	}
	return h
}

// ReceiveInstance starts the target side of an instance migration (POST
// /1.0/instances with source.type "migration"): a task connecting to the
// source (pull) with the secrets of its websockets (source.secrets), or a
// websocket operation waiting for it (push).
func (s *Service) ReceiveInstance(ctx context.Context, project string, req api.InstancesPost, secrets map[string]string) (*operations.Op, error) {
	if s.instances == nil {
		return nil, api.NotImplemented("Instance migration is not available")
	}
	if req.Source.Live {
		return nil, api.BadRequest("Unable to perform container live migration. CRIU isn't installed on the target server")
	}
	var l *Listener
	var peer *Peer
	var err error
	switch req.Source.Mode {
	case "", "pull":
		if req.Source.Operation == "" {
			return nil, api.BadRequest("No source operation URL provided")
		}
		peer = &Peer{Operation: req.Source.Operation, Certificate: req.Source.Certificate, Secrets: secrets}
	case "push":
		if l, err = NewListener(); err != nil {
			return nil, err
		}
	default:
		return nil, api.BadRequest("Unknown migration mode %q", req.Source.Mode)
	}
	job, err := s.instances.PrepareCreate(ctx, project, req)
	if err != nil {
		return nil, err
	}
	spec := operations.Spec{Project: project, Description: "Creating instance", Resources: instanceResources(project, job.Name)}
	return s.start(ctx, spec, l, func(ctx context.Context, op *operations.Op) error {
		return job.RunMigration(ctx, func(ctx context.Context, r instances.Receiver) error {
			ch, err := channels(ctx, l, peer)
			if err != nil {
				return err
			}
			defer ch.Close()
			sink := Sink{Name: job.Name, Progress: progressTo(op), Prepare: instancePlan(r)}
			return sink.Run(ctx, ch)
		})
	})
}

// instancePlan answers an offer for an instance: every snapshot, or on
// refresh those the target lacks or has with another creation date (the
// target's extra or outdated snapshots are deleted first, as LXD does).
func instancePlan(r instances.Receiver) func(ctx context.Context, offer Header) (Plan, error) {
	return func(ctx context.Context, offer Header) (Plan, error) {
		plan := Plan{Path: r.Path, Refresh: r.Refresh, FinalSync: offer.CRIU != nil && *offer.CRIU == CRIUNone}
		if shifted := offer.IDMap; len(shifted) > 0 {
			plan.Received = func(ctx context.Context) error { return unshiftTree(ctx, r.Path, shifted) }
		}
		plan.Snapshots = OfferedSnapshots(offer)
		if r.Refresh {
			sync, stale := compareSnapshots(plan.Snapshots, r.Existing)
			for _, name := range stale {
				if err := r.DeleteSnapshot(ctx, name); err != nil {
					return plan, err
				}
			}
			plan.Snapshots = sync
		}
		plan.Snapshot = func(ctx context.Context, snap Snapshot) error { return r.Snapshot(ctx, snapshotFromProto(snap)) }
		return plan, nil
	}
}

// compareSnapshots returns the offered snapshots the target must receive
// and the target's snapshots to delete: a snapshot matches when its name
// and creation time (in seconds) are the same on both sides.
func compareSnapshots(offered []Snapshot, existing []instances.ExistingSnapshot) (sync []Snapshot, stale []string) {
	have := map[string]int64{}
	for _, e := range existing {
		have[e.Name] = e.CreatedAt.Unix()
	}
	want := map[string]int64{}
	for _, o := range offered {
		want[o.Name] = o.CreationDate
	}
	for _, e := range existing {
		if at, ok := want[e.Name]; !ok || at != e.CreatedAt.Unix() {
			stale = append(stale, e.Name)
		}
	}
	for _, o := range offered {
		if at, ok := have[o.Name]; !ok || at != o.CreationDate {
			sync = append(sync, o)
		}
	}
	return sync, stale
}

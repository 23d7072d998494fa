package migration

import (
	"context"
	"errors"

	"github.com/lxdng/lxd/shared/logctx"
)

// Plan is the target's answer to an offer.
type Plan struct {
	// Snapshots to receive, oldest first. Without Refresh the source sends
	// every snapshot it offered, so the plan must list them all.
	Snapshots []Snapshot
	// Refresh asks the source for Snapshots only.
	Refresh bool
	// Path is the mounted directory the content is received into.
	Path string
	// Snapshot records a snapshot once its content has arrived in Path.
	Snapshot func(ctx context.Context, s Snapshot) error
	// FinalSync expects the volume twice: LXD sends a running instance
	// stateless (CRIU type NONE) in two passes.
	FinalSync bool
	// Received, when set, runs after each session has landed in Path,
	// before a snapshot is taken (e.g. to unshift the ids).
	Received func(ctx context.Context) error
}

// Sink is the receiving side of one migration.
type Sink struct {
	// Name labels the progress.
	Name string
	// Prepare sees the source's offer and readies the target.
	Prepare func(ctx context.Context, offer Header) (Plan, error)
	// Progress receives the "fs_progress" value (may be nil).
	Progress func(string)
}

// OfferedSnapshots returns the offer's snapshots in the order the source
// sends them, with their details when the offer has them.
func OfferedSnapshots(offer Header) []Snapshot {
	byName := make(map[string]Snapshot, len(offer.Snapshots))
	for _, s := range offer.Snapshots {
		byName[s.Name] = s
	}
	out := make([]Snapshot, 0, len(offer.SnapshotNames))
	for _, name := range offer.SnapshotNames {
		s, ok := byName[name]
		if !ok {
			s = Snapshot{Name: name}
		}
		out = append(out, s)
	}
	return out
}

// Run reads the offer, prepares the target, answers, receives each
// snapshot then the volume, and reports the outcome to the source. The
// source's failure (or a lost control connection) aborts the transfer.
func (s Sink) Run(ctx context.Context, ch Channels) error {
	log := logctx.From(ctx).WithField("migration", s.Name)
	// Reads on the websockets do not watch ctx: closing them does.
	defer context.AfterFunc(ctx, ch.abort)()
	ctl := &control{conn: ch.Control}
	offer, err := ctl.recvHeader()
	if err != nil {
		return err
	}
	plan, err := s.Prepare(ctx, offer)
	if err != nil {
		ctl.sendResult(err)
		return err
	}
	features := common(offer.Rsync, defaultRsync)
	resp := Header{FS: FSRsync, Rsync: &features, Refresh: plan.Refresh, Snapshots: plan.Snapshots}
	if plan.FinalSync {
		// Echoing CRIU type NONE asks the source for its final pass.
		none := CRIUNone
		resp.CRIU = &none
	}
	for _, snap := range plan.Snapshots {
		resp.SnapshotNames = append(resp.SnapshotNames, snap.Name)
	}
	if err := ctl.sendHeader(resp); err != nil {
		return err
	}
	log.WithField("snapshots", resp.SnapshotNames).Debug("Migration sink receiving")
	recvCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := ctl.results()
	done := make(chan error, 1)
	go func() { done <- s.receiveAll(recvCtx, newStreamIO(ch.FS), plan, features) }()
	select {
	case err := <-done:
		if err != nil {
			ctl.sendResult(err)
			return err
		}
	case msg := <-results:
		cancel()
		<-done
		if msg.Success {
			return errors.New("Migration source reported success before the transfer ended")
		}
		return peerFailure(msg)
	}
	ctl.sendResult(nil)
	log.Debug("Migration sink done")
	return nil
}

func (s Sink) receiveAll(ctx context.Context, fs *streamIO, plan Plan, f RsyncFeatures) error {
	for _, snap := range plan.Snapshots {
		if err := s.receiveOne(ctx, fs, plan, f, s.Name+"/"+snap.Name); err != nil {
			return err
		}
		if err := plan.Snapshot(ctx, snap); err != nil {
			return err
		}
	}
	passes := 1
	if plan.FinalSync {
		passes = 2
	}
	for i := 0; i < passes; i++ {
		if err := s.receiveOne(ctx, fs, plan, f, s.Name); err != nil {
			return err
		}
	}
	return nil
}

func (s Sink) receiveOne(ctx context.Context, fs *streamIO, plan Plan, f RsyncFeatures, label string) error {
	p := newProgress(label, s.Progress)
	if err := rsyncRecv(ctx, plan.Path, fs, f, p.add); err != nil {
		return err
	}
	if plan.Received != nil {
		return plan.Received(ctx)
	}
	return nil
}

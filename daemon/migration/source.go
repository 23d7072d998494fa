package migration

import (
	"context"
	"errors"
	"fmt"

	"github.com/lxdng/lxd/shared/logctx"
)

// MountFunc mounts the volume being sent (snap "") or one of its
// snapshots and returns its path and the release function.
type MountFunc func(ctx context.Context, snap string) (path string, release func(), err error)

// Source is the sending side of one migration.
type Source struct {
	// Name labels the progress ("c1: 1.20MB (600.00kB/s)").
	Name string
	// Offer carries the snapshot names and details (oldest first), the
	// idmap and the CRIU type; Run sets the filesystem type and the rsync
	// features.
	Offer Header
	Mount MountFunc
	// BwLimit is the pool's rsync.bwlimit.
	BwLimit string
	// Progress receives the "fs_progress" value (may be nil).
	Progress func(string)
}

// Run sends the offer, reads the target's answer, transfers the snapshots
// the target wants (all of them, or on refresh those it named) and then
// the volume, and waits for the target's verdict. A failure is reported
// to the peer on the control websocket.
func (s Source) Run(ctx context.Context, ch Channels) error {
	log := logctx.From(ctx).WithField("migration", s.Name)
	// Reads on the websockets do not watch ctx: closing them does.
	defer context.AfterFunc(ctx, ch.abort)()
	ctl := &control{conn: ch.Control}
	offer := s.Offer
	offer.FS = FSRsync
	features := defaultRsync
	offer.Rsync = &features
	if err := ctl.sendHeader(offer); err != nil {
		return fmt.Errorf("Failed to send the migration header: %w", err)
	}
	resp, err := ctl.recvHeader()
	if err != nil {
		return err
	}
	if resp.FS != FSRsync {
		err := fmt.Errorf("Unsupported migration type %d requested by the target", resp.FS)
		ctl.sendResult(err)
		return err
	}
	snaps := offer.SnapshotNames
	if resp.Refresh {
		snaps = resp.SnapshotNames
	}
	log.WithField("snapshots", snaps).Debug("Migration source sending")
	sendCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := ctl.results()
	sent := make(chan error, 1)
	// A running instance offered with CRIU type NONE is sent twice (the
	// second pass catches what changed) when the target echoes the type.
	finalSync := offer.CRIU != nil && *offer.CRIU == CRIUNone && resp.CRIU != nil && *resp.CRIU == CRIUNone
	go func() {
		sent <- s.sendAll(sendCtx, newStreamIO(ch.FS), snaps, common(resp.Rsync, features), finalSync)
	}()
	select {
	case err := <-sent:
		if err != nil {
			ctl.sendResult(err)
			return err
		}
	case msg := <-results:
		if msg.Success {
			// The target has everything; our rsync is still exiting.
			return <-sent
		}
		cancel()
		<-sent
		return peerFailure(msg)
	}
	msg, ok := <-results
	if !ok {
		return errors.New("Migration control connection closed before the target reported")
	}
	if !msg.Success {
		return peerFailure(msg)
	}
	log.Debug("Migration source done")
	return nil
}

// peerFailure turns the peer's failed control message into an error.
func peerFailure(msg Control) error {
	if msg.Message == "" {
		msg.Message = "Migration failed on the other side"
	}
	return errors.New(msg.Message)
}

// sendAll sends each snapshot, then the volume (twice for a final sync),
// one rsync session each.
func (s Source) sendAll(ctx context.Context, fs *streamIO, snaps []string, f RsyncFeatures, finalSync bool) error {
	sessions := append(append([]string{}, snaps...), "")
	if finalSync {
		sessions = append(sessions, "")
	}
	for _, snap := range sessions {
		label := s.Name
		if snap != "" {
			label = s.Name + "/" + snap
		}
		if err := s.sendOne(ctx, fs, snap, label, f); err != nil {
			return err
		}
	}
	return nil
}

func (s Source) sendOne(ctx context.Context, fs *streamIO, snap, label string, f RsyncFeatures) error {
	path, release, err := s.Mount(ctx, snap)
	if err != nil {
		return err
	}
	defer release()
	p := newProgress(label, s.Progress)
	return rsyncSend(ctx, path, fs, f, s.BwLimit, p.add)
}

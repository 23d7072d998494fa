package instances

import (
	"context"
	"time"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// StateChange is a PUT /1.0/instances/<name>/state request.
type StateChange struct {
	Action   string
	Timeout  time.Duration // <= 0: no timeout (clean stop waits for ever)
	Force    bool
	Stateful bool
}

// CheckAction returns LXD's synchronous 400 for an unknown action.
func CheckAction(action string) error {
	switch action {
	case "start", "stop", "restart", "freeze", "unfreeze":
		return nil
	}
	return api.BadRequest("Unknown action: '%s'", action)
}

// ChangeState runs a state change (in an operation).
func (s *Service) ChangeState(ctx context.Context, project, name string, c StateChange, progress func(map[string]any)) error {
	if c.Stateful {
		return s.statefulError(ctx, project, name, c.Action)
	}
	switch c.Action {
	case "start":
		return s.Start(ctx, project, name, progress)
	case "stop":
		return s.Stop(ctx, project, name, c.Force, c.Timeout)
	case "restart":
		return s.Restart(ctx, project, name, c.Force, c.Timeout, progress)
	case "freeze":
		return s.Freeze(ctx, project, name)
	case "unfreeze":
		return s.Unfreeze(ctx, project, name)
	}
	return CheckAction(c.Action)
}

// statefulError is LXD 5.0.2's answer to a stateful start or stop of a
// container on a server without CRIU.
func (s *Service) statefulError(ctx context.Context, project, name, action string) error {
	if _, err := s.load(ctx, project, name); err != nil {
		return err
	}
	if action == "start" {
		return api.BadRequest("Container has no existing state to restore")
	}
	return api.BadRequest("Unable to perform container live migration. CRIU isn't installed")
}

// Stop stops an instance: a clean shutdown (bounded by timeout when > 0)
// or, with force, a kill. Ephemeral instances are deleted afterwards.
func (s *Service) Stop(ctx context.Context, project, name string, force bool, timeout time.Duration) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	rec, err := s.load(ctx, project, name)
	if err != nil {
		unlock()
		return err
	}
	if st := s.driverStatus(ctx, rec); st == api.Stopped {
		unlock()
		return api.BadRequest("The instance is already stopped")
	}
	err = s.stop(ctx, rec, force, timeout)
	unlock()
	if err != nil {
		return err
	}
	action := "instance-shutdown"
	if force {
		action = "instance-stopped"
	}
	s.emit(project, api.EventLifecycle{Action: action, Source: URL(project, name), Requestor: request.From(ctx).Lifecycle()})
	if rec.row.Ephemeral {
		return s.deleteEphemeral(ctx, project, name)
	}
	return nil
}

// stop stops rec with its lock held and cleans up after it.
func (s *Service) stop(ctx context.Context, rec *record, force bool, timeout time.Duration) error {
	key := refKey(rec.row.Project, rec.row.Name)
	done := make(chan struct{})
	s.mu.Lock()
	s.stopped[key] = done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.stopped, key)
		s.mu.Unlock()
		close(done)
	}()
	if err := s.o.Driver.Stop(ctx, rec.ref(), instance.StopOpts{Force: force, Timeout: timeout}); err != nil {
		return err
	}
	s.cleanup(ctx, rec, "STOPPED")
	return nil
}

// cleanup releases what a stopped instance held: proxy devices, the host
// side of its NICs and its mounts; power records the last state.
func (s *Service) cleanup(ctx context.Context, rec *record, power string) {
	ctx = context.WithoutCancel(ctx)
	s.stopProxies(ctx, rec)
	changes := s.removeNICs(ctx, rec)
	if power != "" {
		changes["volatile.last_state.power"] = power
	}
	if err := s.setVolatile(ctx, rec.row.ID, changes); err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed to record the stopped state")
	}
	s.releaseRunning(rec.ref())
	s.unmountSources(rec.row.Project, rec.row.Name)
}

// deleteEphemeral deletes an ephemeral instance once stopped.
func (s *Service) deleteEphemeral(ctx context.Context, project, name string) error {
	if err := s.Delete(context.WithoutCancel(ctx), project, name); err != nil && api.StatusOf(err) != 404 {
		return err
	}
	return nil
}

// Restart stops and starts an instance.
func (s *Service) Restart(ctx context.Context, project, name string, force bool, timeout time.Duration, progress func(map[string]any)) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	if st := s.driverStatus(ctx, rec); st == api.Stopped {
		return api.BadRequest("The instance isn't running")
	}
	who := request.From(ctx).Lifecycle()
	if err := s.stop(ctx, rec, force, timeout); err != nil {
		return err
	}
	if rec, err = s.load(ctx, project, name); err != nil {
		return err
	}
	if err := s.start(ctx, rec, progress); err != nil {
		return err
	}
	s.emit(project, api.EventLifecycle{Action: "instance-restarted", Source: URL(project, name), Requestor: who})
	return nil
}

// Freeze pauses a running instance.
func (s *Service) Freeze(ctx context.Context, project, name string) error {
	return s.pauseResume(ctx, project, name, true)
}

// Unfreeze resumes a frozen instance.
func (s *Service) Unfreeze(ctx context.Context, project, name string) error {
	return s.pauseResume(ctx, project, name, false)
}

func (s *Service) pauseResume(ctx context.Context, project, name string, freeze bool) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	st := s.driverStatus(ctx, rec)
	switch {
	case freeze && st == api.Frozen:
		return api.BadRequest("The instance is already frozen")
	case freeze && st != api.Running:
		return api.BadRequest("The instance isn't running")
	case !freeze && st != api.Frozen:
		return api.BadRequest("The instance is not frozen")
	}
	return s.setFrozen(ctx, rec, freeze)
}

// setFrozen freezes or thaws and publishes instance-paused/-resumed.
func (s *Service) setFrozen(ctx context.Context, rec *record, freeze bool) error {
	action := "instance-resumed"
	var err error
	if freeze {
		action = "instance-paused"
		err = s.o.Driver.Freeze(ctx, rec.ref())
	} else {
		err = s.o.Driver.Unfreeze(ctx, rec.ref())
	}
	if err != nil {
		return err
	}
	s.emit(rec.row.Project, api.EventLifecycle{Action: action, Source: URL(rec.row.Project, rec.row.Name),
		Requestor: request.From(ctx).Lifecycle()})
	return nil
}

// OnStop is called (through the driver's post-stop hook) when an
// instance's init has died. It returns at once: the hook runs inside the
// runtime, which must finish stopping before anything can wait on it.
// Stops the daemon did itself are cleaned up by Stop.
func (s *Service) OnStop(ctx context.Context, project, name, target string) {
	key := refKey(project, name)
	s.mu.Lock()
	_, ours := s.stopped[key]
	s.mu.Unlock()
	if ours {
		return
	}
	go s.handleUnsolicitedStop(context.WithoutCancel(ctx), project, name, target)
}

// handleUnsolicitedStop cleans up after an instance that stopped on its
// own (poweroff or reboot inside, or a crash) and restarts it on reboot.
func (s *Service) handleUnsolicitedStop(ctx context.Context, project, name, target string) {
	log := logctx.From(ctx).WithField("instance", project+"/"+name)
	ref := instance.Ref{Project: project, Name: name}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := s.o.Driver.State(ctx, ref); err == nil && st.Status == api.Stopped {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return
	}
	rec, err := s.load(ctx, project, name)
	if err != nil {
		unlock()
		return
	}
	if st := s.driverStatus(ctx, rec); st != api.Stopped {
		unlock() // started again meanwhile
		return
	}
	// A stop the daemon made itself has released the mounts already; the
	// hook of such a stop can arrive after Stop returned.
	s.mu.Lock()
	_, held := s.mounts[refKey(project, name)]
	s.mu.Unlock()
	if !held {
		unlock()
		return
	}
	s.cleanup(ctx, rec, "STOPPED")
	if target == "reboot" {
		err = s.start(ctx, rec, nil)
		unlock()
		if err != nil {
			log.WithError(err).Error("Failed to restart the instance after a reboot inside")
			return
		}
		s.emit(project, api.EventLifecycle{Action: "instance-restarted", Source: URL(project, name)})
		return
	}
	unlock()
	s.emit(project, api.EventLifecycle{Action: "instance-shutdown", Source: URL(project, name)})
	if rec.row.Ephemeral {
		if err := s.deleteEphemeral(ctx, project, name); err != nil {
			log.WithError(err).Error("Failed to delete ephemeral instance")
		}
	}
}

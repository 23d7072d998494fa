package instances

import (
	"context"
	"fmt"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
)

// CheckDelete returns LXD's synchronous refusal to delete a running
// instance (400 "Instance is running").
func (s *Service) CheckDelete(ctx context.Context, project, name string) error {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	if st := s.driverStatus(ctx, rec); st != api.Stopped {
		return api.BadRequest("Instance is running")
	}
	return nil
}

// Delete deletes a stopped instance with its snapshots, volume and driver
// files.
func (s *Service) Delete(ctx context.Context, project, name string) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	if config.ParseBool(rec.expConfig["security.protection.delete"]) {
		return api.BadRequest("Container is protected")
	}
	if st := s.driverStatus(ctx, rec); st != api.Stopped {
		return api.BadRequest("Instance is running")
	}
	return s.delete(ctx, rec)
}

// delete removes rec (stopped, lock held).
func (s *Service) delete(ctx context.Context, rec *record) error {
	s.releaseRunning(rec.ref())
	s.stopProxies(ctx, rec)
	if err := s.o.Driver.Delete(ctx, rec.ref()); err != nil {
		return fmt.Errorf("Failed deleting instance: %w", err)
	}
	if rec.pool() != "" {
		if err := s.o.Storage.DeleteInstanceVolume(ctx, rec.volume()); err != nil {
			return fmt.Errorf("Failed deleting instance volume: %w", err)
		}
	}
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.DeleteInstance(ctx, rec.row.ID) })
	if err != nil {
		return err
	}
	s.refreshLeases(ctx, rec)
	s.emit(rec.row.Project, api.EventLifecycle{Action: "instance-deleted", Source: URL(rec.row.Project, rec.row.Name)})
	logctx.From(ctx).WithField("instance", rec.ref().String()).Info("Deleted instance")
	return nil
}

// CheckRename returns the synchronous errors of a rename: a bad name (400)
// or a taken one (409 `Name "x" already in use`).
func (s *Service) CheckRename(ctx context.Context, project, name, newName string) error {
	if err := ValidName(newName); err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.Instance(ctx, project, name); err != nil {
			return err
		}
		_, err := tx.Instance(ctx, project, newName)
		if err == nil {
			return api.Conflict("Name %q already in use", newName)
		}
		if api.StatusOf(err) == 404 {
			return nil
		}
		return err
	})
}

// Rename renames a stopped instance: record, volume and snapshots; the
// rename templates run at next start.
func (s *Service) Rename(ctx context.Context, project, name, newName string) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	if st := s.driverStatus(ctx, rec); st != api.Stopped {
		return api.BadRequest("Renaming of running container not allowed")
	}
	if err := s.CheckRename(ctx, project, name, newName); err != nil {
		return err
	}
	s.stopProxies(ctx, rec)
	if err := s.o.Driver.Delete(ctx, rec.ref()); err != nil {
		return err
	}
	if rec.pool() != "" {
		if err := s.o.Storage.RenameInstanceVolume(ctx, rec.volume(), newName); err != nil {
			return err
		}
	}
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if err := tx.RenameInstance(ctx, rec.row.ID, newName); err != nil {
			return err
		}
		return tx.UpdateInstanceConfig(ctx, rec.row.ID, map[string]string{"volatile.apply_template": "rename"})
	})
	if err != nil {
		if rec.pool() != "" {
			vol := rec.volume()
			vol.Name = newName
			_ = s.o.Storage.RenameInstanceVolume(context.WithoutCancel(ctx), vol, name)
		}
		return err
	}
	s.refreshLeases(ctx, rec)
	s.emit(project, api.EventLifecycle{Action: "instance-renamed", Source: URL(project, newName),
		Context: map[string]any{"old_name": name}})
	return nil
}

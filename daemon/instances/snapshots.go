package instances

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/units"
)

// SnapshotURLs lists the snapshot URLs of an instance.
func (s *Service) SnapshotNames(ctx context.Context, project, name string) ([]string, error) {
	var out []string
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = tx.InstanceSnapshotNames(ctx, project, name)
		return err
	})
	return out, err
}

// Snapshots returns the snapshots of an instance.
func (s *Service) Snapshots(ctx context.Context, project, name string) ([]api.InstanceSnapshot, error) {
	var rec *record
	var snaps []db.InstanceSnapshot
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if rec, err = loadRecord(ctx, tx, project, name); err != nil {
			return err
		}
		snaps, err = tx.InstanceSnapshots(ctx, rec.row.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]api.InstanceSnapshot, 0, len(snaps))
	for _, sn := range snaps {
		out = append(out, renderSnapshot(rec, sn))
	}
	return out, nil
}

// Snapshot returns one snapshot and its ETag value ([expires_at]).
func (s *Service) Snapshot(ctx context.Context, project, name, snap string) (api.InstanceSnapshot, any, error) {
	var rec *record
	var sn db.InstanceSnapshot
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if rec, err = loadRecord(ctx, tx, project, name); err != nil {
			return err
		}
		sn, err = tx.InstanceSnapshot(ctx, project, name, snap)
		return err
	})
	if err != nil {
		return api.InstanceSnapshot{}, nil, err
	}
	out := renderSnapshot(rec, sn)
	return out, []any{out.ExpiresAt}, nil
}

// SnapshotRequest is a snapshot to take.
type SnapshotRequest struct {
	Name      string // "" picks a name from snapshots.pattern
	ExpiresAt *time.Time
	Stateful  bool
}

// PrepareSnapshot checks a snapshot request synchronously (404 unknown
// instance, 400 bad name).
func (s *Service) PrepareSnapshot(ctx context.Context, project, name string, req SnapshotRequest) error {
	if _, err := s.load(ctx, project, name); err != nil {
		return err
	}
	if s.o.Projects != nil {
		if err := s.o.Projects.CheckSnapshot(ctx, project); err != nil {
			return err
		}
	}
	if req.Name != "" {
		return validSnapshotName(req.Name)
	}
	return nil
}

// CreateSnapshot snapshots an instance. A running instance is frozen for
// the time of the copy, as LXD does.
func (s *Service) CreateSnapshot(ctx context.Context, project, name string, req SnapshotRequest) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = s.snapshot(ctx, project, name, req)
	return err
}

// snapshot takes a snapshot with the lock held and returns its name.
func (s *Service) snapshot(ctx context.Context, project, name string, req SnapshotRequest) (string, error) {
	if req.Stateful {
		return "", api.BadRequest("Unable to create a stateful snapshot. CRIU isn't installed")
	}
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return "", err
	}
	row := db.InstanceSnapshot{InstanceID: rec.row.ID, Name: req.Name, CreatedAt: time.Now(),
		Config: copyMap(rec.row.Config), Devices: copyDevices(rec.row.Devices), Profiles: rec.row.Profiles}
	if req.ExpiresAt != nil {
		row.ExpiresAt = db.NullTime{Time: *req.ExpiresAt}
	} else if exp := rec.expConfig["snapshots.expiry"]; exp != "" {
		at, err := units.AddExpiry(exp, row.CreatedAt)
		if err != nil {
			return "", api.BadRequest("%w", err)
		}
		row.ExpiresAt = db.NullTime{Time: at}
	}
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if row.Name == "" {
			names, err := tx.InstanceSnapshotNames(ctx, project, name)
			if err != nil {
				return err
			}
			if row.Name, err = nextSnapshotName(rec.expConfig["snapshots.pattern"], names, row.CreatedAt); err != nil {
				return err
			}
		}
		var err error
		row.ID, err = tx.CreateInstanceSnapshot(ctx, row)
		return err
	})
	if err != nil {
		return "", err
	}
	s.emit(project, api.EventLifecycle{Action: "instance-snapshot-created", Source: snapshotURL(project, name, row.Name)})
	if err := s.snapshotVolume(ctx, rec, row.Name); err != nil {
		_ = s.tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error { return tx.DeleteInstanceSnapshot(ctx, row.ID) })
		return "", err
	}
	return row.Name, nil
}

// snapshotVolume takes the storage snapshot, freezing a running instance.
func (s *Service) snapshotVolume(ctx context.Context, rec *record, snap string) error {
	if s.driverStatus(ctx, rec) == api.Running {
		if err := s.setFrozen(ctx, rec, true); err == nil {
			defer func() { _ = s.setFrozen(context.WithoutCancel(ctx), rec, false) }()
		}
	}
	return s.o.Storage.CreateInstanceSnapshot(ctx, rec.volume(), snap)
}

// DeleteSnapshot deletes one snapshot.
func (s *Service) DeleteSnapshot(ctx context.Context, project, name, snap string) error {
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	return s.deleteSnapshot(ctx, project, name, snap)
}

func (s *Service) deleteSnapshot(ctx context.Context, project, name, snap string) error {
	rec, sn, err := s.loadSnapshot(ctx, project, name, snap)
	if err != nil {
		return err
	}
	if err := s.o.Storage.DeleteInstanceSnapshot(ctx, rec.volume(), snap); err != nil {
		return err
	}
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.DeleteInstanceSnapshot(ctx, sn.ID) })
	if err != nil {
		return err
	}
	s.emit(project, api.EventLifecycle{Action: "instance-snapshot-deleted", Source: snapshotURL(project, name, snap)})
	return nil
}

func (s *Service) loadSnapshot(ctx context.Context, project, name, snap string) (*record, db.InstanceSnapshot, error) {
	var rec *record
	var sn db.InstanceSnapshot
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if rec, err = loadRecord(ctx, tx, project, name); err != nil {
			return err
		}
		sn, err = tx.InstanceSnapshot(ctx, project, name, snap)
		return err
	})
	return rec, sn, err
}

// RenameSnapshot renames a snapshot.
func (s *Service) RenameSnapshot(ctx context.Context, project, name, snap, newName string) error {
	if err := validSnapshotName(newName); err != nil {
		return err
	}
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	rec, sn, err := s.loadSnapshot(ctx, project, name, snap)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.RenameInstanceSnapshot(ctx, sn.ID, newName) })
	if err != nil {
		return err
	}
	if err := s.o.Storage.RenameInstanceSnapshot(ctx, rec.volume(), snap, newName); err != nil {
		_ = s.tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error { return tx.RenameInstanceSnapshot(ctx, sn.ID, snap) })
		return err
	}
	s.emit(project, api.EventLifecycle{Action: "instance-snapshot-renamed", Source: snapshotURL(project, name, newName),
		Context: map[string]any{"old_name": name + "/" + snap}})
	return nil
}

// UpdateSnapshot sets a snapshot's expiry.
func (s *Service) UpdateSnapshot(ctx context.Context, project, name, snap string, put api.InstanceSnapshotPut) error {
	_, sn, err := s.loadSnapshot(ctx, project, name, snap)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.UpdateInstanceSnapshot(ctx, sn.ID, sn.Description, put.ExpiresAt)
	})
	if err != nil {
		return err
	}
	s.emit(project, api.EventLifecycle{Action: "instance-snapshot-updated", Source: snapshotURL(project, name, snap)})
	return nil
}

// Restore makes an instance the copy of one of its snapshots: volume
// content, config, devices and profiles. A running instance is stopped
// first and started again after.
func (s *Service) Restore(ctx context.Context, project, name, snap string, stateful bool) error {
	if i := strings.Index(snap, "/"); i >= 0 {
		snap = snap[i+1:]
	}
	unlock, err := s.lockInstance(ctx, project, name)
	if err != nil {
		return err
	}
	defer unlock()
	rec, sn, err := s.loadSnapshot(ctx, project, name, snap)
	if api.StatusOf(err) == http.StatusNotFound {
		return api.NotFound("Snapshot %s/%s does not exist", name, snap)
	}
	if err != nil {
		return err
	}
	wasRunning := s.driverStatus(ctx, rec) != api.Stopped
	if wasRunning {
		if err := s.stop(ctx, rec, true, 0); err != nil {
			return err
		}
	}
	if err := s.o.Storage.RestoreInstanceSnapshot(ctx, rec.volume(), snap); err != nil {
		return err
	}
	cfg := copyMap(sn.Config)
	for k, v := range rec.row.Config {
		if isVolatile(k) {
			cfg[k] = v
		}
	}
	err = s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		err := tx.UpdateInstance(ctx, rec.row.ID, db.InstanceUpdate{Architecture: rec.row.Architecture,
			Ephemeral: rec.row.Ephemeral, Description: rec.row.Description, Config: cfg, Devices: sn.Devices})
		if err != nil {
			return err
		}
		pp, err := tx.ProfileProject(ctx, project)
		if err != nil {
			return err
		}
		return tx.SetInstanceProfiles(ctx, rec.row.ID, pp, sn.Profiles)
	})
	if err != nil {
		return err
	}
	if stateful && !sn.Stateful {
		// LXD restores the files and config first and leaves the
		// instance stopped; no snapshot here is stateful (no CRIU).
		return api.BadRequest("Stateful snapshot restore requested by snapshot is stateless")
	}
	if wasRunning {
		if rec, err = s.load(ctx, project, name); err != nil {
			return err
		}
		if err := s.start(ctx, rec, nil); err != nil {
			return err
		}
	}
	s.emit(project, api.EventLifecycle{Action: "instance-restored", Source: URL(project, name),
		Context: map[string]any{"snapshot": name + "/" + snap}})
	return nil
}

// nextSnapshotName expands snapshots.pattern ("snap%d" by default): %d
// becomes the lowest number not yet used; a pattern without %d that is
// taken gets "-<n>" appended, as LXD does.
func nextSnapshotName(pattern string, taken []string, now time.Time) (string, error) {
	if pattern == "" {
		pattern = "snap%d"
	}
	pattern = expandDateTokens(pattern, now)
	used := map[string]bool{}
	for _, t := range taken {
		used[t] = true
	}
	if strings.Count(pattern, "%d") > 1 {
		return "", api.BadRequest("Snapshot pattern may contain '%%d' only once")
	}
	if strings.Contains(pattern, "%d") {
		for n := 0; ; n++ {
			if c := strings.Replace(pattern, "%d", strconv.Itoa(n), 1); !used[c] {
				return c, nil
			}
		}
	}
	if !used[pattern] {
		return pattern, nil
	}
	for n := 0; ; n++ {
		if c := fmt.Sprintf("%s-%d", pattern, n); !used[c] {
			return c, nil
		}
	}
}

var dateToken = regexp.MustCompile(`\{\{\s*creation_date\|date:["']([^"']*)["']\s*\}\}`)

// expandDateTokens supports the pongo2 form LXD documents for patterns:
// {{ creation_date|date:"2006-01-02" }}.
func expandDateTokens(pattern string, now time.Time) string {
	return dateToken.ReplaceAllStringFunc(pattern, func(m string) string {
		return now.Format(dateToken.FindStringSubmatch(m)[1])
	})
}

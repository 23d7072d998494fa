package images

import (
	"context"
	"fmt"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/logctx"
)

var timeNow = time.Now

// Refresh starts "Refreshing image" for one image (POST
// /1.0/images/<fp>/refresh): it checks the image's source for a newer
// image and replaces it. The final metadata says {"refreshed": bool}.
func (s *Service) Refresh(ctx context.Context, project, fp string) (*operations.Op, error) {
	row, err := s.row(ctx, project, fp)
	if err != nil {
		return nil, err
	}
	who := request.From(ctx)
	return s.o.Ops.Start(ctx, operations.Spec{
		Project: project, Description: "Refreshing image",
		Resources: map[string][]string{"images": {"/1.0/images/" + row.Fingerprint}},
	}, func(ctx context.Context, op *operations.Op) error {
		if row.Source["server"] == "" {
			// Imported or published here: nothing to refresh from.
			return fmt.Errorf("Failed to update image %q in project %q: Image source not found", row.Fingerprint, row.Project)
		}
		refreshed, err := s.refreshOne(ctx, op, row, who)
		if err != nil {
			return err
		}
		op.SetMetadata(map[string]any{"refreshed": refreshed})
		return nil
	})
}

// refreshOne looks up the alias (or fingerprint) the image was copied by
// on its source; when it now names another image, that image is
// downloaded with the old one's settings, the aliases move to it and the
// old image is deleted.
func (s *Service) refreshOne(ctx context.Context, op *operations.Op, row db.Image, who *request.Requestor) (bool, error) {
	src := row.Source
	if src["server"] == "" {
		return false, nil
	}
	c, err := s.remote(src["server"], src["certificate"], src["project"])
	if err != nil {
		return false, err
	}
	target := src["alias"]
	if target == "" {
		target = row.Fingerprint
	}
	newFP := target
	if alias, _, err := c.GetImageAlias(ctx, target); err == nil {
		newFP = alias.Target
	}
	info, _, err := c.GetImage(ctx, newFP)
	if err != nil {
		return false, fmt.Errorf("Failed to get image %q from %s: %w", newFP, src["server"], err)
	}
	if info.Fingerprint == row.Fingerprint {
		return false, nil
	}
	old := render(row)
	opts := ImportOpts{
		Project: row.Project, Filename: info.Filename, Public: row.Public, AutoUpdate: row.AutoUpdate,
		Properties: info.Properties, Profiles: old.Profiles, Fingerprint: info.Fingerprint, CreatedAt: info.CreatedAt,
		Source: row.Source, Cached: row.Cached,
	}
	if !row.ExpiresAt.Time.IsZero() {
		opts.ExpiresAt = row.ExpiresAt.Time
	}
	if _, err := s.row(ctx, row.Project, info.Fingerprint); err != nil {
		if _, err := s.download(ctx, op, c, info, "", opts, who); err != nil {
			return false, err
		}
	}
	if err := s.replace(ctx, row, info.Fingerprint, who); err != nil {
		return false, err
	}
	s.emit(row.Project, "image-refreshed", imageURL(row.Fingerprint, row.Project), nil, who)
	return true, nil
}

// replace moves the aliases of old to the image newFP of the same project
// and deletes old.
func (s *Service) replace(ctx context.Context, old db.Image, newFP string, who *request.Requestor) error {
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		fresh, err := tx.ImageByFingerprintPrefix(ctx, old.Project, newFP)
		if err != nil {
			return err
		}
		return tx.MoveImageAliases(ctx, old.ID, fresh.ID)
	})
	if err != nil {
		return err
	}
	return s.deleteImage(ctx, old, who)
}

// RefreshAll refreshes every image with auto_update (and, with
// images.auto_update_cached, every cached image) from its source. Failures
// are logged per image; it returns how many images were replaced. The
// background task calls it every images.auto_update_interval.
func (s *Service) RefreshAll(ctx context.Context) (int, error) {
	var rows []db.Image
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		all, err := tx.Images(ctx, db.ImageFilter{})
		for _, r := range all {
			if r.Source["server"] != "" && (r.AutoUpdate || (r.Cached && s.o.Settings().AutoUpdateCached)) {
				rows = append(rows, r)
			}
		}
		return err
	})
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	n := 0
	op, err := s.o.Ops.Start(ctx, operations.Spec{Description: "Updating images"}, func(ctx context.Context, op *operations.Op) error {
		for _, r := range rows {
			refreshed, err := s.refreshOne(ctx, op, r, &request.Requestor{})
			if err != nil {
				logctx.From(ctx).WithError(err).WithField("fingerprint", r.Fingerprint).Warn("Failed to update image")
				continue
			}
			if refreshed {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, op.Wait(ctx)
}

// Run is the background task: first the removal of orphaned files, then
// auto-update every
// images.auto_update_interval (re-read every minute, or every interval when
// shorter, so changes apply live) and pruning of expired cached images
// every hour. It returns when ctx ends.
func (s *Service) Run(ctx context.Context) {
	log := logctx.From(ctx).WithField("component", "images")
	if n, err := s.removeOrphans(ctx); err != nil {
		log.WithError(err).Warn("Failed to remove orphaned image files")
	} else if n > 0 {
		log.WithField("files", n).Info("Removed orphaned image files")
	}
	lastUpdate, lastPrune := timeNow(), time.Time{}
	for {
		interval := s.o.Settings().AutoUpdateInterval
		tick := time.Minute
		if interval > 0 && interval < tick {
			tick = interval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(tick):
		}
		if interval > 0 && timeNow().Sub(lastUpdate) >= interval {
			lastUpdate = timeNow()
			if _, err := s.RefreshAll(ctx); err != nil && ctx.Err() == nil {
				log.WithError(err).Warn("Failed to update images")
			}
		}
		if timeNow().Sub(lastPrune) >= time.Hour {
			lastPrune = timeNow()
			if _, err := s.PruneExpired(ctx); err != nil && ctx.Err() == nil {
				log.WithError(err).Warn("Failed to prune expired images")
			}
		}
	}
}

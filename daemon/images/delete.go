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

// Delete starts the deletion of an image of project ("Deleting image").
// An unknown image is a sync 404.
func (s *Service) Delete(ctx context.Context, project, fp string) (*operations.Op, error) {
	row, err := s.row(ctx, project, fp)
	if err != nil {
		return nil, err
	}
	who := request.From(ctx)
	return s.o.Ops.Start(ctx, operations.Spec{
		Project: project, Description: "Deleting image",
		Resources: map[string][]string{"images": {"/1.0/images/" + row.Fingerprint}},
	}, func(ctx context.Context, op *operations.Op) error {
		return s.deleteImage(ctx, row, who)
	})
}

// deleteImage removes the row of one project's image; when no project
// lists the fingerprint any more, the pools' image volumes and the files
// go too. Volumes are deleted first so that a failure leaves the image
// intact.
func (s *Service) deleteImage(ctx context.Context, row db.Image, who *request.Requestor) error {
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	last := false
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		all, err := tx.Images(ctx, db.ImageFilter{Fingerprint: row.Fingerprint})
		last = len(all) == 1
		return err
	})
	if err != nil {
		return err
	}
	if last && s.clustered() {
		// Every member's copy goes first: with a member offline the image
		// stays (LXD: the peer is down).
		if err := s.o.Peers.DeleteImage(ctx, row.Fingerprint); err != nil {
			return err
		}
	}
	if last && s.o.Volumes != nil {
		if err := s.o.Volumes.DeleteImageVolumes(ctx, row.Fingerprint); err != nil {
			return fmt.Errorf("Failed to delete the storage volumes of image %q: %w", row.Fingerprint, err)
		}
	}
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if err := tx.DeleteImage(ctx, row.ID); err != nil {
			return err
		}
		inUse, err := tx.ImageFingerprintInUse(ctx, row.Fingerprint)
		last = !inUse
		return err
	})
	if err != nil {
		return err
	}
	if last {
		if err := s.removeFiles(row.Fingerprint); err != nil {
			return err
		}
	}
	s.emit(row.Project, "image-deleted", imageURL(row.Fingerprint, row.Project), nil, who)
	return nil
}

// PruneExpired deletes cached images unused for longer than
// images.remote_cache_expiry, and cached images whose expires_at has
// passed, as LXD's pruning task does (uploaded and copied images are the
// user's and never pruned). It returns how many images it removed.
func (s *Service) PruneExpired(ctx context.Context) (int, error) {
	expiry := s.o.Settings().RemoteCacheExpiry
	var rows []db.Image
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		rows, err = tx.Images(ctx, db.ImageFilter{Cached: true})
		return err
	})
	if err != nil {
		return 0, err
	}
	now := time.Now()
	n := 0
	for _, row := range rows {
		lastUse := row.LastUsedAt.Time
		if lastUse.IsZero() {
			lastUse = row.UploadedAt.Time
		}
		unused := expiry > 0 && now.Sub(lastUse) > expiry
		expired := !row.ExpiresAt.Time.IsZero() && row.ExpiresAt.Time.Before(now)
		if !unused && !expired {
			continue
		}
		if err := s.deleteImage(ctx, row, &request.Requestor{}); err != nil {
			return n, err
		}
		logctx.From(ctx).WithField("fingerprint", row.Fingerprint).Info("Pruned expired cached image")
		n++
	}
	return n, nil
}

package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Peers is how the image store of a cluster member reaches the others (the
// daemon's cluster layer). Standalone servers have none, or Clustered()
// false.
type Peers interface {
	Clustered() bool
	// MinimalReplica is cluster.images_minimal_replica: how many members
	// should hold an image (-1: all).
	MinimalReplica() int
	// OnlineMembers names the other online members, in join order.
	OnlineMembers(ctx context.Context) ([]string, error)
	// ImageFile opens part ("meta" or "rootfs") of image fp on member; a
	// part the member lacks is a 404.
	ImageFile(ctx context.Context, member, fp, part string) (io.ReadCloser, error)
	// Replicate asks member to pull image fp.
	Replicate(ctx context.Context, member, fp string) error
	// DeleteImage asks every other member (all must be online) to delete
	// its copy of image fp.
	DeleteImage(ctx context.Context, fp string) error
}

func (s *Service) clustered() bool { return s.o.Peers != nil && s.o.Peers.Clustered() }

// pullLocks serialises pulls of one image on this member.
var pullLocks sync.Map

// EnsureLocal makes sure this member holds the files of image fp, pulling
// them from a member that has them when it does not (an instance being
// created here from an image imported elsewhere). Standalone, a missing
// file is a 404.
func (s *Service) EnsureLocal(ctx context.Context, fp string) error {
	metaPath, _ := s.Files(fp)
	if _, err := os.Stat(metaPath); err == nil {
		return nil
	}
	if !s.clustered() {
		return api.NotFound("Image not found")
	}
	mu, _ := pullLocks.LoadOrStore(fp, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if _, err := os.Stat(metaPath); err == nil {
		return nil
	}
	return s.Pull(ctx, fp)
}

// Pull copies the files of image fp from a member holding them, checks
// their fingerprint and records this member as a holder.
func (s *Service) Pull(ctx context.Context, fp string) error {
	holders, err := s.holders(ctx, fp)
	if err != nil {
		return err
	}
	var errs []error
	for _, member := range holders {
		err := s.pullFrom(ctx, member, fp)
		if err == nil {
			logctx.From(ctx).WithField("fingerprint", fp).WithField("member", member).Info("Pulled image from cluster member")
			return nil
		}
		errs = append(errs, fmt.Errorf("Cluster member %q: %w", member, err))
	}
	if len(errs) == 0 {
		return api.NotFound("Image %q is not available on any online cluster member", fp)
	}
	return fmt.Errorf("Failed to fetch image %q: %w", fp, errors.Join(errs...))
}

// holders lists the online members holding image fp.
func (s *Service) holders(ctx context.Context, fp string) ([]string, error) {
	online, err := s.o.Peers.OnlineMembers(ctx)
	if err != nil {
		return nil, err
	}
	var have []string
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		have, err = tx.QueryStrings(ctx, `SELECT DISTINCT m.name FROM images_members im
			JOIN images i ON i.id = im.image_id JOIN members m ON m.id = im.member_id WHERE i.fingerprint = ?`, fp)
		return err
	})
	if err != nil {
		return nil, err
	}
	holds := map[string]bool{}
	for _, h := range have {
		holds[h] = true
	}
	var out []string
	for _, m := range online {
		if holds[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *Service) pullFrom(ctx context.Context, member, fp string) error {
	st, err := s.newStaging()
	if err != nil {
		return err
	}
	defer st.remove()
	if err := s.fetchPart(ctx, member, fp, "meta", st.metaSink()); err != nil {
		return err
	}
	rootfs := st.rootfsSink()
	if err := s.fetchPart(ctx, member, fp, "rootfs", rootfs); err != nil && api.StatusOf(err) != 404 {
		return err
	}
	if got := st.fp.Sum(); got != fp {
		return fmt.Errorf("Image fingerprint mismatch: got %s, expected %s", got, fp)
	}
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	undo, err := s.commitFiles(st, fp)
	if err != nil {
		return err
	}
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT OR IGNORE INTO images_members (image_id, member_id)
			SELECT id, ? FROM images WHERE fingerprint = ?`, s.o.Self.ID(), fp)
		return err
	})
	if err != nil {
		undo()
	}
	return err
}

func (s *Service) fetchPart(ctx context.Context, member, fp, part string, sink *sink) error {
	r, err := s.o.Peers.ImageFile(ctx, member, fp, part)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(sink, ctxReader{ctx: ctx, r: r})
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	return err
}

// LocalFile opens part ("meta" or "rootfs") of image fp held here, for a
// member pulling it.
func (s *Service) LocalFile(fp, part string) (*os.File, error) {
	metaPath, rootfsPath := s.Files(fp)
	path := metaPath
	if part == "rootfs" {
		path = rootfsPath
	} else if part != "meta" {
		return nil, api.BadRequest("Unknown image file part %q", part)
	}
	if path == "" {
		return nil, api.NotFound("Image file not found")
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, api.NotFound("Image file not found")
	}
	return f, err
}

// replicate copies a new image to enough other members to reach
// cluster.images_minimal_replica, as LXD does at import: each chosen
// member pulls it from here. Failures are logged: the image exists, and
// members missing it pull it when they need it.
func (s *Service) replicate(ctx context.Context, fp string) {
	if !s.clustered() {
		return
	}
	want := s.o.Peers.MinimalReplica()
	if want == 1 || want == 0 {
		return
	}
	online, err := s.o.Peers.OnlineMembers(ctx)
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed to list cluster members for image replication")
		return
	}
	have, err := s.holders(ctx, fp)
	if err != nil {
		return
	}
	holds := map[string]bool{}
	for _, h := range have {
		holds[h] = true
	}
	count := len(have) + 1 // this member holds it
	for _, m := range online {
		if want > 0 && count >= want {
			return
		}
		if holds[m] {
			continue
		}
		if err := s.o.Peers.Replicate(ctx, m, fp); err != nil {
			logctx.From(ctx).WithError(err).WithField("member", m).Warn("Failed to replicate image")
			continue
		}
		count++
	}
}

// DeleteLocal removes this member's copy of image fp (files and image
// volumes), when the cluster deletes the image.
func (s *Service) DeleteLocal(ctx context.Context, fp string) error {
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	if s.o.Volumes != nil {
		if err := s.o.Volumes.DeleteImageVolumes(ctx, fp); err != nil {
			return fmt.Errorf("Failed to delete the storage volumes of image %q: %w", fp, err)
		}
	}
	return s.removeFiles(fp)
}

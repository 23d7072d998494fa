package storage

import (
	"context"
	"sync"

	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// imageFlights makes concurrent EnsureImageVolume calls for one pool and
// image wait for the first instead of unpacking twice.
type imageFlights struct {
	mu      sync.Mutex
	running map[string]*imageFlight
}

type imageFlight struct {
	done chan struct{}
	err  error
}

func newImageFlights() *imageFlights { return &imageFlights{running: map[string]*imageFlight{}} }

// do runs fn once per key at a time; callers arriving meanwhile wait for
// its result.
func (f *imageFlights) do(ctx context.Context, key string, fn func() error) error {
	f.mu.Lock()
	if fl, ok := f.running[key]; ok {
		f.mu.Unlock()
		select {
		case <-fl.done:
			return fl.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fl := &imageFlight{done: make(chan struct{})}
	f.running[key] = fl
	f.mu.Unlock()
	fl.err = fn()
	f.mu.Lock()
	delete(f.running, key)
	f.mu.Unlock()
	close(fl.done)
	return fl.err
}

// EnsureImageVolume makes sure pool holds the unpacked image fingerprint
// (a volume of type "image" in the default project, read-only on btrfs)
// so instances can be cloned from it. unpack fills the new volume; it runs
// at most once per pool and image, concurrent callers wait for it. On a
// driver without optimized images (dir) it does nothing: instances are
// unpacked directly (see CreateInstanceVolume).
func (s *Service) EnsureImageVolume(ctx context.Context, pool, fingerprint string, unpack drv.Filler) error {
	return s.images.do(ctx, pool+"/"+fingerprint, func() error {
		return s.ensureImageVolume(ctx, pool, fingerprint, unpack)
	})
}

func (s *Service) ensureImageVolume(ctx context.Context, pool, fingerprint string, unpack drv.Filler) error {
	var img volume
	exists := false
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if img.pool, img.p, img.d, err = s.resolvePool(ctx, tx, pool); err != nil {
			return err
		}
		img.row = db.StorageVolume{PoolID: img.pool.ID, PoolName: pool, MemberID: s.self.ID(), Project: "default",
			Type: string(drv.VolumeTypeImage), Name: fingerprint, ContentType: string(drv.ContentTypeFS), Config: map[string]string{}}
		_, err = tx.StorageVolume(ctx, img.pool.ID, s.self.ID(), "default", "image", fingerprint)
		exists = err == nil
		if api.StatusOf(err) == 404 {
			err = nil
		}
		return err
	})
	if err != nil || exists || !img.d.Info().OptimizedImages {
		return err
	}
	img.v = s.driverVolume(img.p, img.row)
	rev := revert.New()
	defer rev.Fail()
	if err := s.insertVolume(ctx, &img); err != nil {
		return err
	}
	rev.Add(func() { s.deleteVolumeRow(context.WithoutCancel(ctx), img.row.ID) })
	if err := img.d.CreateVolume(ctx, img.v, unpack); err != nil {
		return err
	}
	rev.Success()
	logctx.From(ctx).WithField("pool", pool).WithField("image", fingerprint).Info("Unpacked image into storage pool")
	return nil
}

// DeleteImageVolumes removes the unpacked copies of an image from every
// pool of this member (image deletion).
func (s *Service) DeleteImageVolumes(ctx context.Context, fingerprint string) error {
	var imgs []volume
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		imgs = imgs[:0]
		rows, err := tx.StorageVolumes(ctx, db.VolumeFilter{MemberID: s.self.ID(), Type: "image", Name: fingerprint})
		if err != nil {
			return err
		}
		for _, row := range rows {
			vol, err := s.snapshotVolume(ctx, tx, row)
			if err != nil {
				return err
			}
			imgs = append(imgs, vol)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, img := range imgs {
		unlock := s.locks.lock(volumeLockKey(img.v))
		err := img.d.DeleteVolume(ctx, img.v)
		if err == nil {
			s.deleteVolumeRow(ctx, img.row.ID)
		}
		unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

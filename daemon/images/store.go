package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/images/imagefile"
)

const stagingPrefix = ".staging-"

// staging holds an image's files while they arrive, in a private directory
// under images/ (same filesystem, so committing is a rename).
type staging struct {
	dir        string
	meta       string
	rootfs     string // "" until a rootfs half arrives
	fp         *imagefile.Fingerprint
	metaName   string // file names as the sender gave them
	rootfsName string
	rootfsPart string // "rootfs" or "rootfs.img"
	// progress, when set, is told the bytes received so far.
	progress func(received int64)
}

func (s *Service) newStaging() (*staging, error) {
	dir, err := os.MkdirTemp(s.o.Dir, stagingPrefix)
	if err != nil {
		return nil, fmt.Errorf("Failed to create image staging directory: %w", err)
	}
	return &staging{dir: dir, meta: filepath.Join(dir, "meta"), fp: imagefile.NewFingerprint()}, nil
}

// remove deletes whatever the staging directory still holds.
func (st *staging) remove() { _ = os.RemoveAll(st.dir) }

func (st *staging) split() bool { return st.rootfs != "" }

// writeMeta streams the unified tarball or metadata half to disk, hashing
// it on the way.
func (st *staging) writeMeta(ctx context.Context, r io.Reader) error {
	return st.write(ctx, st.meta, r)
}

// writeRootfs streams the rootfs half; it must follow writeMeta (the
// fingerprint covers metadata then rootfs).
func (st *staging) writeRootfs(ctx context.Context, r io.Reader) error {
	st.rootfs = filepath.Join(st.dir, "rootfs")
	return st.write(ctx, st.rootfs, r)
}

func (st *staging) write(ctx context.Context, path string, r io.Reader) error {
	sink := st.sink(path)
	_, err := io.Copy(sink, ctxReader{ctx: ctx, r: r})
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("Failed to receive image: %w", err)
	}
	return nil
}

// metaSink and rootfsSink are writers for downloads that push the bytes
// (multipart readers); the rootfs file only appears if bytes arrive.
func (st *staging) metaSink() *sink { return st.sink(st.meta) }

func (st *staging) rootfsSink() *sink {
	s := st.sink(filepath.Join(st.dir, "rootfs"))
	s.opened = func() { st.rootfs = s.path }
	return s
}

func (st *staging) sink(path string) *sink {
	return &sink{path: path, st: st}
}

// sink writes one staged file, creating it on the first write, and feeds
// the fingerprint.
type sink struct {
	path   string
	st     *staging
	f      *os.File
	opened func()
}

func (s *sink) Write(p []byte) (int, error) {
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return 0, fmt.Errorf("Failed to create image file: %w", err)
		}
		s.f = f
		if s.opened != nil {
			s.opened()
		}
	}
	n, err := s.f.Write(p)
	_, _ = s.st.fp.Write(p[:n])
	if s.st.progress != nil {
		s.st.progress(s.st.fp.Size())
	}
	return n, err
}

// Close flushes the file to disk (an empty file is created if nothing was
// written, except for a lazily opened rootfs).
func (s *sink) Close() error {
	if s.f == nil {
		if s.opened != nil {
			return nil
		}
		if _, err := s.Write(nil); err != nil {
			return err
		}
	}
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Files returns where the files of image fp are: the unified tarball or
// metadata half, and the rootfs half ("" for a unified image).
func (s *Service) Files(fp string) (metaPath, rootfsPath string) {
	metaPath = filepath.Join(s.o.Dir, fp)
	rootfsPath = metaPath + ".rootfs"
	if _, err := os.Stat(rootfsPath); err != nil {
		rootfsPath = ""
	}
	return metaPath, rootfsPath
}

// commitFiles moves staged files into place as image fp. Files already
// there (the image is in another project) are the same bytes and are kept.
// It returns an undo that removes what it put in place.
func (s *Service) commitFiles(st *staging, fp string) (func(), error) {
	var placed []string
	undo := func() {
		for _, p := range placed {
			_ = os.Remove(p)
		}
	}
	moves := [][2]string{{st.meta, filepath.Join(s.o.Dir, fp)}}
	if st.split() {
		moves = append(moves, [2]string{st.rootfs, filepath.Join(s.o.Dir, fp+".rootfs")})
	}
	for _, m := range moves {
		if _, err := os.Lstat(m[1]); err == nil {
			continue
		}
		if err := os.Rename(m[0], m[1]); err != nil {
			undo()
			return nil, fmt.Errorf("Failed to store image file: %w", err)
		}
		placed = append(placed, m[1])
	}
	if err := syncDir(s.o.Dir); err != nil {
		undo()
		return nil, err
	}
	return undo, nil
}

// removeFiles deletes the files of image fp.
func (s *Service) removeFiles(fp string) error {
	for _, p := range []string{filepath.Join(s.o.Dir, fp), filepath.Join(s.o.Dir, fp+".rootfs")} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("Failed to remove image file: %w", err)
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// cleanStaging removes uploads a previous run left behind (crash).
func (s *Service) cleanStaging() error {
	entries, err := os.ReadDir(s.o.Dir)
	if err != nil {
		return fmt.Errorf("Failed to read %s: %w", s.o.Dir, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stagingPrefix) {
			if err := os.RemoveAll(filepath.Join(s.o.Dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeOrphans deletes image files no row refers to: what a crash between
// placing the files and recording the image leaves behind.
func (s *Service) removeOrphans(ctx context.Context) (int, error) {
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	known := map[string]bool{}
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		fps, err := tx.QueryStrings(ctx, "SELECT DISTINCT fingerprint FROM images")
		for _, fp := range fps {
			known[fp] = true
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(s.o.Dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		fp := strings.TrimSuffix(name, ".rootfs")
		if strings.HasPrefix(name, stagingPrefix) || known[fp] || len(fp) != 64 {
			continue
		}
		if err := os.Remove(filepath.Join(s.o.Dir, name)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// rateTracker formats download progress as LXD's clients show it.
type rateTracker struct {
	start time.Time
	last  time.Time
	total int64
}

// format returns "<pct>% (<rate>/s)" at most every half second ("" in
// between).
func (r *rateTracker) format(received int64) string {
	now := time.Now()
	if now.Sub(r.last) < 500*time.Millisecond && received < r.total {
		return ""
	}
	r.last = now
	secs := now.Sub(r.start).Seconds()
	if secs <= 0 {
		secs = 0.001
	}
	rate := decimalSize(float64(received) / secs)
	if r.total <= 0 {
		return fmt.Sprintf("%s (%s/s)", decimalSize(float64(received)), rate)
	}
	return fmt.Sprintf("%d%% (%s/s)", received*100/r.total, rate)
}

// decimalSize renders bytes with decimal units, as LXD's progress does
// ("44.52MB").
func decimalSize(n float64) string {
	for _, unit := range []string{"B", "kB", "MB", "GB", "TB"} {
		if n < 1000 || unit == "TB" {
			if unit == "B" {
				return fmt.Sprintf("%.0fB", n)
			}
			return fmt.Sprintf("%.2f%s", n, unit)
		}
		n /= 1000
	}
	return ""
}

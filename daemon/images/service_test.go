package images

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// recorder collects lifecycle events.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) PublishLifecycle(project string, m api.EventLifecycle) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, project+" "+m.Action+" "+m.Source)
}

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.events, "\n")
}

type fixture struct {
	svc    *Service
	store  *db.Store
	dir    string
	events *recorder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, t.TempDir(), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(ctx) })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var memberID int64
	err = store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		memberID, err = tx.CreateMember(ctx, db.Member{Name: "none", Address: "0.0.0.0", SchemaVersion: db.SchemaVersion()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	opsCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	f := &fixture{store: store, dir: filepath.Join(t.TempDir(), "images"), events: &recorder{}}
	f.svc, err = New(Options{Dir: f.dir, DB: store, Ops: operations.NewRegistry(opsCtx, nil, func() string { return "none" }),
		Events: f.events, Self: cluster.StaticSelf(db.Member{ID: memberID, Name: "none"})})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) upload(t *testing.T, req UploadRequest) (api.Image, error) {
	t.Helper()
	ctx := context.Background()
	op, err := f.svc.Upload(ctx, req)
	if err != nil {
		return api.Image{}, err
	}
	if err := op.Wait(ctx); err != nil {
		return api.Image{}, err
	}
	fp, _ := op.Metadata()["fingerprint"].(string)
	return f.svc.Get(ctx, "default", fp, false)
}

func (f *fixture) files(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func busybox(t *testing.T) testimage.Image {
	t.Helper()
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestUploadUnpackDelete(t *testing.T) {
	f := newFixture(t)
	src := busybox(t)
	ctx := context.Background()
	img, err := f.upload(t, UploadRequest{Body: open(t, src.Unified), ImportOpts: ImportOpts{Project: "default", Filename: "bb.tar.gz",
		Properties: map[string]string{"os": "Override"}, Aliases: []api.ImageAlias{{Name: "bb"}}}})
	if err != nil {
		t.Fatal(err)
	}
	want, size, _ := imagefile.FingerprintFiles(src.Unified)
	if img.Fingerprint != want || img.Size != size || img.Properties["os"] != "Override" || img.Properties["release"] == "" ||
		img.Type != "container" || img.Architecture != "x86_64" || img.Filename != "bb.tar.gz" || len(img.Aliases) != 1 {
		t.Fatalf("image %+v", img)
	}
	byAlias, err := f.svc.Image(ctx, "default", "bb")
	if err != nil || byAlias.Fingerprint != want {
		t.Fatalf("Image by alias: %v %v", byAlias.Fingerprint, err)
	}
	if meta, rootfs := f.svc.Files(want); meta != filepath.Join(f.dir, want) || rootfs != "" {
		t.Fatalf("Files: %q %q", meta, rootfs)
	}
	target := t.TempDir()
	if err := f.svc.UnpackInto(ctx, want, target); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"metadata.yaml", "templates/hostname.tpl", "rootfs/bin/busybox", "rootfs/etc/inittab"} {
		if _, err := os.Lstat(filepath.Join(target, p)); err != nil {
			t.Errorf("unpacked tree lacks %s", p)
		}
	}
	if err := f.svc.MarkUsed(ctx, want); err != nil {
		t.Fatal(err)
	}
	if img, _ := f.svc.Get(ctx, "default", want, false); time.Since(img.LastUsedAt) > time.Minute {
		t.Fatalf("last_used_at %v", img.LastUsedAt)
	}
	var members int
	err = f.store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM images_members").Scan(&members)
	})
	if err != nil || members != 1 {
		t.Fatalf("images_members rows %d %v", members, err)
	}
	op, err := f.svc.Delete(ctx, "default", want[:8])
	if err != nil || op.Wait(ctx) != nil {
		t.Fatalf("delete: %v", err)
	}
	if left := f.files(t); len(left) != 0 {
		t.Fatalf("files after delete: %v", left)
	}
	wantEvents := []string{"image-created", "image-alias-created", "image-deleted"}
	for _, e := range wantEvents {
		if !strings.Contains(f.events.all(), e) {
			t.Errorf("no %s event in:\n%s", e, f.events.all())
		}
	}
}

func TestUploadSplitUnpack(t *testing.T) {
	f := newFixture(t)
	src := busybox(t)
	ctx := context.Background()
	body, contentType := multipartBody(t, src.Meta, src.Rootfs)
	img, err := f.upload(t, UploadRequest{Body: body, ContentType: contentType, ImportOpts: ImportOpts{Project: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := imagefile.FingerprintFiles(src.Meta, src.Rootfs)
	if img.Fingerprint != want || img.Filename != "meta.tar.gz" {
		t.Fatalf("split image %+v", img)
	}
	target := t.TempDir()
	if err := f.svc.UnpackInto(ctx, want, target); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(target, "rootfs", "bin", "busybox")); err != nil {
		t.Fatalf("split unpack: %v", err)
	}
	e, err := f.svc.ExportFiles(ctx, "default", want, false, "")
	if err != nil || e.MetaName != "meta-"+want+".tar.gz" || e.RootfsName != want+".squashfs" || e.RootfsPart != "rootfs" {
		t.Fatalf("export %+v %v", e, err)
	}
}

func multipartBody(t *testing.T, meta, rootfs string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	boundary := "b0undary"
	for _, p := range []struct{ name, path string }{{"metadata", meta}, {"rootfs", rootfs}} {
		data, err := os.ReadFile(p.path)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"; filename=\"" +
			filepath.Base(p.path) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
		buf.Write(data)
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + boundary + "--\r\n")
	return &buf, "multipart/form-data; boundary=" + boundary
}

func TestUploadFailuresLeaveNothing(t *testing.T) {
	f := newFixture(t)
	src := busybox(t)
	tests := []struct {
		name    string
		req     func() UploadRequest
		wantErr string
	}{
		{"wrong fingerprint", func() UploadRequest {
			return UploadRequest{Body: open(t, src.Unified), ImportOpts: ImportOpts{Fingerprint: strings.Repeat("0", 64)}}
		}, "fingerprints don't match, got "},
		{"unknown profile", func() UploadRequest {
			return UploadRequest{Body: open(t, src.Unified), ImportOpts: ImportOpts{Profiles: []string{"nope"}}}
		}, `Profile "nope" doesn't exist`},
		{"metadata only", func() UploadRequest { return UploadRequest{Body: bytes.NewReader([]byte("not a tarball"))} },
			"Invalid image tarball"},
		{"bad multipart part", func() UploadRequest {
			return UploadRequest{Body: strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--x--\r\n"),
				ContentType: "multipart/form-data; boundary=x"}
		}, "Invalid multipart image file"},
		{"unknown project", func() UploadRequest {
			return UploadRequest{Body: open(t, src.Unified), ImportOpts: ImportOpts{Project: "nosuch"}}
		}, "Project not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.upload(t, tt.req())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if left := f.files(t); len(left) != 0 {
				t.Fatalf("left %v", left)
			}
			list, err := f.svc.List(context.Background(), "default", true, false)
			if err != nil || len(list) != 0 {
				t.Fatalf("rows %v %v", list, err)
			}
		})
	}
}

// fakePublisher packs a directory as the instance service will.
type fakePublisher struct {
	rootfs string
	err    error
}

func (p fakePublisher) Publish(ctx context.Context, req PublishRequest, w io.Writer) error {
	if p.err != nil {
		return p.err
	}
	meta := "architecture: x86_64\ncreation_date: 1424284563\nproperties:\n  instance: " + req.Instance + "\n"
	return imagefile.Pack(ctx, w, imagefile.PackOpts{Rootfs: p.rootfs, Metadata: []byte(meta), Compression: req.Compression})
}

func TestPublishHook(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := api.ImagesPost{Source: &api.ImagesPostSource{Type: "instance", Name: "c1"}, CompressionAlgorithm: "zstd",
		Aliases: []api.ImageAlias{{Name: "pub"}}}
	if _, err := f.svc.Create(ctx, "default", req); api.StatusOf(err) != 400 || !strings.Contains(err.Error(), "not supported yet") {
		t.Fatalf("publish without a publisher: %v", err)
	}
	rootfs := t.TempDir()
	if err := testimage.BuildBusyboxRootfs(rootfs); err != nil {
		t.Fatal(err)
	}
	f.svc.SetPublisher(fakePublisher{rootfs: rootfs})
	op, err := f.svc.Create(ctx, "default", req)
	if err != nil || op.Wait(ctx) != nil {
		t.Fatalf("publish: %v", err)
	}
	img, err := f.svc.Image(ctx, "default", "pub")
	if err != nil || img.Properties["instance"] != "c1" {
		t.Fatalf("published image %+v %v", img, err)
	}
	metaPath, _ := f.svc.Files(img.Fingerprint)
	if ext := fileExtension(metaPath); ext != ".tar.zst" {
		t.Fatalf("published with %s", ext)
	}
	f.svc.SetPublisher(fakePublisher{err: errors.New("instance is running")})
	req.Aliases = nil
	op, err = f.svc.Create(ctx, "default", req)
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Wait(ctx); err == nil || err.Error() != "instance is running" {
		t.Fatalf("failing publisher: %v", err)
	}
	if left := f.files(t); len(left) != 1 {
		t.Fatalf("files %v", left)
	}
}

func TestPruneExpiredCachedImages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src := busybox(t)
	img, err := f.upload(t, UploadRequest{Body: open(t, src.Unified), ImportOpts: ImportOpts{Project: "default", Cached: true}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.o.Settings = func() Settings { return Settings{RemoteCacheExpiry: 24 * time.Hour} }
	if n, err := f.svc.PruneExpired(ctx); n != 0 || err != nil {
		t.Fatalf("fresh cached image pruned: %d %v", n, err)
	}
	err = f.store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE images SET last_used_at = ?", db.NullTime{Time: time.Now().Add(-48 * time.Hour)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.PruneExpired(ctx); n != 1 || err != nil {
		t.Fatalf("stale cached image not pruned: %d %v", n, err)
	}
	if _, err := f.svc.Get(ctx, "default", img.Fingerprint, false); api.StatusOf(err) != 404 {
		t.Fatalf("pruned image still there: %v", err)
	}
	if left := f.files(t); len(left) != 0 {
		t.Fatalf("files %v", left)
	}
}

type volumeDeleter struct {
	deleted []string
	err     error
}

func (v *volumeDeleter) DeleteImageVolumes(ctx context.Context, fp string) error {
	v.deleted = append(v.deleted, fp)
	return v.err
}

func TestDeleteAsksStorageFirst(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	img, err := f.upload(t, UploadRequest{Body: open(t, busybox(t).Unified), ImportOpts: ImportOpts{Project: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	vols := &volumeDeleter{err: errors.New("volume busy")}
	f.svc.SetVolumes(vols)
	op, _ := f.svc.Delete(ctx, "default", img.Fingerprint)
	if err := op.Wait(ctx); err == nil || !strings.Contains(err.Error(), "volume busy") {
		t.Fatalf("delete with failing storage: %v", err)
	}
	if _, err := f.svc.Get(ctx, "default", img.Fingerprint, false); err != nil || len(f.files(t)) != 1 {
		t.Fatalf("image lost after a failed volume delete: %v", err)
	}
	vols.err = nil
	op, _ = f.svc.Delete(ctx, "default", img.Fingerprint)
	if err := op.Wait(ctx); err != nil || len(vols.deleted) != 2 || vols.deleted[1] != img.Fingerprint {
		t.Fatalf("delete: %v %v", err, vols.deleted)
	}
}

func TestRateTracker(t *testing.T) {
	r := &rateTracker{start: time.Now().Add(-500 * time.Millisecond), total: 2_000_000}
	if got := r.format(1_000_000); !strings.HasPrefix(got, "50% (") || !strings.HasSuffix(got, "MB/s)") {
		t.Fatalf("progress %q", got)
	}
	if got := r.format(1_500_000); got != "" {
		t.Fatalf("progress too often: %q", got)
	}
	if got := r.format(2_000_000); !strings.HasPrefix(got, "100% (") {
		t.Fatalf("final progress %q", got)
	}
}

func TestNormaliseArch(t *testing.T) {
	tests := []struct{ in, want string }{{"amd64", "x86_64"}, {"x86_64", "x86_64"}, {"arm64", "aarch64"}, {"armhf", "armv7l"}, {"ppc64el", "ppc64le"}, {"i386", "i686"}}
	for _, tt := range tests {
		if got := normaliseArch(tt.in); got != tt.want {
			t.Errorf("%s -> %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestRemoveOrphans(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	img, err := f.upload(t, UploadRequest{Body: open(t, busybox(t).Unified), ImportOpts: ImportOpts{Project: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	orphan := strings.Repeat("ab", 32)
	for _, name := range []string{orphan, orphan + ".rootfs", "README"} {
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.svc.removeOrphans(ctx); n != 2 || err != nil {
		t.Fatalf("removed %d: %v", n, err)
	}
	if left := strings.Join(f.files(t), " "); left != img.Fingerprint+" README" && left != "README "+img.Fingerprint {
		t.Fatalf("left %v", left)
	}
}

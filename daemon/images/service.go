package images

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// LifecyclePublisher receives lifecycle events (daemon/events.Hub).
type LifecyclePublisher interface {
	PublishLifecycle(project string, m api.EventLifecycle)
}

// ImageVolumeDeleter removes the storage volumes a pool made from an image
// (optimized image volumes). The storage service implements it; deleting
// an image calls it before removing the files.
type ImageVolumeDeleter interface {
	DeleteImageVolumes(ctx context.Context, fingerprint string) error
}

// Settings are the server keys the service follows; read on every use so
// that changes apply live.
type Settings struct {
	// AutoUpdateInterval is images.auto_update_interval (0 disables).
	AutoUpdateInterval time.Duration
	// AutoUpdateCached is images.auto_update_cached.
	AutoUpdateCached bool
	// RemoteCacheExpiry is images.remote_cache_expiry (0 never prunes).
	RemoteCacheExpiry time.Duration
}

// Options build a Service.
type Options struct {
	Dir    string // $LXD_DIR/images
	DB     *db.Store
	Ops    *operations.Registry
	Events LifecyclePublisher
	// Self is this member's live identity (images_members rows).
	Self cluster.Self
	// Cert is this server's key pair, presented as the client certificate
	// when talking to other servers.
	Cert *tlsutil.KeyPair
	// Settings returns the current server settings.
	Settings func() Settings
	// Volumes is optional: nil until a storage service provides it.
	Volumes ImageVolumeDeleter
	// Publisher is optional: nil until the instance service provides it.
	Publisher Publisher
	// Peers reaches the other cluster members (nil: standalone).
	Peers Peers
}

// Service is the image store.
type Service struct {
	o Options

	// filesMu serialises the steps that decide whether image files exist:
	// commit of a new image and deletion of the last row using them.
	filesMu sync.Mutex

	tokensMu sync.Mutex
	tokens   map[string]*token // by secret
}

// New returns the service; it creates the images directory.
func New(o Options) (*Service, error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("Failed to create %s: %w", o.Dir, err)
	}
	if o.Settings == nil {
		o.Settings = func() Settings { return Settings{AutoUpdateInterval: 6 * time.Hour} }
	}
	s := &Service{o: o, tokens: map[string]*token{}}
	if err := s.cleanStaging(); err != nil {
		return nil, err
	}
	return s, nil
}

// SetVolumes installs the storage service's deleter (it may be built after
// this service).
func (s *Service) SetVolumes(v ImageVolumeDeleter) { s.o.Volumes = v }

// SetPublisher installs the instance service's publisher.
func (s *Service) SetPublisher(p Publisher) { s.o.Publisher = p }

// imageProject returns the project that holds the images of project: the
// project itself with features.images=true, else "default". A missing
// project is a 404.
func imageProject(ctx context.Context, tx *db.Tx, project string) (string, error) {
	if project == "" || project == "default" {
		return "default", nil
	}
	p, err := tx.Project(ctx, project)
	if err != nil {
		return "", err
	}
	if p.Config["features.images"] == "true" {
		return project, nil
	}
	return "default", nil
}

// profileProject returns the project whose profiles the images of project
// use (features.profiles).
func profileProject(ctx context.Context, tx *db.Tx, project string) (string, error) {
	if project == "" || project == "default" {
		return "default", nil
	}
	p, err := tx.Project(ctx, project)
	if err != nil {
		return "", err
	}
	if p.Config["features.profiles"] == "true" {
		return project, nil
	}
	return "default", nil
}

// emit publishes a lifecycle event caused by who.
func (s *Service) emit(project, action, source string, ctxMap map[string]any, who *request.Requestor) {
	if s.o.Events == nil {
		return
	}
	s.o.Events.PublishLifecycle(project, api.EventLifecycle{Action: action, Source: source, Context: ctxMap, Requestor: who.Lifecycle()})
}

// imageURL is the API path of an image as events and resources name it.
func imageURL(fp, project string) string {
	u := "/1.0/images/" + fp
	if project != "" && project != "default" {
		u += "?project=" + project
	}
	return u
}

var epoch = time.Unix(0, 0).UTC()

// render turns a row into the API object as LXD shows it: expires_at and
// created_at default to the Unix epoch, last_used_at to the zero time.
func render(i db.Image) api.Image {
	out := api.Image{
		ImagePut: api.ImagePut{
			AutoUpdate: i.AutoUpdate, Properties: map[string]string(i.Properties), Public: i.Public,
			ExpiresAt: orTime(i.ExpiresAt.Time, epoch), Profiles: i.Profiles,
		},
		Aliases: []api.ImageAlias{}, Architecture: i.Architecture, Cached: i.Cached, Filename: i.Filename,
		Fingerprint: i.Fingerprint, Size: i.Size, Type: i.Type,
		CreatedAt: orTime(i.CreatedAt.Time, epoch), LastUsedAt: i.LastUsedAt.Time.UTC(), UploadedAt: i.UploadedAt.Time.UTC(),
	}
	if i.LastUsedAt.Time.IsZero() {
		out.LastUsedAt = time.Time{}
	}
	if out.Properties == nil {
		out.Properties = map[string]string{}
	}
	if out.Profiles == nil {
		out.Profiles = []string{}
	}
	for _, a := range i.Aliases {
		out.Aliases = append(out.Aliases, api.ImageAlias{Name: a.Name, Description: a.Description})
	}
	// LXD shows where an image updates from only for auto-update images.
	if src := i.Source; src["server"] != "" && i.AutoUpdate {
		out.UpdateSource = &api.ImageSource{Alias: src["alias"], Certificate: src["certificate"], Protocol: src["protocol"],
			Server: src["server"], ImageType: src["image_type"]}
	}
	return out
}

func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t.UTC()
}

// List returns the images visible from project (every project's with
// allProjects); publicOnly hides private images (untrusted callers).
func (s *Service) List(ctx context.Context, project string, allProjects, publicOnly bool) ([]api.Image, error) {
	var rows []db.Image
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		f := db.ImageFilter{PublicOnly: publicOnly}
		if !allProjects {
			p, err := imageProject(ctx, tx, project)
			if err != nil {
				return err
			}
			f.Project = p
		}
		var err error
		rows, err = tx.Images(ctx, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]api.Image, 0, len(rows))
	for _, r := range rows {
		out = append(out, render(r))
	}
	return out, nil
}

// Get returns an image of project by fingerprint or unique prefix.
// publicOnly (untrusted callers without a secret) turns a private image
// into LXD's 404 `Image "<fp>" not found`.
func (s *Service) Get(ctx context.Context, project, fp string, publicOnly bool) (api.Image, error) {
	row, err := s.row(ctx, project, fp)
	if err != nil {
		if publicOnly && api.StatusOf(err) == 404 {
			return api.Image{}, api.NotFound("Image %q not found", fp)
		}
		return api.Image{}, err
	}
	if publicOnly && !row.Public {
		return api.Image{}, api.NotFound("Image %q not found", fp)
	}
	return render(row), nil
}

// row loads the image row of project by fingerprint prefix.
func (s *Service) row(ctx context.Context, project, fp string) (db.Image, error) {
	var row db.Image
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := imageProject(ctx, tx, project)
		if err != nil {
			return err
		}
		row, err = tx.ImageByFingerprintPrefix(ctx, p, fp)
		return err
	})
	return row, err
}

// ETag returns the tuple LXD hashes for an image's ETag.
func ETag(i api.Image) any { return []any{i.Public, i.AutoUpdate, i.Properties} }

// Update replaces the editable fields of an image (PUT; PATCH merges in the
// API layer first) and emits image-updated.
func (s *Service) Update(ctx context.Context, project, fp string, put api.ImagePut) error {
	var imgProject string
	var fingerprint string
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := imageProject(ctx, tx, project)
		if err != nil {
			return err
		}
		imgProject = p
		row, err := tx.ImageByFingerprintPrefix(ctx, p, fp)
		if err != nil {
			return err
		}
		fingerprint = row.Fingerprint
		row.Public, row.AutoUpdate, row.Properties = put.Public, put.AutoUpdate, db.JSONMap(put.Properties)
		row.ExpiresAt = db.NullTime{Time: unixZero(put.ExpiresAt)}
		if put.Profiles != nil {
			row.Profiles = put.Profiles
		}
		pp, err := profileProject(ctx, tx, project)
		if err != nil {
			return err
		}
		return tx.UpdateImage(ctx, row, pp)
	})
	if err != nil {
		return err
	}
	s.emit(imgProject, "image-updated", imageURL(fingerprint, imgProject), nil, request.From(ctx))
	return nil
}

// unixZero maps the epoch (LXD's "no expiry") to the zero time.
func unixZero(t time.Time) time.Time {
	if t.IsZero() || t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

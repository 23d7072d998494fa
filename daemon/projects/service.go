package projects

import (
	"context"
	"net/url"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// EventPublisher publishes lifecycle events (daemon/events.Hub).
type EventPublisher interface {
	PublishLifecycle(project string, m api.EventLifecycle)
}

// Service owns projects: records, config keys and features, used_by,
// resource usage, and the restrictions and limits other services enforce
// through it.
type Service struct {
	db     *db.Store
	events EventPublisher
}

// New returns the project service. events may be nil (no events).
func New(store *db.Store, events EventPublisher) *Service {
	return &Service{db: store, events: events}
}

// Suffix is the query suffix LXD appends to object URLs outside the
// default project.
func Suffix(project string) string {
	if project == "" || project == "default" {
		return ""
	}
	return "?project=" + url.QueryEscape(project)
}

func render(p db.Project, usedBy []string) api.Project {
	cfg := map[string]string(p.Config)
	if cfg == nil {
		cfg = map[string]string{}
	}
	if usedBy == nil {
		usedBy = []string{}
	}
	return api.Project{ProjectPut: api.ProjectPut{Config: cfg, Description: p.Description}, Name: p.Name, UsedBy: usedBy}
}

// List returns every project.
func (s *Service) List(ctx context.Context) ([]api.Project, error) {
	var out []api.Project
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		out = nil
		rows, err := tx.Projects(ctx)
		if err != nil {
			return err
		}
		for _, p := range rows {
			used, err := usedBy(ctx, tx, p.Name)
			if err != nil {
				return err
			}
			out = append(out, render(p, used))
		}
		return nil
	})
	return out, err
}

// Get returns one project (404 "Project not found").
func (s *Service) Get(ctx context.Context, name string) (api.Project, error) {
	var out api.Project
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, name)
		if err != nil {
			return err
		}
		used, err := usedBy(ctx, tx, p.Name)
		out = render(p, used)
		return err
	})
	return out, err
}

// usedBy lists the URLs of the objects that live in project, in LXD's
// order: instances, profiles, images, custom volumes, networks.
func usedBy(ctx context.Context, tx *db.Tx, project string) ([]string, error) {
	suffix := Suffix(project)
	var out []string
	add := func(prefix string, names []string) {
		for _, n := range names {
			out = append(out, prefix+url.PathEscape(n)+suffix)
		}
	}
	insts, err := tx.ProjectInstanceNames(ctx, project)
	if err != nil {
		return nil, err
	}
	add("/1.0/instances/", insts)
	profiles, err := tx.Profiles(ctx, project)
	if err != nil {
		return nil, err
	}
	for _, p := range profiles {
		add("/1.0/profiles/", []string{p.Name})
	}
	images, err := tx.ProjectImages(ctx, project)
	if err != nil {
		return nil, err
	}
	add("/1.0/images/", images)
	vols, err := tx.ProjectCustomVolumes(ctx, project)
	if err != nil {
		return nil, err
	}
	for _, v := range vols {
		add("/1.0/storage-pools/"+url.PathEscape(v.Pool)+"/volumes/custom/", []string{v.Name})
	}
	nets, err := tx.ProjectNetworks(ctx, project)
	if err != nil {
		return nil, err
	}
	add("/1.0/networks/", nets)
	return out, nil
}

// EffectiveProject returns the project whose objects of a feature
// (FeatureProfiles, FeatureImages, FeatureStorageVolumes, FeatureNetworks)
// project uses: itself when features.<feature> is true, else "default".
// An unknown project is a 404 `Failed loading project "x": Project not
// found`.
func (s *Service) EffectiveProject(ctx context.Context, project, feature string) (string, error) {
	var out string
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = EffectiveProjectTx(ctx, tx, project, feature)
		return err
	})
	return out, err
}

// EffectiveProjectTx is EffectiveProject inside a caller's transaction.
func EffectiveProjectTx(ctx context.Context, tx *db.Tx, project, feature string) (string, error) {
	if project == "default" {
		return project, nil
	}
	p, err := tx.Project(ctx, project)
	if err != nil {
		return "", api.NewStatusError(api.StatusOf(err), "Failed loading project %q: %w", project, err)
	}
	if config.ParseBool(p.Config["features."+feature]) {
		return project, nil
	}
	return "default", nil
}

func (s *Service) publish(project, action, source string, ctxMap map[string]any, who *api.EventLifecycleRequestor) {
	if s.events == nil {
		return
	}
	s.events.PublishLifecycle(project, api.EventLifecycle{Action: action, Source: source, Context: ctxMap, Requestor: who})
}

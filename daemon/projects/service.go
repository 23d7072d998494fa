package projects

import (
	"context"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

// Service reads and writes projects.
type Service struct{ db *db.Store }

// New returns the project service.
func New(store *db.Store) *Service { return &Service{db: store} }

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
		rows, err := tx.Projects(ctx)
		if err != nil {
			return err
		}
		for _, p := range rows {
			used, err := usedBy(ctx, tx, p)
			if err != nil {
				return err
			}
			out = append(out, render(p, used))
		}
		return nil
	})
	return out, err
}

// Get returns one project.
func (s *Service) Get(ctx context.Context, name string) (api.Project, error) {
	var out api.Project
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, name)
		if err != nil {
			return err
		}
		used, err := usedBy(ctx, tx, p)
		out = render(p, used)
		return err
	})
	return out, err
}

// usedBy lists the URLs of the objects that live in project p.
func usedBy(ctx context.Context, tx *db.Tx, p db.Project) ([]string, error) {
	suffix := ""
	if p.Name != "default" {
		suffix = "?project=" + p.Name
	}
	names, err := tx.QueryStrings(ctx, "SELECT name FROM profiles WHERE project_id = ? ORDER BY name", p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, "/1.0/profiles/"+n+suffix)
	}
	return out, nil
}

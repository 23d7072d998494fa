package projects

import (
	"context"
	"fmt"
	"net/http"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
)

// defaultProfileDescription is what LXD gives a new project's own default
// profile.
func defaultProfileDescription(project string) string {
	return "Default LXD profile for project " + project
}

// Create adds a project. Like LXD it turns on features.images,
// features.profiles and features.storage.volumes unless the request sets
// them (or its config is nil: LXD's answer to "config": null), and gives a project with features.profiles its own empty "default"
// profile.
func (s *Service) Create(ctx context.Context, req api.ProjectsPost) error {
	if err := ValidateName(req.Name); err != nil {
		return err
	}
	cfg := withoutEmpty(req.Config)
	for _, k := range []string{"features.images", "features.profiles", "features.storage.volumes"} {
		if cfg[k] == "" && req.Config != nil {
			cfg[k] = "true"
		}
	}
	if err := ValidateConfig(cfg); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		id, err := tx.CreateProject(ctx, db.Project{Name: req.Name, Description: req.Description, Config: cfg})
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Failed creating project %q: Failed adding database record: %w", req.Name, err)
		}
		if config.ParseBool(cfg["features.profiles"]) {
			return createDefaultProfile(ctx, tx, id, req.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	logctx.From(ctx).WithField("project", req.Name).Info("Created project")
	s.publish(req.Name, "project-created", "/1.0/projects/"+req.Name, nil, request.From(ctx).Lifecycle())
	return nil
}

// withoutEmpty copies cfg without its empty values (an empty value unsets
// a key).
func withoutEmpty(cfg map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range cfg {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func createDefaultProfile(ctx context.Context, tx *db.Tx, projectID int64, project string) error {
	_, err := tx.CreateProfile(ctx, db.Profile{ProjectID: projectID, Name: "default", Description: defaultProfileDescription(project)})
	if err != nil {
		return fmt.Errorf("Add default profile to database: %w", err)
	}
	return nil
}

// Update replaces a project's description and config (PUT; PATCH merges
// in the handler first). Features may only change on an empty project and
// never on the default one; new limits must hold for what the project
// already has.
func (s *Service) Update(ctx context.Context, name string, put api.ProjectPut) error {
	cfg := withoutEmpty(put.Config)
	if err := ValidateConfig(cfg); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, name)
		if err != nil {
			return err
		}
		if err := s.checkFeatureChanges(ctx, tx, p, cfg); err != nil {
			return err
		}
		if err := s.checkLimitChanges(ctx, tx, p, cfg); err != nil {
			return err
		}
		if err := tx.UpdateProject(ctx, p.ID, put.Description, cfg); err != nil {
			return err
		}
		return syncDefaultProfile(ctx, tx, p, cfg)
	})
	if err != nil {
		return err
	}
	s.publish(name, "project-updated", "/1.0/projects/"+name, nil, request.From(ctx).Lifecycle())
	return nil
}

// checkFeatureChanges refuses feature changes on the default project and on
// projects that hold anything.
func (s *Service) checkFeatureChanges(ctx context.Context, tx *db.Tx, p db.Project, cfg map[string]string) error {
	var changed []string
	for _, k := range featureKeys {
		if config.ParseBool(p.Config[k]) != config.ParseBool(cfg[k]) {
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if p.Name == "default" {
		return api.BadRequest("You can't change the features of the default project")
	}
	empty, err := isEmpty(ctx, tx, p.Name)
	if err != nil {
		return err
	}
	if !empty {
		return api.BadRequest("Project feature %q cannot be disabled on non-empty projects", changed[0])
	}
	return nil
}

// syncDefaultProfile creates or removes the project's own default profile
// when features.profiles changes.
func syncDefaultProfile(ctx context.Context, tx *db.Tx, p db.Project, cfg map[string]string) error {
	was, now := config.ParseBool(p.Config["features.profiles"]), config.ParseBool(cfg["features.profiles"])
	switch {
	case !was && now:
		if _, err := tx.Profile(ctx, p.Name, "default"); err == nil {
			return nil
		}
		return createDefaultProfile(ctx, tx, p.ID, p.Name)
	case was && !now:
		prof, err := tx.Profile(ctx, p.Name, "default")
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Delete project default profile: %w", err)
		}
		return tx.DeleteProfile(ctx, prof.ID)
	}
	return nil
}

// isEmpty reports whether a project holds nothing but its default profile
// (LXD's rule for feature changes, renames and deletion).
func isEmpty(ctx context.Context, tx *db.Tx, project string) (bool, error) {
	lists := []func(context.Context, string) ([]string, error){tx.ProjectInstanceNames, tx.ProjectImages, tx.ProjectNetworks}
	for _, list := range lists {
		names, err := list(ctx, project)
		if err != nil || len(names) > 0 {
			return false, err
		}
	}
	vols, err := tx.ProjectCustomVolumes(ctx, project)
	if err != nil || len(vols) > 0 {
		return false, err
	}
	profiles, err := tx.Profiles(ctx, project)
	if err != nil {
		return false, err
	}
	for _, p := range profiles {
		if p.Name != "default" {
			return false, nil
		}
	}
	return true, nil
}

// CheckRename runs the synchronous checks of a rename (the default project
// cannot be renamed: 403).
func (s *Service) CheckRename(ctx context.Context, name string) error {
	if name == "default" {
		return api.Forbidden("The 'default' project cannot be renamed")
	}
	return nil
}

// Rename renames an empty project (LXD runs it as an operation; errors
// come back as its failure).
func (s *Service) Rename(ctx context.Context, name, newName string) error {
	if err := s.CheckRename(ctx, name); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, name)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Failed loading project %q: %w", name, err)
		}
		if _, err := tx.Project(ctx, newName); err == nil {
			return api.Conflict("A project named %q already exists", newName)
		}
		empty, err := isEmpty(ctx, tx, name)
		if err != nil {
			return err
		}
		if !empty {
			return api.BadRequest("Only empty projects can be renamed")
		}
		if err := ValidateName(newName); err != nil {
			return err
		}
		return tx.RenameProject(ctx, p.ID, newName)
	})
	if err != nil {
		return err
	}
	s.publish(newName, "project-renamed", "/1.0/projects/"+newName, map[string]any{"old_name": name}, request.From(ctx).Lifecycle())
	return nil
}

// Delete removes an empty project (with its default profile).
func (s *Service) Delete(ctx context.Context, name string) error {
	if name == "default" {
		return api.Forbidden("The 'default' project cannot be deleted")
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, name)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Fetch project %q: %w", name, err)
		}
		empty, err := isEmpty(ctx, tx, name)
		if err != nil {
			return err
		}
		if !empty {
			return api.NewStatusError(http.StatusInternalServerError, "Only empty projects can be removed")
		}
		return tx.DeleteProject(ctx, p.ID)
	})
	if err != nil {
		return err
	}
	logctx.From(ctx).WithField("project", name).Info("Deleted project")
	s.publish(name, "project-deleted", "/1.0/projects/"+name, nil, request.From(ctx).Lifecycle())
	return nil
}

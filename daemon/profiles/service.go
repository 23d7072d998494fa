package profiles

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Projects is what the profile service needs of the project service.
type Projects interface {
	// EffectiveProject maps a project to the one whose profiles it uses.
	EffectiveProject(ctx context.Context, project, feature string) (string, error)
	// AllowProfileCreation and AllowProfileUpdate enforce the project's
	// restrictions (and, on update, limits) on a profile's content.
	AllowProfileCreation(ctx context.Context, project, profile string, put api.ProfilePut) error
	AllowProfileUpdate(ctx context.Context, project, profile string, put api.ProfilePut) error
}

// EventPublisher publishes lifecycle events (daemon/events.Hub).
type EventPublisher interface {
	PublishLifecycle(project string, m api.EventLifecycle)
}

// UpdateHook is called after a profile changed, with the project the
// profile lives in and the profile as it was before; the instance service
// registers one to re-apply the profile to the instances using it (it
// diffs the old and new devices to hot-plug them).
type UpdateHook func(ctx context.Context, project, name string, old api.ProfilePut) error

// Options are the optional collaborators of the service.
type Options struct {
	Events EventPublisher
	// NIC and Network plug the network service's NIC validation into
	// device validation (nil: instconfig's built-in table, any network).
	NIC     instconfig.NICValidator
	Network instconfig.NetworkLookup
}

// Service owns profiles.
type Service struct {
	db       *db.Store
	projects Projects
	opts     Options

	mu    sync.Mutex
	hooks []UpdateHook
}

// New returns the profile service.
func New(store *db.Store, projects Projects, o Options) *Service {
	return &Service{db: store, projects: projects, opts: o}
}

// OnUpdate registers a hook run after every profile update.
func (s *Service) OnUpdate(h UpdateHook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, h)
}

// URL is a profile's API URL as LXD writes it in used_by, events and
// Location headers.
func URL(project, name string) string {
	u := "/1.0/profiles/" + url.PathEscape(name)
	if project != "" && project != "default" {
		u += "?project=" + url.QueryEscape(project)
	}
	return u
}

// effective returns the project holding the profiles of project.
func (s *Service) effective(ctx context.Context, project string) (string, error) {
	return s.projects.EffectiveProject(ctx, project, "profiles")
}

func render(p db.Profile, users []db.InstanceRef) api.Profile {
	out := api.Profile{Name: p.Name, UsedBy: []string{}, ProfilePut: api.ProfilePut{
		Config: map[string]string(p.Config), Description: p.Description, Devices: map[string]map[string]string(p.Devices)}}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	if out.Devices == nil {
		out.Devices = map[string]map[string]string{}
	}
	// Clustering will add &target=<member> here for instances on other
	// members (LXD's usedby_consistency); standalone there is none.
	for _, u := range users {
		inst := "/1.0/instances/" + url.PathEscape(u.Name)
		if u.Project != "default" {
			inst += "?project=" + url.QueryEscape(u.Project)
		}
		out.UsedBy = append(out.UsedBy, inst)
	}
	return out
}

// List returns the profiles project uses and the project they live in.
func (s *Service) List(ctx context.Context, project string) (string, []api.Profile, error) {
	eff, err := s.effective(ctx, project)
	if err != nil {
		return "", nil, err
	}
	var out []api.Profile
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.Profiles(ctx, eff)
		if err != nil {
			return err
		}
		users, err := tx.ProfileUsersByProject(ctx, eff)
		if err != nil {
			return err
		}
		out = make([]api.Profile, 0, len(rows))
		for _, p := range rows {
			out = append(out, render(p, users[p.ID]))
		}
		return nil
	})
	return eff, out, err
}

// Get returns one profile of project and the project it lives in.
func (s *Service) Get(ctx context.Context, project, name string) (string, api.Profile, error) {
	eff, err := s.effective(ctx, project)
	if err != nil {
		return "", api.Profile{}, err
	}
	var out api.Profile
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Profile(ctx, eff, name)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Fetch profile: %w", err)
		}
		users, err := tx.ProfileUsers(ctx, p.ID)
		out = render(p, users)
		return err
	})
	return eff, out, err
}

// ValidateName checks a profile name as LXD does.
func ValidateName(name string) error {
	switch {
	case name == "":
		return api.BadRequest("No name provided")
	case strings.Contains(name, "/"):
		return api.BadRequest("Profile names may not contain slashes")
	case name == "." || name == "..":
		return api.BadRequest("Invalid profile name %q", name)
	}
	return nil
}

// validate checks a profile's content; status is what LXD answers
// (400 on creation, 500 on updates).
func (s *Service) validate(ctx context.Context, project string, put api.ProfilePut, status int) error {
	if err := instconfig.ValidateConfig(put.Config, instconfig.ConfigOpts{Profile: true}); err != nil {
		return api.NewStatusError(status, "%w", err)
	}
	netProject, err := s.projects.EffectiveProject(ctx, project, "networks")
	if err != nil {
		return err
	}
	o := instconfig.DeviceOpts{Profile: true, NetworkProject: netProject, NIC: s.opts.NIC, Network: s.opts.Network}
	if err := instconfig.ValidateDevices(ctx, put.Devices, o); err != nil {
		return api.NewStatusError(status, "%w", err)
	}
	return nil
}

// clean drops empty config values, as LXD stores none.
func clean(put api.ProfilePut) api.ProfilePut {
	cfg := map[string]string{}
	for k, v := range put.Config {
		if v != "" {
			cfg[k] = v
		}
	}
	put.Config = cfg
	if put.Devices == nil {
		put.Devices = map[string]map[string]string{}
	}
	return put
}

// Create adds a profile to the project holding project's profiles and
// returns its URL (for Location).
func (s *Service) Create(ctx context.Context, project string, req api.ProfilesPost) (string, error) {
	eff, err := s.effective(ctx, project)
	if err != nil {
		return "", err
	}
	if err := ValidateName(req.Name); err != nil {
		return "", err
	}
	put := clean(req.ProfilePut)
	if err := s.validate(ctx, eff, put, http.StatusBadRequest); err != nil {
		return "", err
	}
	if err := s.projects.AllowProfileCreation(ctx, eff, req.Name, put); err != nil {
		return "", err
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Project(ctx, eff)
		if err != nil {
			return err
		}
		_, err = tx.CreateProfile(ctx, db.Profile{ProjectID: p.ID, Name: req.Name, Description: put.Description,
			Config: put.Config, Devices: put.Devices})
		if err != nil {
			return api.InternalError("Error inserting %q into database: %s", req.Name, err.Error())
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	u := URL(eff, req.Name)
	logctx.From(ctx).WithField("profile", req.Name).WithField("project", eff).Info("Created profile")
	s.publish(ctx, eff, "profile-created", u, nil)
	return u, nil
}

// Update replaces a profile's content (PUT; the handler merges PATCH
// bodies first) and runs the update hooks.
func (s *Service) Update(ctx context.Context, project, name string, put api.ProfilePut) error {
	eff, err := s.effective(ctx, project)
	if err != nil {
		return err
	}
	put = clean(put)
	if err := s.validate(ctx, eff, put, http.StatusInternalServerError); err != nil {
		return err
	}
	if err := s.projects.AllowProfileUpdate(ctx, eff, name, put); err != nil {
		return err
	}
	var old api.ProfilePut
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Profile(ctx, eff, name)
		if err != nil {
			return api.NewStatusError(api.StatusOf(err), "Failed to retrieve profile %q: %w", name, err)
		}
		old = api.ProfilePut{Description: p.Description, Config: p.Config, Devices: p.Devices}
		return tx.UpdateProfile(ctx, p.ID, put.Description, put.Config, put.Devices)
	})
	if err != nil {
		return err
	}
	s.publish(ctx, eff, "profile-updated", URL(eff, name), nil)
	return s.runHooks(ctx, eff, name, old)
}

func (s *Service) runHooks(ctx context.Context, project, name string, old api.ProfilePut) error {
	s.mu.Lock()
	hooks := append([]UpdateHook(nil), s.hooks...)
	s.mu.Unlock()
	var errs []error
	for _, h := range hooks {
		if err := h(ctx, project, name, old); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Rename renames a profile and returns its new URL.
func (s *Service) Rename(ctx context.Context, project, name, newName string) (string, error) {
	eff, err := s.effective(ctx, project)
	if err != nil {
		return "", err
	}
	if name == "default" {
		return "", api.Forbidden(`The "default" profile cannot be renamed`)
	}
	if err := ValidateName(newName); err != nil {
		return "", err
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.Profile(ctx, eff, newName); err == nil {
			return api.InternalError("Name %q already in use", newName)
		}
		p, err := tx.Profile(ctx, eff, name)
		if err != nil {
			// LXD reports the failed UPDATE, not the missing profile.
			return api.InternalError("Query affected 0 rows instead of 1")
		}
		return tx.RenameProfile(ctx, p.ID, newName)
	})
	if err != nil {
		return "", err
	}
	u := URL(eff, newName)
	s.publish(ctx, eff, "profile-renamed", u, map[string]any{"old_name": name})
	return u, nil
}

// Delete removes an unused profile.
func (s *Service) Delete(ctx context.Context, project, name string) error {
	eff, err := s.effective(ctx, project)
	if err != nil {
		return err
	}
	if name == "default" {
		return api.Forbidden(`The "default" profile cannot be deleted`)
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := tx.Profile(ctx, eff, name)
		if err != nil {
			return err
		}
		users, err := tx.ProfileUsers(ctx, p.ID)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return api.InternalError("Profile is currently in use")
		}
		return tx.DeleteProfile(ctx, p.ID)
	})
	if err != nil {
		return err
	}
	s.publish(ctx, eff, "profile-deleted", URL(eff, name), nil)
	return nil
}

func (s *Service) publish(ctx context.Context, project, action, source string, extra map[string]any) {
	if s.opts.Events == nil {
		return
	}
	s.opts.Events.PublishLifecycle(project, api.EventLifecycle{Action: action, Source: source, Context: extra,
		Requestor: request.From(ctx).Lifecycle()})
}

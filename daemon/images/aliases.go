package images

import (
	"context"
	"net/url"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

func aliasURL(name, project string) string {
	u := "/1.0/images/aliases/" + url.PathEscape(name)
	if project != "" && project != "default" {
		u += "?project=" + project
	}
	return u
}

func renderAlias(a db.ImageAlias) api.ImageAliasesEntry {
	return api.ImageAliasesEntry{ImageAliasesEntryPut: api.ImageAliasesEntryPut{Description: a.Description, Target: a.Fingerprint},
		Name: a.Name, Type: a.Type}
}

// aliasTx runs fn with the image project of project.
func (s *Service) aliasTx(ctx context.Context, project string, fn func(ctx context.Context, tx *db.Tx, p string) error) error {
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		p, err := imageProject(ctx, tx, project)
		if err != nil {
			return err
		}
		return fn(ctx, tx, p)
	})
}

// publicImages returns the ids of the public images of p.
func publicImages(ctx context.Context, tx *db.Tx, p string) (map[int64]bool, error) {
	rows, err := tx.Images(ctx, db.ImageFilter{Project: p, PublicOnly: true})
	out := map[int64]bool{}
	for _, r := range rows {
		out[r.ID] = true
	}
	return out, err
}

// Aliases lists the aliases of project; publicOnly keeps those of public
// images (untrusted callers).
func (s *Service) Aliases(ctx context.Context, project string, publicOnly bool) ([]api.ImageAliasesEntry, error) {
	out := []api.ImageAliasesEntry{}
	err := s.aliasTx(ctx, project, func(ctx context.Context, tx *db.Tx, p string) error {
		all, err := tx.ImageAliases(ctx, p)
		if err != nil {
			return err
		}
		public, err := publicImages(ctx, tx, p)
		for _, a := range all {
			if !publicOnly || public[a.ImageID] {
				out = append(out, renderAlias(a))
			}
		}
		return err
	})
	return out, err
}

// Alias returns one alias; an untrusted caller only sees aliases of public
// images.
func (s *Service) Alias(ctx context.Context, project, name string, publicOnly bool) (api.ImageAliasesEntry, error) {
	var out api.ImageAliasesEntry
	err := s.aliasTx(ctx, project, func(ctx context.Context, tx *db.Tx, p string) error {
		a, err := tx.ImageAlias(ctx, p, name)
		if err != nil {
			return err
		}
		if publicOnly {
			public, err := publicImages(ctx, tx, p)
			if err != nil {
				return err
			}
			if !public[a.ImageID] {
				return api.NotFound("Image alias not found")
			}
		}
		out = renderAlias(a)
		return nil
	})
	return out, err
}

// CreateAlias creates an alias (409 `Alias "x" already exists`).
func (s *Service) CreateAlias(ctx context.Context, project string, req api.ImageAliasesPost) error {
	if req.Name == "" {
		return api.BadRequest("Alias name missing")
	}
	if req.Target == "" {
		return api.BadRequest("Alias target missing")
	}
	var p, fp string
	err := s.aliasTx(ctx, project, func(ctx context.Context, tx *db.Tx, ip string) error {
		p = ip
		img, err := tx.ImageByFingerprintPrefix(ctx, p, req.Target)
		if err != nil {
			return err
		}
		fp = img.Fingerprint
		_, err = tx.CreateImageAlias(ctx, p, req.Name, img.ID, req.Description)
		return err
	})
	if err != nil {
		return err
	}
	s.emit(p, "image-alias-created", aliasURL(req.Name, p), map[string]any{"target": fp}, request.From(ctx))
	return nil
}

// UpdateAlias sets an alias's target and description (PUT; PATCH merges
// in the API layer first).
func (s *Service) UpdateAlias(ctx context.Context, project, name string, put api.ImageAliasesEntryPut) error {
	if put.Target == "" {
		return api.BadRequest("The target field is required")
	}
	var p, fp string
	err := s.aliasTx(ctx, project, func(ctx context.Context, tx *db.Tx, ip string) error {
		p = ip
		a, err := tx.ImageAlias(ctx, p, name)
		if err != nil {
			return err
		}
		img, err := tx.ImageByFingerprintPrefix(ctx, p, put.Target)
		if err != nil {
			return err
		}
		fp = img.Fingerprint
		return tx.UpdateImageAlias(ctx, a.ID, img.ID, put.Description)
	})
	if err != nil {
		return err
	}
	s.emit(p, "image-alias-updated", aliasURL(name, p), map[string]any{"target": fp}, request.From(ctx))
	return nil
}

// RenameAlias renames an alias (409 when the new name is taken).
func (s *Service) RenameAlias(ctx context.Context, project, name, newName string) error {
	if newName == "" {
		return api.BadRequest("Alias name missing")
	}
	var p string
	err := s.aliasTx(ctx, project, func(ctx context.Context, tx *db.Tx, ip string) error {
		p = ip
		a, err := tx.ImageAlias(ctx, p, name)
		if err != nil {
			return err
		}
		return tx.RenameImageAlias(ctx, a.ID, newName)
	})
	if err != nil {
		return err
	}
	s.emit(p, "image-alias-renamed", aliasURL(newName, p), map[string]any{"old_name": name}, request.From(ctx))
	return nil
}

// DeleteAlias removes an alias.
func (s *Service) DeleteAlias(ctx context.Context, project, name string) error {
	var p string
	err := s.aliasTx(ctx, project, func(ctx context.Context, tx *db.Tx, ip string) error {
		p = ip
		a, err := tx.ImageAlias(ctx, p, name)
		if err != nil {
			return err
		}
		return tx.DeleteImageAlias(ctx, a.ID)
	})
	if err != nil {
		return err
	}
	s.emit(p, "image-alias-deleted", aliasURL(name, p), nil, request.From(ctx))
	return nil
}

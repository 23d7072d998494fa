package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// Image is an images row with its profile names, aliases and the members
// holding its files.
type Image struct {
	ID           int64
	Project      string
	Fingerprint  string
	Filename     string
	Size         int64
	Public       bool
	AutoUpdate   bool
	Cached       bool
	Architecture string
	Type         string
	CreatedAt    NullTime
	ExpiresAt    NullTime
	UploadedAt   NullTime
	LastUsedAt   NullTime
	Properties   JSONMap
	// Source is where the image was copied from (update_source): alias,
	// certificate, protocol, server, image_type and project keys; empty for
	// uploads.
	Source   JSONMap
	Profiles []string
	Aliases  []ImageAlias
}

// ImageAlias is an images_aliases row.
type ImageAlias struct {
	ID          int64
	Project     string
	Name        string
	Description string
	ImageID     int64
	Fingerprint string // of the target image
	Type        string // of the target image
}

// ImageFilter selects images. Empty fields match everything.
type ImageFilter struct {
	Project     string
	Fingerprint string // exact
	PublicOnly  bool
	AutoUpdate  bool // only auto_update images
	Cached      bool // only cached images
}

const imageColumns = `i.id, p.name, i.fingerprint, i.filename, i.size, i.public, i.auto_update, i.cached,
	i.architecture, i.type, i.created_at, i.expires_at, i.uploaded_at, i.last_used_at, i.properties, i.source`

// Images lists the images matching f, ordered by project and fingerprint,
// with profiles and aliases (three queries whatever the count).
func (t *Tx) Images(ctx context.Context, f ImageFilter) ([]Image, error) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg ...any) { where = append(where, cond); args = append(args, arg...) }
	if f.Project != "" {
		add("p.name = ?", f.Project)
	}
	if f.Fingerprint != "" {
		add("i.fingerprint = ?", f.Fingerprint)
	}
	if f.PublicOnly {
		add("i.public = 1")
	}
	if f.AutoUpdate {
		add("i.auto_update = 1")
	}
	if f.Cached {
		add("i.cached = 1")
	}
	rows, err := t.Query(ctx, "SELECT "+imageColumns+` FROM images i JOIN projects p ON p.id = i.project_id
		WHERE `+strings.Join(where, " AND ")+" ORDER BY p.name, i.fingerprint", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Image
	for rows.Next() {
		var i Image
		if err := rows.Scan(&i.ID, &i.Project, &i.Fingerprint, &i.Filename, &i.Size, &i.Public, &i.AutoUpdate, &i.Cached,
			&i.Architecture, &i.Type, &i.CreatedAt, &i.ExpiresAt, &i.UploadedAt, &i.LastUsedAt, &i.Properties, &i.Source); err != nil {
			return nil, err
		}
		i.Profiles, i.Aliases = []string{}, []ImageAlias{}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, t.imageRelations(ctx, out)
}

// imageRelations fills Profiles and Aliases of images.
func (t *Tx) imageRelations(ctx context.Context, images []Image) error {
	if len(images) == 0 {
		return nil
	}
	index := make(map[int64]int, len(images))
	for n, i := range images {
		index[i.ID] = n
	}
	prows, err := t.Query(ctx, `SELECT ip.image_id, pr.name FROM images_profiles ip
		JOIN profiles pr ON pr.id = ip.profile_id ORDER BY pr.name`)
	if err != nil {
		return err
	}
	defer prows.Close()
	for prows.Next() {
		var id int64
		var name string
		if err := prows.Scan(&id, &name); err != nil {
			return err
		}
		if n, ok := index[id]; ok {
			images[n].Profiles = append(images[n].Profiles, name)
		}
	}
	if err := prows.Err(); err != nil {
		return err
	}
	aliases, err := t.ImageAliases(ctx, "")
	if err != nil {
		return err
	}
	for _, a := range aliases {
		if n, ok := index[a.ImageID]; ok {
			images[n].Aliases = append(images[n].Aliases, a)
		}
	}
	return nil
}

// ImageByFingerprintPrefix finds the image of project whose fingerprint
// starts with prefix: 404 "Image not found" when none, 400 when several.
func (t *Tx) ImageByFingerprintPrefix(ctx context.Context, project, prefix string) (Image, error) {
	if prefix == "" || strings.ContainsAny(prefix, "%_") {
		return Image{}, api.NotFound("Image not found")
	}
	ids, err := t.QueryStrings(ctx, `SELECT i.fingerprint FROM images i JOIN projects p ON p.id = i.project_id
		WHERE p.name = ? AND i.fingerprint LIKE ? LIMIT 2`, project, prefix+"%")
	if err != nil {
		return Image{}, err
	}
	switch len(ids) {
	case 0:
		return Image{}, api.NotFound("Image not found")
	case 2:
		return Image{}, api.BadRequest("More than one image matches")
	}
	all, err := t.Images(ctx, ImageFilter{Project: project, Fingerprint: ids[0]})
	if err != nil {
		return Image{}, err
	}
	if len(all) != 1 {
		return Image{}, api.NotFound("Image not found")
	}
	return all[0], nil
}

// CreateImage inserts img into its project, links its profiles (looked up
// in profileProject) and records memberID as holding the files.
func (t *Tx) CreateImage(ctx context.Context, img Image, profileProject string, memberID int64) (int64, error) {
	if img.UploadedAt.Time.IsZero() {
		img.UploadedAt.Time = time.Now().UTC()
	}
	res, err := t.Exec(ctx, `INSERT INTO images (project_id, fingerprint, filename, size, public, auto_update, cached,
		architecture, type, created_at, expires_at, uploaded_at, last_used_at, properties, source)
		SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM projects WHERE name = ?`,
		img.Fingerprint, img.Filename, img.Size, img.Public, img.AutoUpdate, img.Cached, img.Architecture, img.Type,
		img.CreatedAt, img.ExpiresAt, img.UploadedAt, img.LastUsedAt, img.Properties, img.Source, img.Project)
	if isUnique(err) {
		return 0, api.Conflict("Image with same fingerprint already exists")
	}
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, api.NotFound("Project not found")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if _, err := t.Exec(ctx, "INSERT OR IGNORE INTO images_members (image_id, member_id) VALUES (?, ?)", id, memberID); err != nil {
		return 0, err
	}
	return id, t.SetImageProfiles(ctx, id, profileProject, img.Profiles)
}

// UpdateImage rewrites the editable columns of image id.
func (t *Tx) UpdateImage(ctx context.Context, img Image, profileProject string) error {
	err := t.execOne(ctx, api.NotFound("Image not found"), `UPDATE images SET public = ?, auto_update = ?,
		expires_at = ?, properties = ?, filename = ?, source = ?, cached = ? WHERE id = ?`,
		img.Public, img.AutoUpdate, img.ExpiresAt, img.Properties, img.Filename, img.Source, img.Cached, img.ID)
	if err != nil {
		return err
	}
	return t.SetImageProfiles(ctx, img.ID, profileProject, img.Profiles)
}

// SetImageProfiles replaces the profiles of image id by the named profiles
// of project; an unknown name is a 400.
func (t *Tx) SetImageProfiles(ctx context.Context, id int64, project string, profiles []string) error {
	if _, err := t.Exec(ctx, "DELETE FROM images_profiles WHERE image_id = ?", id); err != nil {
		return err
	}
	for _, name := range profiles {
		res, err := t.Exec(ctx, `INSERT OR IGNORE INTO images_profiles (image_id, profile_id)
			SELECT ?, pr.id FROM profiles pr JOIN projects p ON p.id = pr.project_id WHERE p.name = ? AND pr.name = ?`,
			id, project, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			err := t.QueryRow(ctx, `SELECT 1 FROM images_profiles ip JOIN profiles pr ON pr.id = ip.profile_id
				WHERE ip.image_id = ? AND pr.name = ?`, id, name).Scan(&exists)
			if errors.Is(err, sql.ErrNoRows) {
				return api.BadRequest("Profile %q doesn't exist", name)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteImage removes image id (aliases, profile and member links go with
// it).
func (t *Tx) DeleteImage(ctx context.Context, id int64) error {
	return t.execOne(ctx, api.NotFound("Image not found"), "DELETE FROM images WHERE id = ?", id)
}

// ImageFingerprintInUse reports whether any project still has an image
// with fingerprint (the files are shared between projects).
func (t *Tx) ImageFingerprintInUse(ctx context.Context, fingerprint string) (bool, error) {
	var n int
	err := t.QueryRow(ctx, "SELECT COUNT(*) FROM images WHERE fingerprint = ?", fingerprint).Scan(&n)
	return n > 0, err
}

// MoveImageAliases points every alias of image from at image to (after a
// refresh replaced the image by a newer one).
func (t *Tx) MoveImageAliases(ctx context.Context, from, to int64) error {
	_, err := t.Exec(ctx, "UPDATE images_aliases SET image_id = ? WHERE image_id = ?", to, from)
	return err
}

// MarkImageUsed sets last_used_at of every image with fingerprint.
func (t *Tx) MarkImageUsed(ctx context.Context, fingerprint string, at time.Time) error {
	_, err := t.Exec(ctx, "UPDATE images SET last_used_at = ? WHERE fingerprint = ?", NullTime{at}, fingerprint)
	return err
}

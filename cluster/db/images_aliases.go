package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lxdng/lxd/shared/api"
)

const aliasQuery = `SELECT a.id, p.name, a.name, a.description, a.image_id, i.fingerprint, i.type
	FROM images_aliases a JOIN projects p ON p.id = a.project_id JOIN images i ON i.id = a.image_id`

func scanAliases(rows *sql.Rows) ([]ImageAlias, error) {
	defer rows.Close()
	out := []ImageAlias{}
	for rows.Next() {
		var a ImageAlias
		if err := rows.Scan(&a.ID, &a.Project, &a.Name, &a.Description, &a.ImageID, &a.Fingerprint, &a.Type); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ImageAliases lists the aliases of project ("" for all) in creation
// order, as LXD does (an image shows its aliases in that order).
func (t *Tx) ImageAliases(ctx context.Context, project string) ([]ImageAlias, error) {
	q, args := aliasQuery, []any{}
	if project != "" {
		q += " WHERE p.name = ?"
		args = append(args, project)
	}
	rows, err := t.Query(ctx, q+" ORDER BY p.name, a.id", args...)
	if err != nil {
		return nil, err
	}
	return scanAliases(rows)
}

// ImageAlias loads one alias, 404 "Image alias not found" if unknown.
func (t *Tx) ImageAlias(ctx context.Context, project, name string) (ImageAlias, error) {
	rows, err := t.Query(ctx, aliasQuery+" WHERE p.name = ? AND a.name = ?", project, name)
	if err != nil {
		return ImageAlias{}, err
	}
	all, err := scanAliases(rows)
	if err != nil {
		return ImageAlias{}, err
	}
	if len(all) == 0 {
		return ImageAlias{}, api.NotFound("Image alias not found")
	}
	return all[0], nil
}

// CreateImageAlias inserts an alias of image imageID in project: 409
// `Alias "<name>" already exists` on a duplicate.
func (t *Tx) CreateImageAlias(ctx context.Context, project, name string, imageID int64, description string) (int64, error) {
	res, err := t.Exec(ctx, `INSERT INTO images_aliases (project_id, name, image_id, description)
		SELECT id, ?, ?, ? FROM projects WHERE name = ?`, name, imageID, description, project)
	if isUnique(err) {
		return 0, api.Conflict("Alias %q already exists", name)
	}
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, api.NotFound("Project not found")
	}
	return res.LastInsertId()
}

// UpdateImageAlias sets the target and description of alias id.
func (t *Tx) UpdateImageAlias(ctx context.Context, id, imageID int64, description string) error {
	return t.execOne(ctx, api.NotFound("Image alias not found"),
		"UPDATE images_aliases SET image_id = ?, description = ? WHERE id = ?", imageID, description, id)
}

// RenameImageAlias renames alias id: 409 when the name is taken.
func (t *Tx) RenameImageAlias(ctx context.Context, id int64, name string) error {
	err := t.execOne(ctx, api.NotFound("Image alias not found"), "UPDATE images_aliases SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return api.Conflict("Alias %q already exists", name)
	}
	return err
}

// DeleteImageAlias removes alias id.
func (t *Tx) DeleteImageAlias(ctx context.Context, id int64) error {
	err := t.execOne(ctx, api.NotFound("Image alias not found"), "DELETE FROM images_aliases WHERE id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return api.NotFound("Image alias not found")
	}
	return err
}

package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lxdng/lxd/shared/api"
)

// Project is a projects row.
type Project struct {
	ID          int64
	Name        string
	Description string
	Config      JSONMap
}

// Projects lists every project ordered by name.
func (t *Tx) Projects(ctx context.Context) ([]Project, error) {
	rows, err := t.Query(ctx, "SELECT id, name, description, config FROM projects ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		var p Project
		if err := rows.Scan(&p.ID, &p.Name, &p.Description, &p.Config); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Project loads one project by name, 404 if unknown.
func (t *Tx) Project(ctx context.Context, name string) (Project, error) {
	var p Project
	err := t.QueryRow(ctx, "SELECT id, name, description, config FROM projects WHERE name = ?", name).
		Scan(&p.ID, &p.Name, &p.Description, &p.Config)
	if errors.Is(err, sql.ErrNoRows) {
		return p, api.NotFound("Project not found")
	}
	return p, err
}

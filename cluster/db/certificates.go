package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lxdng/lxd/shared/api"
)

// Certificate is a trust store row with the names of its projects.
type Certificate struct {
	ID          int64
	Fingerprint string
	Type        string
	Name        string
	Certificate string
	Restricted  bool
	Description string
	Projects    []string
}

// Certificates lists the whole trust store, projects included, in two
// queries.
func (t *Tx) Certificates(ctx context.Context) ([]Certificate, error) {
	rows, err := t.Query(ctx, `SELECT id, fingerprint, type, name, certificate, restricted, description
		FROM certificates ORDER BY fingerprint`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Certificate
	index := map[int64]int{}
	for rows.Next() {
		var c Certificate
		if err := rows.Scan(&c.ID, &c.Fingerprint, &c.Type, &c.Name, &c.Certificate, &c.Restricted, &c.Description); err != nil {
			return nil, err
		}
		c.Projects = []string{}
		index[c.ID] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prows, err := t.Query(ctx, `SELECT cp.certificate_id, p.name FROM certificates_projects cp
		JOIN projects p ON p.id = cp.project_id ORDER BY p.name`)
	if err != nil {
		return nil, err
	}
	defer prows.Close()
	for prows.Next() {
		var id int64
		var name string
		if err := prows.Scan(&id, &name); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Projects = append(out[i].Projects, name)
		}
	}
	return out, prows.Err()
}

// CertificateByFingerprintPrefix finds one certificate by a unique prefix.
func (t *Tx) CertificateByFingerprintPrefix(ctx context.Context, prefix string) (Certificate, error) {
	all, err := t.Certificates(ctx)
	if err != nil {
		return Certificate{}, err
	}
	var found []Certificate
	for _, c := range all {
		if len(prefix) > 0 && len(c.Fingerprint) >= len(prefix) && c.Fingerprint[:len(prefix)] == prefix {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return Certificate{}, api.NotFound("Certificate not found")
	case 1:
		return found[0], nil
	}
	return Certificate{}, api.BadRequest("More than one certificate matches")
}

// CreateCertificate inserts c with its project links.
func (t *Tx) CreateCertificate(ctx context.Context, c Certificate) (int64, error) {
	res, err := t.Exec(ctx, `INSERT INTO certificates (fingerprint, type, name, certificate, restricted, description)
		VALUES (?, ?, ?, ?, ?, ?)`, c.Fingerprint, c.Type, c.Name, c.Certificate, c.Restricted, c.Description)
	if isUnique(err) {
		return 0, api.Conflict("Certificate already in trust store")
	}
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, t.setCertificateProjects(ctx, id, c.Projects)
}

// UpdateCertificate rewrites the row matched by fingerprint.
func (t *Tx) UpdateCertificate(ctx context.Context, fingerprint string, c Certificate) error {
	var id int64
	err := t.QueryRow(ctx, "SELECT id FROM certificates WHERE fingerprint = ?", fingerprint).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return api.NotFound("Certificate not found")
	}
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `UPDATE certificates SET fingerprint = ?, type = ?, name = ?, certificate = ?,
		restricted = ?, description = ? WHERE id = ?`, c.Fingerprint, c.Type, c.Name, c.Certificate, c.Restricted, c.Description, id)
	if isUnique(err) {
		return api.Conflict("Certificate already in trust store")
	}
	if err != nil {
		return err
	}
	return t.setCertificateProjects(ctx, id, c.Projects)
}

func (t *Tx) setCertificateProjects(ctx context.Context, id int64, projects []string) error {
	if _, err := t.Exec(ctx, "DELETE FROM certificates_projects WHERE certificate_id = ?", id); err != nil {
		return err
	}
	for _, p := range projects {
		res, err := t.Exec(ctx, `INSERT INTO certificates_projects (certificate_id, project_id)
			SELECT ?, id FROM projects WHERE name = ?`, id, p)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return api.NotFound("Project %q not found", p)
		}
	}
	return nil
}

// DeleteCertificate removes the certificate with this fingerprint.
func (t *Tx) DeleteCertificate(ctx context.Context, fingerprint string) error {
	return t.execOne(ctx, api.NotFound("Certificate not found"), "DELETE FROM certificates WHERE fingerprint = ?", fingerprint)
}

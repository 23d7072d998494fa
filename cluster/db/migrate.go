package db

import (
	"context"
	"fmt"

	"github.com/lxdng/lxd/migrations"
)

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	steps, err := migrations.Steps()
	if err != nil {
		panic(err) // the embedded files are checked by a unit test
	}
	return len(steps)
}

// Migrate applies every pending step, each in its own transaction, and
// records it in the schema table. It returns the version now in place.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	steps, err := migrations.Steps()
	if err != nil {
		return 0, err
	}
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema (
			version INTEGER PRIMARY KEY, applied_at DATETIME NOT NULL)`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("Failed to create schema table: %w", err)
	}
	current, err := s.currentVersion(ctx)
	if err != nil {
		return 0, err
	}
	if current > len(steps) {
		return current, fmt.Errorf("Database schema version %d is newer than this binary's %d: upgrade this member", current, len(steps))
	}
	for _, step := range steps[current:] {
		err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
			// Another member may have applied it meanwhile.
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM schema WHERE version = ?", step.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.Exec(ctx, step.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema (version, applied_at) VALUES (?, strftime('%s'))", step.Version)
			return err
		})
		if err != nil {
			return current, fmt.Errorf("Failed to apply schema step %s: %w", step.Name, err)
		}
		s.log.WithField("version", step.Version).Info("Applied database schema step")
		current = step.Version
	}
	return current, nil
}

func (s *Store) currentVersion(ctx context.Context) (int, error) {
	var v int
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema").Scan(&v)
	})
	return v, err
}

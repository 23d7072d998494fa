package db

import "context"

// Config returns the cluster-wide server config.
func (t *Tx) Config(ctx context.Context) (map[string]string, error) {
	rows, err := t.Query(ctx, "SELECT key, value FROM config")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cfg := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		cfg[k] = v
	}
	return cfg, rows.Err()
}

// UpdateConfig applies changes: an empty value deletes the key.
func (t *Tx) UpdateConfig(ctx context.Context, changes map[string]string) error {
	for k, v := range changes {
		if v == "" {
			if _, err := t.Exec(ctx, "DELETE FROM config WHERE key = ?", k); err != nil {
				return err
			}
			continue
		}
		_, err := t.Exec(ctx, "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", k, v)
		if err != nil {
			return err
		}
	}
	return nil
}

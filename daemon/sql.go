package daemon

import (
	"context"
	"database/sql"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

// SQLResult is one statement's outcome for `lxd sql`.
type SQLResult struct {
	Type         string   `json:"type"`
	Columns      []string `json:"columns"`
	Rows         [][]any  `json:"rows"`
	RowsAffected int64    `json:"rows_affected"`
}

// SQLBatch is the answer to POST /internal/sql.
type SQLBatch struct {
	Results []SQLResult `json:"results"`
}

// SQL implements api.Lifecycle: it runs query against the cluster database
// ("global"). There is no member-local SQL database: local state lives in
// daemon.yaml.
func (d *Daemon) SQL(ctx context.Context, database, query string) (any, error) {
	if database != "global" {
		return nil, api.BadRequest("Invalid database type %q: this daemon only has the global database (member-local settings are in daemon.yaml)", database)
	}
	var batch SQLBatch
	err := d.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		batch = SQLBatch{}
		for _, stmt := range splitStatements(query) {
			res, err := runStatement(ctx, tx, stmt)
			if err != nil {
				return api.BadRequest("Failed to execute query: %w", err)
			}
			batch.Results = append(batch.Results, res)
		}
		return nil
	})
	return batch, err
}

func splitStatements(q string) []string {
	var out []string
	for _, s := range strings.Split(q, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func runStatement(ctx context.Context, tx *db.Tx, stmt string) (SQLResult, error) {
	upper := strings.ToUpper(stmt)
	if !strings.HasPrefix(upper, "SELECT") && !strings.HasPrefix(upper, "PRAGMA") && !strings.HasPrefix(upper, "WITH") {
		res, err := tx.Exec(ctx, stmt)
		if err != nil {
			return SQLResult{}, err
		}
		n, _ := res.RowsAffected()
		return SQLResult{Type: "exec", RowsAffected: n}, nil
	}
	rows, err := tx.Query(ctx, stmt)
	if err != nil {
		return SQLResult{}, err
	}
	defer rows.Close()
	return scanAll(rows)
}

func scanAll(rows *sql.Rows) (SQLResult, error) {
	cols, err := rows.Columns()
	if err != nil {
		return SQLResult{}, err
	}
	res := SQLResult{Type: "select", Columns: cols, Rows: [][]any{}}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return res, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

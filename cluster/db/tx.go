package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	dqdriver "github.com/canonical/go-dqlite/driver"

	"github.com/lxdng/lxd/shared/api"
)

// Tx is one database transaction. Typed queries hang off it, one file per
// table.
type Tx struct {
	tx *sql.Tx
}

// inTxKey marks a context that is inside a transaction.
type inTxKey struct{}

// retryWindow bounds how long Tx keeps retrying a transaction that failed
// because the database was busy or leadership moved.
const retryWindow = 20 * time.Second

// Tx runs fn in a transaction, committing when fn returns nil. It retries
// the whole function on busy errors and leader changes, so fn must only touch
// the database (no side effects outside it).
func (s *Store) Tx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return s.tx(ctx, false, fn)
}

// ReadTx is Tx for functions that only read. It runs on the read-only
// connections, so it never waits behind a write transaction's commit, and
// sees everything committed before it began (every connection talks to
// the leader). fn must not write: a write there would contend with the
// read-write connection for the database lock.
func (s *Store) ReadTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return s.tx(ctx, true, fn)
}

func (s *Store) tx(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx *Tx) error) error {
	if ctx.Value(inTxKey{}) != nil {
		// The store has a single read-write connection: a nested
		// transaction would wait forever for the one its caller holds (and
		// a nested read would not see its caller's uncommitted writes).
		return errors.New("nested database transaction")
	}
	ctx = context.WithValue(ctx, inTxKey{}, true)
	return s.retryTx(ctx, readOnly, fn)
}

// retryTx runs fn in a transaction of its own, retrying it on busy errors
// and leader changes within retryWindow.
func (s *Store) retryTx(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx *Tx) error) error {
	deadline := time.Now().Add(retryWindow)
	delay := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := s.txOnce(ctx, readOnly, fn)
		if err == nil || !retryable(err) || time.Now().After(deadline) || ctx.Err() != nil {
			if err != nil && retryable(err) {
				return api.Unavailable("Database unavailable: %w", err)
			}
			return err
		}
		s.log.WithError(err).WithField("attempt", attempt).Debug("Retrying database transaction")
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
		if delay < 500*time.Millisecond {
			delay *= 2
		}
	}
}

func (s *Store) txOnce(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx *Tx) error) (err error) {
	_, c, err := s.currentConns(ctx)
	if err != nil {
		return err
	}
	db := c.rw
	if readOnly {
		db = c.ro
	}
	sqlTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(ctx, &Tx{tx: sqlTx}); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// retryable reports whether err is a transient database condition.
func retryable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, dqdriver.ErrNoAvailableLeader) {
		return true
	}
	var de dqdriver.Error
	if errors.As(err, &de) {
		switch de.Code {
		case dqdriver.ErrBusy, dqdriver.ErrBusyRecovery, dqdriver.ErrBusySnapshot:
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "not leader") ||
		strings.Contains(msg, "leadership lost") || strings.Contains(msg, "no available dqlite leader") ||
		strings.Contains(msg, "sql: database is closed")
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Exec runs a statement.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, query, args...)
}

// Query runs a query returning rows.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, query, args...)
}

// QueryRow runs a query returning at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, query, args...)
}

// QueryStrings returns the first column of every row as strings.
func (t *Tx) QueryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// execOne runs a statement that must affect exactly one row; otherwise it
// returns notFound.
func (t *Tx) execOne(ctx context.Context, notFound error, query string, args ...any) error {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// JSONMap is a map[string]string stored as a JSON object column.
type JSONMap map[string]string

// Scan implements sql.Scanner.
func (m *JSONMap) Scan(src any) error {
	*m = JSONMap{}
	return scanJSON(src, (*map[string]string)(m))
}

// Value implements driver.Valuer.
func (m JSONMap) Value() (driver.Value, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]string(m))
	return string(b), err
}

// JSONDevices is a map of device name to device config, stored as JSON.
type JSONDevices map[string]map[string]string

// Scan implements sql.Scanner.
func (m *JSONDevices) Scan(src any) error {
	*m = JSONDevices{}
	return scanJSON(src, (*map[string]map[string]string)(m))
}

// Value implements driver.Valuer.
func (m JSONDevices) Value() (driver.Value, error) {
	if m == nil {
		return "{}", nil
	}
	// LXD stores no empty device keys: `lxc config device unset` sends
	// the key with "" and the key is gone.
	out := make(map[string]map[string]string, len(m))
	for name, dev := range m {
		out[name] = NonEmpty(dev)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// NonEmpty is m without its empty values, as LXD stores pool, volume and
// device config (`lxc storage unset` sends the key with "").
func NonEmpty(m map[string]string) JSONMap {
	out := make(JSONMap, len(m))
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// JSONList is a []string stored as a JSON array.
type JSONList []string

// Scan implements sql.Scanner.
func (l *JSONList) Scan(src any) error {
	*l = JSONList{}
	return scanJSON(src, (*[]string)(l))
}

// Value implements driver.Valuer.
func (l JSONList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

func scanJSON(src any, dst any) error {
	var data []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		data = []byte(v)
	case []byte:
		data = v
	default:
		return fmt.Errorf("cannot scan %T as JSON", src)
	}
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, dst)
}

// NullTime scans a nullable DATETIME; the zero time stands for NULL.
type NullTime struct{ time.Time }

// Scan implements sql.Scanner.
func (n *NullTime) Scan(src any) error {
	n.Time = time.Time{}
	switch v := src.(type) {
	case nil:
		return nil
	case time.Time:
		n.Time = v
		return nil
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	}
	return fmt.Errorf("cannot scan %T as time", src)
}

func (n *NullTime) parse(s string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			n.Time = t
			return nil
		}
	}
	return fmt.Errorf("cannot parse time %q", s)
}

// Value implements driver.Valuer: the zero time is stored as NULL.
func (n NullTime) Value() (driver.Value, error) {
	if n.Time.IsZero() {
		return nil, nil
	}
	return n.Time.UTC(), nil
}

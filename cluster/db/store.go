package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/canonical/go-dqlite/app"
	"github.com/canonical/go-dqlite/client"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/shared/api"
)

// Options configure how the dqlite node is reached.
type Options struct {
	// Address is the node's cluster address (host:port). Empty means a
	// standalone server: the node listens on a private abstract socket.
	Address string
	// Join lists existing members to join (first start of a joining node).
	Join []string
	// Dial and Accept route dqlite traffic through the daemon's HTTPS
	// listener (upgrade endpoint). Both nil for a standalone server.
	Dial   client.DialFunc
	Accept chan net.Conn
	// Voters and StandBys size the raft roles (defaults 3 and 2).
	Voters, StandBys int
	Log              *logrus.Entry
}

// Store is the cluster database.
type Store struct {
	app *app.App
	db  *sql.DB
	dir string
	log *logrus.Entry
}

// Open starts (or restarts) the local dqlite node under dir, opens the "lxd"
// database and applies pending migrations.
func Open(ctx context.Context, dir string, o Options) (*Store, error) {
	if o.Log == nil {
		o.Log = logrus.NewEntry(logrus.StandardLogger())
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("Failed to create database directory: %w", err)
	}
	addr, err := nodeAddress(dir, o.Address)
	if err != nil {
		return nil, err
	}
	opts := []app.Option{
		app.WithAddress(addr),
		app.WithLogFunc(dqliteLogger(o.Log)),
	}
	if len(o.Join) > 0 {
		opts = append(opts, app.WithCluster(o.Join))
	}
	if o.Dial != nil {
		opts = append(opts, app.WithExternalConn(o.Dial, o.Accept))
	}
	if o.Voters > 0 {
		opts = append(opts, app.WithVoters(o.Voters))
	}
	if o.StandBys > 0 {
		opts = append(opts, app.WithStandBys(o.StandBys))
	}
	a, err := app.New(dir, opts...)
	if err != nil {
		return nil, fmt.Errorf("Failed to start database node: %w", err)
	}
	s := &Store{app: a, dir: dir, log: o.Log}
	if err := s.open(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	readyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := s.app.Ready(readyCtx); err != nil {
		return fmt.Errorf("Database node not ready: %w", err)
	}
	db, err := s.app.Open(ctx, "lxd")
	if err != nil {
		return fmt.Errorf("Failed to open database: %w", err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s.db = db
	return nil
}

// nodeAddress returns the dqlite address to use: the one already recorded in
// info.yaml (it must stay stable), the requested one, or a fresh private
// abstract socket name for a standalone server.
func nodeAddress(dir, requested string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "info.yaml"))
	if err == nil {
		var info struct {
			Address string `yaml:"Address"`
		}
		if err := yaml.Unmarshal(data, &info); err != nil {
			return "", fmt.Errorf("Failed to parse database node info: %w", err)
		}
		return info.Address, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if requested != "" {
		return requested, nil
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "@lxd-db-" + hex.EncodeToString(b), nil
}

func dqliteLogger(l *logrus.Entry) client.LogFunc {
	return func(level client.LogLevel, format string, args ...any) {
		if level >= client.LogWarn {
			l.WithField("component", "dqlite").Warnf(format, args...)
			return
		}
		l.WithField("component", "dqlite").Tracef(format, args...)
	}
}

// App exposes the dqlite node for the cluster layer (roles, handover).
func (s *Store) App() *app.App { return s.app }

// Dir is the database directory.
func (s *Store) Dir() string { return s.dir }

// Leader returns the address of the current raft leader.
func (s *Store) Leader(ctx context.Context) (string, error) {
	cli, err := s.app.Leader(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	info, err := cli.Leader(ctx)
	if err != nil {
		return "", err
	}
	if info == nil {
		return "", api.Unavailable("No database leader")
	}
	return info.Address, nil
}

// Close stops the database node after handing over its raft roles when it
// is part of a cluster.
func (s *Store) Close(ctx context.Context) error {
	if s.db != nil {
		_ = s.db.Close()
	}
	return s.app.Close()
}

// Handover transfers leadership and voting rights to other members.
func (s *Store) Handover(ctx context.Context) error {
	return s.app.Handover(ctx)
}

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
	"sync"
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
	// RolesFrequency is how often the node refreshes its list of database
	// nodes and, on the leader, adjusts roles (go-dqlite default 30s).
	RolesFrequency time.Duration
	// NetworkLatency tunes raft's heartbeat and election timeouts (3x and
	// 15x it); 0 keeps dqlite's defaults (election after 3s).
	NetworkLatency time.Duration
	Log            *logrus.Entry
}

// Store is the cluster database. Its dqlite node can be restarted in place
// (Restart) when the member bootstraps, joins or leaves a cluster: every
// service keeps the same *Store.
type Store struct {
	dir string
	log *logrus.Entry

	mu      sync.RWMutex
	app     *app.App
	db      *sql.DB       // the one connection of read-write transactions
	rdb     *sql.DB       // connections of read-only transactions (ReadTx)
	swapped chan struct{} // closed when a restart finishes
}

// Open starts (or restarts) the local dqlite node under dir, opens the "lxd"
// database and applies pending migrations.
func Open(ctx context.Context, dir string, o Options) (*Store, error) {
	if o.Log == nil {
		o.Log = logrus.NewEntry(logrus.StandardLogger())
	}
	s := &Store{dir: dir, log: o.Log}
	a, c, err := startNode(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	s.app, s.db, s.rdb = a, c.rw, c.ro
	return s, nil
}

// conns are the two handles on the "lxd" database.
type conns struct{ rw, ro *sql.DB }

func (c conns) close() {
	for _, db := range []*sql.DB{c.rw, c.ro} {
		if db != nil {
			_ = db.Close()
		}
	}
}

// startNode starts the dqlite node under dir and opens the "lxd" database.
func startNode(ctx context.Context, dir string, o Options) (*app.App, conns, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, conns{}, fmt.Errorf("Failed to create database directory: %w", err)
	}
	addr, err := nodeAddress(dir, o.Address)
	if err != nil {
		return nil, conns{}, err
	}
	if o.Dial != nil && len(o.Join) == 0 {
		if err := mergePeers(dir); err != nil {
			return nil, conns{}, fmt.Errorf("Failed to update the database node list: %w", err)
		}
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
	if o.NetworkLatency > 0 {
		opts = append(opts, app.WithNetworkLatency(o.NetworkLatency))
	}
	if o.RolesFrequency > 0 {
		opts = append(opts, app.WithRolesAdjustmentFrequency(o.RolesFrequency))
	}
	a, err := app.New(dir, opts...)
	if err != nil {
		return nil, conns{}, fmt.Errorf("Failed to start database node: %w", err)
	}
	c, err := openDB(ctx, a)
	if err != nil {
		_ = a.Close()
		return nil, conns{}, err
	}
	return a, c, nil
}

// readConns is the size of the read-only pool: reads run while a write
// waits for its raft commit (an fsync, ~2 ms here), instead of queueing
// behind it; the dqlite node executes them all on one thread anyway.
const readConns = 4

func openDB(ctx context.Context, a *app.App) (conns, error) {
	readyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := a.Ready(readyCtx); err != nil {
		return conns{}, fmt.Errorf("Database node not ready: %w", err)
	}
	var c conns
	var err error
	if c.rw, err = a.Open(ctx, "lxd"); err != nil {
		return conns{}, fmt.Errorf("Failed to open database: %w", err)
	}
	// One read-write connection, as LXD does: dqlite serialises writes
	// through raft anyway, and concurrent write transactions on several
	// connections only fail with "busy" and retry with backoff (measured:
	// 20 parallel launches 8.8 s with 8 connections, 3.3 s with one).
	c.rw.SetMaxOpenConns(1)
	c.rw.SetMaxIdleConns(1)
	if c.ro, err = a.Open(ctx, "lxd"); err != nil {
		c.close()
		return conns{}, fmt.Errorf("Failed to open database: %w", err)
	}
	c.ro.SetMaxOpenConns(readConns)
	c.ro.SetMaxIdleConns(readConns)
	return c, nil
}

// Restart stops the dqlite node, runs prepare on the stopped node's
// directory (move it to a new address, or wipe it to join a cluster), and
// starts it again with o. Transactions started meanwhile wait for the new
// node (up to their retry window).
func (s *Store) Restart(ctx context.Context, o Options, prepare func(dir string) error) error {
	if o.Log == nil {
		o.Log = s.log
	}
	s.mu.Lock()
	oldApp, old := s.app, conns{s.db, s.rdb}
	s.app, s.db, s.rdb = nil, nil, nil
	s.swapped = make(chan struct{})
	s.mu.Unlock()
	old.close()
	if oldApp != nil {
		if err := oldApp.Close(); err != nil {
			s.log.WithError(err).Warn("Failed to stop database node")
		}
	}
	var a *app.App
	var c conns
	err := prepare(s.dir)
	if err == nil {
		a, c, err = startNode(ctx, s.dir, o)
	}
	s.mu.Lock()
	s.app, s.db, s.rdb = a, c.rw, c.ro
	close(s.swapped)
	s.mu.Unlock()
	return err
}

// current returns the running node and database, waiting while a restart
// is in progress.
func (s *Store) current(ctx context.Context) (*app.App, *sql.DB, error) {
	a, c, err := s.currentConns(ctx)
	return a, c.rw, err
}

// currentConns is current with both database handles.
func (s *Store) currentConns(ctx context.Context) (*app.App, conns, error) {
	for {
		s.mu.RLock()
		a, c, swapped := s.app, conns{s.db, s.rdb}, s.swapped
		s.mu.RUnlock()
		if a != nil && c.rw != nil && c.ro != nil {
			return a, c, nil
		}
		if swapped == nil {
			return nil, conns{}, api.Unavailable("Database is not running")
		}
		select {
		case <-swapped:
			s.mu.RLock()
			failed := s.app == nil
			s.mu.RUnlock()
			if failed {
				return nil, conns{}, api.Unavailable("Database is not running")
			}
		case <-ctx.Done():
			return nil, conns{}, ctx.Err()
		}
	}
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

// App exposes the dqlite node for the cluster layer (roles, handover); nil
// while a restart is in progress.
func (s *Store) App() *app.App {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.app
}

// Dir is the database directory.
func (s *Store) Dir() string { return s.dir }

// Leader returns the address of the current raft leader.
func (s *Store) Leader(ctx context.Context) (string, error) {
	a, _, err := s.current(ctx)
	if err != nil {
		return "", err
	}
	cli, err := a.Leader(ctx)
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
	s.mu.Lock()
	a, c := s.app, conns{s.db, s.rdb}
	s.app, s.db, s.rdb, s.swapped = nil, nil, nil, nil
	s.mu.Unlock()
	c.close()
	if a == nil {
		return nil
	}
	return a.Close()
}

// Handover transfers leadership and voting rights to other members.
func (s *Store) Handover(ctx context.Context) error {
	a, _, err := s.current(ctx)
	if err != nil {
		return err
	}
	return a.Handover(ctx)
}

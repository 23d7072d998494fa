package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Publisher receives lifecycle events (daemon/events.Hub satisfies it).
type Publisher interface {
	PublishLifecycle(project string, m api.EventLifecycle)
}

// Options is what the daemon hands the service.
type Options struct {
	Store *db.Store
	// Self is this member's live identity (member-local rows are keyed by
	// its id, which changes when the server joins a cluster).
	Self cluster.Self
	// Dir is LXD_DIR: pools live in Dir/storage-pools/<name>, loop files
	// in Dir/disks.
	Dir string
	// Drivers are the implemented drivers by name (daemon/drivers.go).
	Drivers map[string]func() drv.Driver
	// Unavailable are LXD's drivers this server cannot offer, with why.
	Unavailable []drv.UnavailableDriver
	Events      Publisher
	// Peers reaches the other cluster members (nil: standalone).
	Peers Peers
	// SnapshotTaskInterval is how often scheduled snapshots and expiries
	// are checked (LXD: every minute). Zero means one minute.
	SnapshotTaskInterval time.Duration
}

// Service is the storage service. Its methods are safe for concurrent use.
type Service struct {
	db           *db.Store
	self         cluster.Self
	poolsDir     string
	disksDir     string
	drivers      map[string]drv.Driver
	unavailable  map[string]string
	events       Publisher
	peers        Peers
	taskInterval time.Duration

	locks  keyedLocks
	mounts *mountCounter
	// exports counts the volumes a migration source is sending.
	exports *exportCounter
	images  *imageFlights

	mu          sync.Mutex
	poolProblem map[string]error // pools that failed to mount at start
}

// New builds the service; the drivers are constructed once here.
func New(o Options) *Service {
	s := &Service{
		db: o.Store, self: o.Self, events: o.Events, peers: o.Peers,
		poolsDir: filepath.Join(o.Dir, "storage-pools"), disksDir: filepath.Join(o.Dir, "disks"),
		drivers: map[string]drv.Driver{}, unavailable: map[string]string{},
		taskInterval: o.SnapshotTaskInterval, mounts: newMountCounter(), images: newImageFlights(), exports: newExportCounter(),
		poolProblem: map[string]error{},
	}
	if s.taskInterval <= 0 {
		s.taskInterval = time.Minute
	}
	for name, newDriver := range o.Drivers {
		s.drivers[name] = newDriver()
	}
	for _, u := range o.Unavailable {
		s.unavailable[u.Name] = u.Reason
	}
	return s
}

// Start mounts every pool of this member (a failure is logged and the pool
// shown as unavailable, the daemon still starts), takes @startup
// snapshots, and runs the snapshot task until ctx ends.
func (s *Service) Start(ctx context.Context) error {
	if err := os.MkdirAll(s.poolsDir, 0o711); err != nil {
		return fmt.Errorf("Failed to create %q: %w", s.poolsDir, err)
	}
	s.mountAllPools(ctx)
	go s.runSnapshotTask(ctx)
	return nil
}

// mountAllPools mounts every pool at start.
func (s *Service) mountAllPools(ctx context.Context) {
	var pools []db.StoragePool
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		pools, err = tx.StoragePools(ctx)
		return err
	})
	if err != nil {
		logctx.From(ctx).WithError(err).Error("Failed to list storage pools")
		return
	}
	for _, row := range pools {
		if !s.createdHere(ctx, row) {
			continue // pending, or not defined on this member
		}
		log := logctx.From(ctx).WithField("pool", row.Name)
		p, d, err := s.loadPool(ctx, row.Name)
		if err == nil {
			err = d.MountPool(ctx, p)
		}
		s.mu.Lock()
		if err != nil {
			s.poolProblem[row.Name] = err
			log.WithError(err).Error("Failed to mount storage pool")
		} else {
			delete(s.poolProblem, row.Name)
			log.Debug("Mounted storage pool")
		}
		s.mu.Unlock()
	}
}

// createdHere reports whether this member's part of pool exists.
func (s *Service) createdHere(ctx context.Context, row db.StoragePool) bool {
	var member db.StoragePoolMember
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		member, err = tx.StoragePoolMember(ctx, row.ID, s.self.ID())
		return err
	})
	return err == nil && member.State == db.StoragePoolCreated
}

// driver returns the implementation of name, or LXD's error for a driver
// it does not know or cannot run.
func (s *Service) driver(name string) (drv.Driver, error) {
	if d, ok := s.drivers[name]; ok {
		if info := d.Info(); !info.Operational {
			return nil, fmt.Errorf("%s", info.Reason)
		}
		return d, nil
	}
	if reason, ok := s.unavailable[name]; ok {
		return nil, fmt.Errorf("%s", reason)
	}
	return nil, fmt.Errorf("Unknown driver")
}

// poolValue is the driver's view of a pool row and its member config.
func (s *Service) poolValue(row db.StoragePool, member map[string]string) drv.Pool {
	cfg := map[string]string{}
	for k, v := range row.Config {
		cfg[k] = v
	}
	for k, v := range member {
		cfg[k] = v
	}
	return drv.Pool{Name: row.Name, Driver: row.Driver, Config: cfg,
		Path: filepath.Join(s.poolsDir, row.Name), DisksDir: s.disksDir}
}

// loadPool reads a pool and its driver.
func (s *Service) loadPool(ctx context.Context, name string) (drv.Pool, drv.Driver, error) {
	var row db.StoragePool
	var member db.StoragePoolMember
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if row, err = tx.StoragePool(ctx, name); err != nil {
			return err
		}
		member, err = tx.StoragePoolMember(ctx, row.ID, s.self.ID())
		if api.StatusOf(err) == 404 {
			err = nil
		}
		return err
	})
	if err != nil {
		return drv.Pool{}, nil, err
	}
	d, err := s.driver(row.Driver)
	if err != nil {
		return drv.Pool{}, nil, err
	}
	return s.poolValue(row, member.Config), d, nil
}

// publish sends a lifecycle event with the caller of ctx as requestor.
func (s *Service) publish(ctx context.Context, project, action, source string, evCtx map[string]any) {
	if s.events == nil {
		return
	}
	if project == "" {
		project = "default"
	}
	s.events.PublishLifecycle(project, api.EventLifecycle{
		Action: action, Source: source, Context: evCtx, Requestor: requestorOf(ctx),
	})
}

// SupportedDrivers lists the operational drivers for
// storage_supported_drivers, sorted by name.
func (s *Service) SupportedDrivers() []api.ServerStorageDriverInfo {
	out := []api.ServerStorageDriverInfo{}
	for _, d := range s.drivers {
		info := d.Info()
		if info.Operational {
			out = append(out, api.ServerStorageDriverInfo{Name: info.Name, Version: info.Version, Remote: info.Remote})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// UsedDrivers returns GET /1.0's "storage" and "storage_version": the
// drivers of the existing pools and their versions, sorted and joined with
// " | " as LXD does ("" without pools).
func (s *Service) UsedDrivers(ctx context.Context) (names, versions string) {
	var pools []db.StoragePool
	if err := s.db.ReadTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		pools, err = tx.StoragePools(ctx)
		return err
	}); err != nil {
		return "", ""
	}
	seen := map[string]bool{}
	var used []string
	for _, p := range pools {
		if !seen[p.Driver] {
			seen[p.Driver] = true
			used = append(used, p.Driver)
		}
	}
	sort.Strings(used)
	for i, name := range used {
		version := ""
		if d, ok := s.drivers[name]; ok {
			version = d.Info().Version
		}
		if i > 0 {
			names += " | "
			versions += " | "
		}
		names += name
		versions += version
	}
	return names, versions
}

// Stop unmounts the pools of this member, as LXD does at shutdown. A pool
// still busy (running instances) stays mounted; that is logged.
func (s *Service) Stop(ctx context.Context) {
	var pools []db.StoragePool
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		pools, err = tx.StoragePools(ctx)
		return err
	})
	if err != nil {
		logctx.From(ctx).WithError(err).Warn("Failed to list storage pools at shutdown")
		return
	}
	for _, row := range pools {
		if !s.createdHere(ctx, row) {
			continue
		}
		p, d, err := s.loadPool(ctx, row.Name)
		if err == nil {
			err = d.UnmountPool(ctx, p)
		}
		if err != nil {
			logctx.From(ctx).WithError(err).WithField("pool", row.Name).Warn("Failed to unmount storage pool")
		}
	}
}

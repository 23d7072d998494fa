package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/api"
	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/devlxd"
	"github.com/lxdng/lxd/daemon/events"
	"github.com/lxdng/lxd/daemon/images"
	"github.com/lxdng/lxd/daemon/instances"
	"github.com/lxdng/lxd/daemon/migration"
	netsvc "github.com/lxdng/lxd/daemon/network"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/profiles"
	"github.com/lxdng/lxd/daemon/projects"
	"github.com/lxdng/lxd/daemon/resources"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/daemon/trust"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// Config is what main passes to New.
type Config struct {
	Dir   string // LXD_DIR
	Group string // group owning unix.socket ("" keeps root's)
}

// Daemon is one running lxd.
type Daemon struct {
	cfg Config
	log *logrus.Entry

	ctx    context.Context // lifetime of the daemon
	cancel context.CancelFunc

	db     *db.Store
	config *config.Server
	hub    *events.Hub
	ops    *operations.Registry
	trust  *trust.Store
	// Services kept for the services built after them (the instance
	// service enforces project restrictions, registers a profile update
	// hook and resolves NIC networks).
	projects *projects.Service
	profiles *profiles.Service
	network  *netsvc.Service
	storage  *storage.Service
	images   *images.Service
	// migration moves volumes and instances between servers and members.
	migration *migration.Service
	// instances is the instance service; lxcFeatures what liblxc offers.
	instances   *instances.Service
	lxcFeatures map[string]string
	devlxd      *devlxd.Server
	// stopInstances is set by `lxd shutdown`: instances, then networks,
	// are stopped with the daemon (a signal leaves them running, as LXD
	// does).
	stopInstances atomic.Bool
	cert          *tlsutil.KeyPair
	env           *environment
	handler       http.Handler
	servers       *listeners
	front         *frontHandler
	cluster       *clustering

	ready        atomic.Bool
	shutdownOnce sync.Once
	stopped      chan struct{}
}

// New returns a daemon that Run starts.
func New(cfg Config) *Daemon {
	return &Daemon{cfg: cfg, log: logrus.WithField("component", "daemon"), stopped: make(chan struct{})}
}

// path returns a path under LXD_DIR.
func (d *Daemon) path(elem ...string) string {
	return filepath.Join(append([]string{d.cfg.Dir}, elem...)...)
}

// Run starts the daemon and blocks until ctx ends or a shutdown is
// requested; it then stops cleanly.
func (d *Daemon) Run(ctx context.Context) error {
	d.ctx, d.cancel = context.WithCancel(context.Background())
	defer d.cancel()
	if err := d.start(ctx); err != nil {
		d.stop(context.Background())
		return err
	}
	d.ready.Store(true)
	d.log.WithField("dir", d.cfg.Dir).Info("Daemon started")
	select {
	case <-ctx.Done():
	case <-d.stopped:
	}
	d.stop(context.Background())
	d.log.Info("Daemon stopped")
	return nil
}

func (d *Daemon) start(ctx context.Context) error {
	if err := os.MkdirAll(d.cfg.Dir, 0o711); err != nil {
		return fmt.Errorf("Failed to create %s: %w", d.cfg.Dir, err)
	}
	var err error
	d.cert, err = tlsutil.LoadOrGenerate(d.path("server.crt"), d.path("server.key"), true)
	if err != nil {
		return fmt.Errorf("Failed to load server certificate: %w", err)
	}
	if d.cluster, err = newClustering(d); err != nil {
		return err
	}
	// A clustered member serves database traffic on its HTTPS listener, so
	// the listener comes up before the database (see listenEarly).
	d.front = newFrontHandler(d.cluster)
	d.servers = newListeners(d.front, d.cert, d.log)
	// The unix socket answers 503 until the API is up (or while the
	// version gate holds this member).
	if err := d.servers.serveUnix(d.path("unix.socket"), d.cfg.Group); err != nil {
		return err
	}
	bound, err := d.listenEarly(ctx)
	if err != nil {
		return err
	}
	if err := d.openDatabase(ctx); err != nil {
		return err
	}
	if d.config, err = config.Load(ctx, d.db, d.path("daemon.yaml")); err != nil {
		return err
	}
	if d.trust, err = trust.New(ctx, d.db, d.path("server.ca"), d.path("server.crl")); err != nil {
		return err
	}
	if kp := d.cluster.m.Transport.Certificate(); kp != nil {
		d.trust.SetClusterCertificate(kp.Fingerprint)
	}
	d.hub = events.NewHub(1024)
	logrus.AddHook(events.LogHook{Hub: d.hub})
	d.ops = operations.NewRegistry(d.ctx, d.hub, d.hub.Location)
	if err := d.startStorage(); err != nil {
		return err
	}
	d.env = newEnvironment(d)
	if err := d.startImages(); err != nil {
		return err
	}
	d.images.SetVolumes(d.storage)
	if err := d.buildServices(ctx); err != nil {
		return err
	}
	if err := d.startInstances(ctx); err != nil {
		return err
	}
	d.cluster.registerResolvers()
	d.cluster.registerInstanceRoutes()
	d.cluster.registerVolumeRoutes()
	res, err := resources.New(resources.Options{})
	if err != nil {
		return err
	}
	d.handler = api.New(api.Deps{
		Config: d.config, Info: d.env, Ops: d.ops, Events: d.hub, Trust: d.trust,
		Lifecycle: d, Projects: d.projects, Profiles: d.profiles, Networks: d.network,
		Storage: d.storage, Images: d.images, Cluster: d.cluster, Forward: d.cluster.forwardMiddleware,
		ClusterLocal:    clusterLocal{d},
		InstanceService: d.instances, InstanceHooks: d.instances,
		Instances: instanceSource{svc: d.instances, dir: d.cfg.Dir},
		Resources: res,
		Migration: d.startMigration(),
	})
	d.front.set(d.handler)
	d.config.OnChange(d.cluster.guardAddress)
	d.config.OnChange(d.servers.applyConfig)
	if err := d.servers.applyConfig(ctx, bound, d.config.Snapshot()); err != nil {
		return err
	}
	d.runInstanceTasks()
	if self, clustered := d.cluster.m.Self(); clustered {
		return d.cluster.becomeClustered(ctx, self)
	}
	return nil
}

// snapshotTaskIntervalEnv is a hidden debug knob: the interval (a Go
// duration) of the volume snapshot task, one minute by default. Tests set
// it to seconds so scheduled snapshots happen without waiting a minute.
const snapshotTaskIntervalEnv = "LXDNG_SNAPSHOT_TASK_INTERVAL"

// startStorage builds the storage service and mounts every pool; a pool
// that fails to mount is reported, not fatal.
func (d *Daemon) startStorage() error {
	var interval time.Duration
	if v := os.Getenv(snapshotTaskIntervalEnv); v != "" {
		var err error
		if interval, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("Invalid %s %q: %w", snapshotTaskIntervalEnv, v, err)
		}
	}
	d.storage = storage.New(storage.Options{
		Store: d.db, Self: d.cluster.m.Identity(), Dir: d.cfg.Dir, Drivers: storageDrivers(),
		Unavailable: drv.Unavailable(), Events: d.hub, SnapshotTaskInterval: interval,
		Peers: storagePeers{d.cluster},
	})
	d.cluster.hooks.AddMemberConfig(poolMemberConfig{d})
	return d.storage.Start(d.ctx)
}

// openDatabase starts dqlite (standalone, or as a cluster member reached
// through the HTTPS listener), migrates the schema and records this member.
func (d *Daemon) openDatabase(ctx context.Context) error {
	address := d.cluster.clusterAddress(localSnapshot(d.path("daemon.yaml")))
	opts := db.Options{Log: d.log.WithField("component", "db")}
	if address != "" {
		opts = d.cluster.m.DatabaseOptions(canonicalAddress(address), nil)
	}
	var err error
	d.db, err = db.Open(ctx, d.path("database"), opts)
	if err != nil {
		return err
	}
	d.cluster.attach(d.db)
	if address != "" {
		return d.cluster.openMember(ctx, canonicalAddress(address))
	}
	if _, err := d.db.Migrate(ctx); err != nil {
		return err
	}
	return d.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		members, err := tx.Members(ctx)
		if err != nil {
			return err
		}
		if len(members) == 0 {
			m := db.Member{Name: "none", Address: "0.0.0.0", SchemaVersion: db.SchemaVersion(),
				APIExtensions: len(d.envExtensions()), Architecture: hostArchitecture()}
			if m.ID, err = tx.CreateMember(ctx, m); err != nil {
				return err
			}
			d.cluster.m.SetSelf(m, false)
			return nil
		}
		// Standalone: the only member is us. Clustering replaces this.
		self := members[0]
		self.SchemaVersion = db.SchemaVersion()
		self.APIExtensions = len(d.envExtensions())
		d.cluster.m.SetSelf(self, false)
		return tx.UpdateMember(ctx, self)
	})
}

// stop shuts every part down in reverse order of start.
func (d *Daemon) stop(ctx context.Context) {
	d.ready.Store(false)
	if d.instances != nil && d.stopInstances.Load() {
		d.instances.Shutdown(ctx)
		if d.network != nil {
			// The host is going down: networks go with the instances.
			d.network.StopAll(ctx)
		}
	}
	if d.cluster != nil {
		d.cluster.leave(ctx)
	}
	if d.servers != nil {
		d.servers.closeAll()
	}
	if d.devlxd != nil {
		_ = d.devlxd.Stop()
	}
	if d.cancel != nil {
		d.cancel()
	}
	if d.network != nil {
		d.network.Shutdown()
	}
	if d.ops != nil {
		waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := d.ops.Wait(waitCtx); err != nil {
			d.log.WithError(err).Warn("Operations still running at shutdown")
		}
		cancel()
	}
	if d.storage != nil {
		// A member left without database quorum (the other voters are
		// gone) can't list its pools: don't wait for a leader forever.
		stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		d.storage.Stop(stopCtx)
		cancel()
	}
	if d.db != nil {
		if err := d.db.Close(ctx); err != nil && !errors.Is(err, context.Canceled) {
			d.log.WithError(err).Warn("Failed to close database")
		}
	}
}

// Ready implements api.Lifecycle.
func (d *Daemon) Ready() bool { return d.ready.Load() }

// Shutdown implements api.Lifecycle: it asks Run to stop and returns.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.stopInstances.Store(true)
	d.shutdownOnce.Do(func() { close(d.stopped) })
	return nil
}

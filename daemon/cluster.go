package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/eventsync"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// clustering wires cluster membership into the daemon: it implements
// api.ClusterService, the forwarding middleware, the operation recorder,
// and runs heartbeats and event sync while the member is clustered.
type clustering struct {
	d        *Daemon
	m        *cluster.Manager
	hooks    *cluster.Hooks
	fwd      *forward.Forwarder
	owners   *forward.Resolvers
	notifier *cluster.Notifier
	sync     *eventsync.Syncer

	mu      sync.Mutex
	cancel  context.CancelFunc // background loops
	loops   sync.WaitGroup
	waiting atomic.Value // string: why the version gate holds requests ("" when open)
	joining sync.Mutex   // one bootstrap/join at a time
}

func newClustering(d *Daemon) (*clustering, error) {
	c := &clustering{d: d, hooks: &cluster.Hooks{}, owners: &forward.Resolvers{}}
	c.waiting.Store("")
	var cert *tlsutil.KeyPair
	if _, err := os.Stat(d.path("cluster.crt")); err == nil {
		kp, err := tlsutil.Load(d.path("cluster.crt"), d.path("cluster.key"))
		if err != nil {
			return nil, fmt.Errorf("Failed to load cluster certificate: %w", err)
		}
		cert = kp
	}
	c.m = &cluster.Manager{
		Transport: cluster.NewTransport(cert), Hooks: c.hooks, Log: d.log.WithField("component", "cluster"),
		Interval: cluster.HeartbeatInterval(),
		Version:  cluster.Version{Schema: db.SchemaVersion(), APIExtensions: recordedExtensions(len(d.envExtensions()))},
		Config:   func() cluster.ConfigGetter { return c.configSnapshot() },
	}
	c.fwd = &forward.Forwarder{Cert: c.m.Transport.Certificate}
	c.notifier = &cluster.Notifier{M: c.m}
	return c, nil
}

// configSnapshot reads the server config, or only daemon.yaml before the
// config service exists (database options at start).
func (c *clustering) configSnapshot() cluster.ConfigGetter {
	if c.d.config != nil {
		return c.d.config.Snapshot()
	}
	return localSnapshot(c.d.path("daemon.yaml"))
}

// attach gives the parts that need the database their store.
func (c *clustering) attach(store *db.Store) {
	c.m.Store = store
	c.fwd.Store = store
}

// clusterAddress is the address this member was clustered on, from
// daemon.yaml, when it holds a cluster certificate.
func (c *clustering) clusterAddress(local map[string]string) string {
	if c.m.Transport.Certificate() == nil {
		return ""
	}
	return local["cluster.https_address"]
}

// Enabled reports whether this member is part of a cluster.
func (c *clustering) Enabled() bool {
	_, ok := c.m.Self()
	return ok
}

// Name is this member's name ("none" when not clustered).
func (c *clustering) Name() string {
	self, ok := c.m.Self()
	if !ok {
		return "none"
	}
	return self.Name
}

// becomeClustered switches the daemon's parts to clustered operation for
// member self: event location, operation records, background loops.
func (c *clustering) becomeClustered(ctx context.Context, self db.Member) error {
	c.d.hub.SetLocation(self.Name)
	err := c.m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.DeleteMemberOperations(ctx, self.ID)
	})
	if err != nil {
		return err
	}
	c.d.ops.SetRecorder(&opRecorder{c: c})
	c.startLoops()
	return nil
}

func (c *clustering) startLoops() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(c.d.ctx)
	c.cancel = cancel
	c.sync = eventsync.New(c.d.hub, func(address string) (*client.Client, error) {
		return forward.PeerClient(address, c.m.Transport.Certificate(), 0)
	}, c.d.log.WithField("component", "eventsync"))
	c.sync.OnEvent = c.peerEvent
	c.loops.Add(1)
	go func() {
		defer c.loops.Done()
		c.m.Run(ctx, c.tick)
	}()
}

func (c *clustering) stopLoops() {
	c.mu.Lock()
	cancel, syncer := c.cancel, c.sync
	c.cancel = nil
	c.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	c.loops.Wait()
	if syncer != nil {
		syncer.Stop()
	}
}

// tick runs every heartbeat interval on every member: follow the peers'
// events and notice a rename of this member done elsewhere.
func (c *clustering) tick(ctx context.Context, members []db.Member) {
	self, _ := c.m.Self()
	var peers []eventsync.Peer
	addresses := make([]string, 0, len(members))
	for _, m := range members {
		addresses = append(addresses, m.Address)
	}
	if err := c.m.Store.SavePeers(addresses); err != nil {
		c.d.log.WithError(err).Debug("Failed to save the member addresses")
	}
	for _, m := range members {
		if m.ID == self.ID {
			if m.Name != self.Name { // renamed through another member
				c.m.SetSelf(m, true)
				c.d.hub.SetLocation(m.Name)
			}
			continue
		}
		peers = append(peers, eventsync.Peer{Name: m.Name, Address: m.Address})
	}
	c.mu.Lock()
	syncer := c.sync
	c.mu.Unlock()
	if syncer != nil {
		syncer.Update(ctx, peers)
	}
}

// peerEvent reloads what another member changed: server config and the
// trust store are cached in memory here.
func (c *clustering) peerEvent(e api.Event) {
	if e.Type != api.EventTypeLifecycle {
		return
	}
	var lc api.EventLifecycle
	if json.Unmarshal(e.Metadata, &lc) != nil {
		return
	}
	switch {
	case lc.Action == "config-updated":
		go c.reload()
	case strings.HasPrefix(lc.Action, "certificate-"):
		go c.reload()
	}
}

func (c *clustering) reload() {
	ctx, cancel := context.WithTimeout(c.d.ctx, 10*time.Second)
	defer cancel()
	if err := c.d.config.Reload(ctx); err != nil {
		c.d.log.WithError(err).Debug("Failed to reload server config")
	}
	if err := c.d.trust.Reload(ctx); err != nil {
		c.d.log.WithError(err).Debug("Failed to reload trust store")
	}
}

// opRecorder records this member's operations in the database so that any
// member can route /1.0/operations/<id> here.
type opRecorder struct{ c *clustering }

func (r *opRecorder) Created(ctx context.Context, op *operations.Op) {
	self, _ := r.c.m.Self()
	err := r.c.m.Store.Tx(context.WithoutCancel(ctx), func(ctx context.Context, tx *db.Tx) error {
		return tx.CreateOperation(ctx, op.ID(), self.ID, op.Project(), op.Class())
	})
	if err != nil {
		r.c.d.log.WithError(err).Warn("Failed to record operation")
	}
}

func (r *opRecorder) Removed(ctx context.Context, op *operations.Op) {
	err := r.c.m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.DeleteOperation(ctx, op.ID())
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		r.c.d.log.WithError(err).Debug("Failed to forget operation")
	}
}

// localSnapshot reads daemon.yaml (member-local keys) without the config
// service.
func localSnapshot(path string) localConfig {
	out := localConfig{}
	data, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	_ = yaml.Unmarshal(data, &out)
	return out
}

type localConfig map[string]string

func (l localConfig) Get(key string) string {
	if v, ok := l[key]; ok {
		return v
	}
	defaults := map[string]string{"cluster.max_voters": "3", "cluster.max_standby": "2", "cluster.offline_threshold": "20"}
	return defaults[key]
}

// guardAddress is a config applier: a member's cluster address is its
// identity in the database and can't change while clustered.
func (c *clustering) guardAddress(ctx context.Context, old, next config.Snapshot) error {
	if c.Enabled() && old.Get("cluster.https_address") != next.Get("cluster.https_address") {
		return api.BadRequest("Changing cluster.https_address is currently not supported")
	}
	return nil
}

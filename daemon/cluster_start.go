package daemon

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/config"
)

// ExtraExtensionsEnv is a hidden test knob: the number it holds is added to
// the API extension count this member records, to exercise the version
// gate without building two binaries.
const ExtraExtensionsEnv = "LXD_CLUSTER_TEST_EXTRA_EXTENSIONS"

func recordedExtensions(n int) int {
	if extra, err := strconv.Atoi(os.Getenv(ExtraExtensionsEnv)); err == nil {
		return n + extra
	}
	return n
}

// openMember finishes opening the database of a clustered member: it finds
// its row, records its version, and passes the version gate (refusing to
// start when behind, waiting while ahead) before migrating.
func (c *clustering) openMember(ctx context.Context, address string) error {
	var self db.Member
	var others []cluster.Version
	err := c.m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if self, err = tx.MemberByAddress(ctx, address); err != nil {
			return fmt.Errorf("This server (%s) is no longer a member of its cluster: %w", address, err)
		}
		self.SchemaVersion, self.APIExtensions = c.m.Version.Schema, c.m.Version.APIExtensions
		if err := tx.UpdateMember(ctx, self); err != nil {
			return err
		}
		others, err = otherVersions(ctx, tx, self.ID)
		return err
	})
	if err != nil {
		return err
	}
	if err := c.passGate(ctx, self.ID, others); err != nil {
		return err
	}
	if _, err := c.m.Store.Migrate(ctx); err != nil {
		return err
	}
	c.m.SetSelf(self, true)
	return nil
}

func otherVersions(ctx context.Context, tx *db.Tx, self int64) ([]cluster.Version, error) {
	rows, err := tx.Members(ctx)
	if err != nil {
		return nil, err
	}
	var out []cluster.Version
	for _, r := range rows {
		if r.ID != self {
			out = append(out, cluster.Version{Schema: r.SchemaVersion, APIExtensions: r.APIExtensions})
		}
	}
	return out, nil
}

// passGate returns once no other member is behind this one; it fails when
// this member is behind.
func (c *clustering) passGate(ctx context.Context, self int64, others []cluster.Version) error {
	for {
		gate, err := cluster.CheckVersions(c.m.Version, others)
		switch gate {
		case cluster.GateBehind:
			return err
		case cluster.GateOpen:
			c.waiting.Store("")
			return nil
		}
		msg := "This cluster member is waiting for the other members to be upgraded"
		if c.waiting.Load() == "" {
			c.d.log.Warn(msg)
		}
		c.waiting.Store(msg)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.m.Interval):
		}
		err = c.m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
			var err error
			others, err = otherVersions(ctx, tx, self)
			return err
		})
		if err != nil {
			return err
		}
	}
}

// leave is called at shutdown: stop the loops and hand the database roles
// over to other members, so that the cluster keeps its quorum.
func (c *clustering) leave(ctx context.Context) {
	c.stopLoops()
	if !c.Enabled() || c.m.Store == nil {
		return
	}
	// Without a reachable leader (the others are gone) there is nothing
	// to hand over to: don't wait for one.
	probe, cancelProbe := context.WithTimeout(ctx, 2*time.Second)
	nodes, _, err := c.m.Store.Nodes(probe)
	cancelProbe()
	if err != nil || len(nodes) < 2 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.m.Store.Handover(ctx); err != nil {
		c.d.log.WithError(err).Warn("Failed to hand over database roles")
	}
}

// listenEarly binds the HTTPS listeners of a clustered member from
// daemon.yaml, presenting the cluster certificate, and returns the config
// they were bound for.
func (d *Daemon) listenEarly(ctx context.Context) (config.Snapshot, error) {
	local := localSnapshot(d.path("daemon.yaml"))
	if d.cluster.clusterAddress(local) == "" {
		return config.NewSnapshot(nil), nil
	}
	d.servers.setCertificate(d.cluster.m.Transport.Certificate())
	bound := config.NewSnapshot(map[string]string{
		"core.https_address": local["core.https_address"], "cluster.https_address": local["cluster.https_address"],
	})
	return bound, d.servers.applyConfig(ctx, config.NewSnapshot(nil), bound)
}

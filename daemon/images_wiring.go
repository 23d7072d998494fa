package daemon

import (
	"os"
	"time"

	"github.com/lxdng/lxd/daemon/images"
	"github.com/lxdng/lxd/shared/logctx"
)

// autoUpdateIntervalEnv overrides images.auto_update_interval with a Go
// duration ("2s"): a test knob, since the key counts in hours.
const autoUpdateIntervalEnv = "LXD_TEST_IMAGES_AUTO_UPDATE_INTERVAL"

// startImages builds the image store and starts its background task
// (auto-update and pruning) on the daemon's lifetime.
func (d *Daemon) startImages() error {
	override, _ := time.ParseDuration(os.Getenv(autoUpdateIntervalEnv))
	svc, err := images.New(images.Options{
		Dir: d.path("images"), DB: d.db, Ops: d.ops, Events: d.hub, Self: d.cluster.m.Identity(), Cert: d.cert,
		Peers: imagePeers{d.cluster},
		Settings: func() images.Settings {
			snap := d.config.Snapshot()
			st := images.Settings{
				AutoUpdateInterval: time.Duration(snap.Int("images.auto_update_interval")) * time.Hour,
				AutoUpdateCached:   snap.Bool("images.auto_update_cached"),
				RemoteCacheExpiry:  time.Duration(snap.Int("images.remote_cache_expiry")) * 24 * time.Hour,
			}
			if override > 0 && st.AutoUpdateInterval > 0 {
				st.AutoUpdateInterval = override
			}
			return st
		},
	})
	if err != nil {
		return err
	}
	d.images = svc
	go svc.Run(logctx.With(d.ctx, d.log.WithField("component", "images")))
	return nil
}

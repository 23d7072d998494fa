package instances

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
)

// Recover re-attaches to the containers that outlived the daemon (their
// mounts are counted again) and cleans up after those that died while it
// was away. Called once at daemon start, before the API serves.
func (s *Service) Recover(ctx context.Context) error {
	log := logctx.From(ctx)
	if _, err := s.o.Driver.Recover(ctx); err != nil {
		return err
	}
	recs, err := s.memberRecords(ctx)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		st := s.driverState(ctx, rec)
		if st.Status == api.Stopped {
			if rec.row.Config["volatile.last_state.power"] == "RUNNING" {
				// Died while we were away (or the host rebooted): the
				// host side of its NICs may linger; the power state is
				// kept for autostart.
				s.cleanup(ctx, rec, "")
			}
			s.stopProxies(ctx, rec)
			continue
		}
		path, release, err := s.o.Storage.MountInstanceVolume(ctx, rec.volume(), "")
		if err != nil {
			log.WithError(err).WithField("instance", rec.ref().String()).Warn("Failed to remount the volume of a running instance")
			continue
		}
		_ = path
		var devs []deviceRelease
		for _, name := range sortedKeys(rec.expDevices) {
			dev := rec.expDevices[name]
			if dev["type"] == "disk" && dev["pool"] != "" && dev["path"] != "/" {
				var tmp preparedDevices
				if _, err := s.diskSpec(ctx, rec, name, dev, &tmp); err == nil {
					devs = append(devs, tmp.releases...)
				}
			}
		}
		s.holdRunning(rec.ref(), release, devs)
		s.recoverProxies(ctx, rec, st.Pid)
		log.WithField("instance", rec.ref().String()).Info("Recovered running instance")
	}
	return nil
}

func (s *Service) memberRecords(ctx context.Context) ([]*record, error) {
	var recs []*record
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		recs, err = loadRecords(ctx, tx, db.InstanceFilter{MemberID: s.o.Self.ID()})
		return err
	})
	return recs, err
}

// Autostart starts, by boot.autostart.priority (highest first) and waiting
// boot.autostart.delay seconds after each, the stopped instances with
// boot.autostart=true, and those with boot.autostart unset that were
// running when the daemon or host last went down.
func (s *Service) Autostart(ctx context.Context) {
	log := logctx.From(ctx)
	recs, err := s.memberRecords(ctx)
	if err != nil {
		log.WithError(err).Error("Failed to list instances to autostart")
		return
	}
	var todo []*record
	for _, rec := range recs {
		auto := rec.expConfig["boot.autostart"]
		if config.ParseBool(auto) || (auto == "" && rec.row.Config["volatile.last_state.power"] == "RUNNING") {
			if s.driverStatus(ctx, rec) == api.Stopped {
				todo = append(todo, rec)
			}
		}
	}
	sort.SliceStable(todo, func(i, j int) bool {
		return intKey(todo[i].expConfig, "boot.autostart.priority") > intKey(todo[j].expConfig, "boot.autostart.priority")
	})
	for _, rec := range todo {
		if ctx.Err() != nil {
			return
		}
		err := s.Start(ctx, rec.row.Project, rec.row.Name, nil)
		if err != nil {
			log.WithError(err).WithField("instance", rec.ref().String()).Error("Failed to autostart instance")
			continue
		}
		if d := intKey(rec.expConfig, "boot.autostart.delay"); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(d) * time.Second):
			}
		}
	}
}

func intKey(cfg map[string]string, key string) int {
	n, _ := strconv.Atoi(cfg[key])
	return n
}

// Shutdown stops every running instance of this member for a daemon
// shutdown: by boot.stop.priority, highest first, instances of the same
// priority in parallel, each given boot.host_shutdown_timeout seconds
// (default 30) to shut down cleanly before it is killed. Their power
// state stays RUNNING so the next daemon start brings them back.
func (s *Service) Shutdown(ctx context.Context) {
	log := logctx.From(ctx)
	recs, err := s.memberRecords(ctx)
	if err != nil {
		log.WithError(err).Error("Failed to list instances to stop")
		return
	}
	groups := map[int][]*record{}
	var prios []int
	for _, rec := range recs {
		if s.driverStatus(ctx, rec) == api.Stopped {
			continue
		}
		p := intKey(rec.expConfig, "boot.stop.priority")
		if _, ok := groups[p]; !ok {
			prios = append(prios, p)
		}
		groups[p] = append(groups[p], rec)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(prios)))
	for _, p := range prios {
		var wg sync.WaitGroup
		for _, rec := range groups[p] {
			wg.Add(1)
			go func(rec *record) {
				defer wg.Done()
				s.shutdownOne(ctx, rec)
			}(rec)
		}
		wg.Wait()
	}
}

func (s *Service) shutdownOne(ctx context.Context, rec *record) {
	timeout := 30
	if v := rec.expConfig["boot.host_shutdown_timeout"]; v != "" {
		timeout, _ = strconv.Atoi(v)
	}
	log := logctx.From(ctx).WithField("instance", rec.ref().String())
	err := s.Stop(ctx, rec.row.Project, rec.row.Name, false, time.Duration(timeout)*time.Second)
	if err != nil {
		log.WithError(err).Warn("Clean shutdown failed, killing the instance")
		err = s.Stop(ctx, rec.row.Project, rec.row.Name, true, 0)
	}
	if err != nil {
		log.WithError(err).Error("Failed to stop instance at shutdown")
		return
	}
	if !rec.row.Ephemeral {
		_ = s.setVolatile(ctx, rec.row.ID, map[string]string{"volatile.last_state.power": "RUNNING"})
	}
	log.Info("Stopped instance for shutdown")
}

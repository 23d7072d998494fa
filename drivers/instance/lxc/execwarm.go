package lxc

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/logctx"
)

// Why exec warms up: liblxc's attach moves its intermediate process into
// the container's cgroups by writing cgroup.procs. The first such write
// after a quiet spell waits for a whole RCU grace period (the kernel's
// cgroup_threadgroup_rwsem switches readers to their slow path), 4-16 ms
// at HZ=250 and more on a loaded host: most of an exec round trip. Writes
// that follow within about one grace period are free. So when an exec is
// announced (its operation is created, the client has yet to connect its
// websockets and the helper to start), the driver makes a no-op cgroup
// write of its own: it rewrites the daemon's pid into the daemon's own
// unified cgroup. Nothing moves; the grace period runs while the client
// connects and the helper starts, and the helper's write finds it over.
// Exec repeats the write every few ms until the helper attached, so the
// cheap spell cannot end just before the helper writes. The writes take
// the kernel's cgroup locks for microseconds each, only while an exec
// starts.

var _ instance.ExecPreparer = (*Driver)(nil)

// PrepareExec starts the grace period the attach would otherwise wait for,
// unless r has an exec server (its commands need no attach).
func (d *Driver) PrepareExec(ctx context.Context, r instance.Ref) {
	if d.liveServer(r) != nil {
		return
	}
	d.warmOnce(ctx)
}

// warmOnce makes one warm-up write in the background. At most one is in
// flight. A host that refuses the write (the daemon's cgroup cannot take
// processes) only loses the speed-up: the driver stops trying.
func (d *Driver) warmOnce(ctx context.Context) {
	procs := d.ownCgroupProcs()
	if procs == "" || d.warmRefused.Load() || !d.warming.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer d.warming.Store(false)
		if err := rewritePid(procs); err != nil {
			d.warmRefused.Store(true)
			logctx.From(ctx).WithError(err).Debug("Exec warm-up cgroup write refused; no more warm-ups")
		}
	}()
}

// rewritePid writes the daemon's pid into procs, the cgroup.procs of the
// cgroup it is in: a migration to where it already is.
func rewritePid(procs string) error {
	f, err := os.OpenFile(procs, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strconv.Itoa(os.Getpid()))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// keepWarm repeats warm-up writes until stop is called (the helper has
// attached) or warmLimit passed: the kernel ends the cheap spell about one
// grace period after the last write, which can come before the helper,
// still starting, makes its own.
func (d *Driver) keepWarm(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(warmPeriod)
		defer tick.Stop()
		limit := time.After(warmLimit)
		for {
			d.warmOnce(ctx)
			select {
			case <-done:
				return
			case <-limit:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// warmPeriod is shorter than the shortest grace period (a few ticks);
// warmLimit bounds a helper that takes long to attach.
const (
	warmPeriod = 2 * time.Millisecond
	warmLimit  = 200 * time.Millisecond
)

// warmState is the Driver's exec warm-up state.
type warmState struct {
	warming     atomic.Bool
	warmRefused atomic.Bool
	procsOnce   sync.Once
	procs       string // the daemon's cgroup.procs in the unified hierarchy, "" if unknown
}

// ownCgroupProcs finds (once) the cgroup.procs file of the daemon's own
// cgroup in the unified hierarchy.
func (d *Driver) ownCgroupProcs() string {
	d.procsOnce.Do(func() {
		if d.host.unified == "" {
			return
		}
		path, ok := unifiedCgroupOf("/proc/self/cgroup")
		if !ok {
			return
		}
		procs := filepath.Join(d.host.unified, path, "cgroup.procs")
		if _, err := os.Stat(procs); err == nil {
			d.procs = procs
		}
	})
	return d.procs
}

// unifiedCgroupOf returns the "0::<path>" entry of a /proc/<pid>/cgroup
// file.
func unifiedCgroupOf(file string) (string, bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if path, ok := strings.CutPrefix(sc.Text(), "0::"); ok && strings.HasPrefix(path, "/") {
			return path, true
		}
	}
	return "", false
}

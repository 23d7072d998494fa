package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/daemons"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/ops"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/stats"
	"github.com/lxdng/lxd/shared/client"
)

// phaseSingle measures one-at-a-time work: sequential launches, then exec
// and event fan-out on the first container.
func phaseSingle(ctx context.Context, t *target, s sizes, res *results) {
	defer t.cleanup()
	names := t.names("seq", s.SeqLaunches)
	var per []float64
	for _, name := range names {
		t0 := time.Now()
		if err := t.launch(ctx, name); err != nil {
			for _, f := range []string{figSeqLaunch, figExecAPI, figExecLXC, figEvents} {
				res.fail(f, t.label, err)
			}
			return
		}
		per = append(per, time.Since(t0).Seconds())
	}
	res.add(figSeqLaunch, t.label, stats.Median(per))
	box := names[0]

	b := runBatch(ctx, counter(s.Execs), 1, func(ctx context.Context, _ string) error { return execTrue(ctx, t.c, box) })
	record(res, figExecAPI, t.label, b, b.PerItem().Median)

	if vals, err := t.timeLXC(ctx, s.LXCExecs, "exec", box, "--", "true"); err != nil {
		res.fail(figExecLXC, t.label, err)
	} else {
		res.add(figExecLXC, t.label, stats.Median(vals))
	}

	if lat, err := measureFanout(ctx, t.c, box, s.Subscribers, s.Events); err != nil {
		res.fail(figEvents, t.label, err)
	} else {
		res.add(figEvents, t.label, stats.Median(lat))
	}
}

// record adds v unless the batch had failures, which it reports instead.
func record(res *results, fig, label string, b batchResult, v float64) {
	if err := b.FirstError(); err != nil {
		res.fail(fig, label, fmt.Errorf("%d of %d failed, first: %w", len(b.Errors), b.Count, err))
		return
	}
	res.add(fig, label, v)
}

// phaseForty launches s.Parallel containers at once (timed), as many again
// to have s.Running, then times lists, reads RSS, and times force-stop and
// delete of them all. withRunning, when set, runs while they are running.
func phaseForty(ctx context.Context, t *target, s sizes, res *results, withRunning func()) {
	defer t.cleanup()
	rest := []string{figLXCList, figListLatency, figListRate, figRSS, figStop, figDelete}
	first := t.names("par", s.Parallel)
	b := runBatch(ctx, first, s.Parallel, t.launch)
	record(res, figLaunchPar, t.label, b, b.Elapsed.Seconds())
	moreNames := t.names("par", s.Running-s.Parallel)
	more := runBatch(ctx, moreNames, s.Parallel, t.launch)
	if err := firstErr(b, more); err != nil {
		for _, f := range rest {
			res.fail(f, t.label, fmt.Errorf("could not launch %d: %w", s.Running, err))
		}
		return
	}
	all := append(append([]string{}, first...), moreNames...)

	if vals, err := t.timeLXC(ctx, s.LXCLists, "list"); err != nil {
		res.fail(figLXCList, t.label, err)
	} else {
		res.add(figLXCList, t.label, stats.Median(vals))
	}
	lb := runBatch(ctx, counter(s.Lists), 1, func(ctx context.Context, _ string) error {
		n, err := ops.ListFull(ctx, t.c)
		if err == nil && n < s.Running {
			err = fmt.Errorf("listed %d instances, want %d", n, s.Running)
		}
		return err
	})
	record(res, figListLatency, t.label, lb, lb.PerItem().Median)
	record(res, figListRate, t.label, lb, float64(lb.Count)/lb.Elapsed.Seconds())

	if rss, err := daemons.RSS(t.pid); err != nil {
		res.fail(figRSS, t.label, err)
	} else {
		res.add(figRSS, t.label, rss)
	}
	if withRunning != nil {
		withRunning()
	}

	sb := runBatch(ctx, all, s.StopParallel, func(ctx context.Context, name string) error {
		return ops.SetState(ctx, t.c, name, ops.Stop, true)
	})
	record(res, figStop, t.label, sb, sb.Elapsed.Seconds())
	db := runBatch(ctx, all, s.StopParallel, func(ctx context.Context, name string) error {
		return ops.Delete(ctx, t.c, name)
	})
	record(res, figDelete, t.label, db, db.Elapsed.Seconds())
}

func firstErr(bs ...batchResult) error {
	for _, b := range bs {
		if err := b.FirstError(); err != nil {
			return fmt.Errorf("%d of %d failed, first: %w", len(b.Errors), b.Count, err)
		}
	}
	return nil
}

// phaseHundred launches s.Hundred containers at once and counts failures.
func phaseHundred(ctx context.Context, t *target, s sizes, res *results) {
	defer t.cleanup()
	b := runBatch(ctx, t.names("hundred", s.Hundred), s.Hundred, t.launch)
	res.add(figHundred, t.label, b.Elapsed.Seconds())
	res.add(figHundredFail, t.label, float64(len(b.Errors)))
	if err := b.FirstError(); err != nil {
		fmt.Printf("  %s: first launch failure: %v\n", t.label, err)
	}
}

// phaseScale creates stopped containers up to each level of s.Scale
// (untimed, with `init`'s path: create only) and times the real `lxc list`
// repeats times at each level.
func phaseScale(ctx context.Context, t *target, s sizes, repeats int, res *results) {
	defer t.cleanup()
	have := 0
	for i, level := range s.Scale {
		b := runBatch(ctx, t.names("stopped", level-have), 10, t.create)
		if err := firstErr(b); err != nil {
			for _, n := range s.Scale[i:] {
				res.fail(scaleKey(n), t.label, fmt.Errorf("could not create %d: %w", level, err))
			}
			return
		}
		have = level
		vals, err := t.timeLXC(ctx, repeats, "list")
		if err != nil {
			res.fail(scaleKey(level), t.label, err)
			continue
		}
		for _, v := range vals {
			res.add(scaleKey(level), t.label, v)
		}
	}
}

// measureFanout subscribes k clients to lifecycle events, then changes a
// config key of instance n times and returns, for each change, the time
// from sending the request to its instance-updated event reaching the last
// subscriber.
func measureFanout(ctx context.Context, c *client.Client, instance string, k, n int) ([]float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	arrivals, err := subscribe(ctx, c, instance, k)
	if err != nil {
		return nil, err
	}
	var out []float64
	// Change -1 is a warm-up that proves every subscription is live.
	for i := -1; i < n; i++ {
		t0 := time.Now()
		if err := ops.SetConfig(ctx, c, instance, "user.benchmark-event", strconv.Itoa(i)); err != nil {
			return nil, err
		}
		last, err := waitAll(ctx, arrivals, 10*time.Second)
		if err != nil {
			return nil, fmt.Errorf("change %d: %w", i, err)
		}
		if i >= 0 {
			out = append(out, last.Sub(t0).Seconds())
		}
	}
	return out, nil
}

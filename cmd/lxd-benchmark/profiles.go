package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/ops"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/report"
)

// Profiled workloads, in report order.
var workloads = []struct{ key, title string }{
	{"launch", "Launch (parallel create + start): CPU"},
	{"launch-wait", "Launch (parallel create + start): where goroutines spend wall-clock time"},
	{"exec", "Exec round trip: CPU"},
	{"exec-wait", "Exec round trip: where goroutines spend wall-clock time"},
	{"list", "Instance list (GET /1.0/instances?recursion=2)"},
	{"heap", "Daemon memory with the instances running (heap in use)"},
}

// profiles keeps the pprof files captured from each daemon.
type profiles struct {
	dir   string
	mu    sync.Mutex
	files map[string]map[string][]string // workload -> daemon label -> files
	errs  map[string]map[string]string
	memo  map[string]string // daemon label -> memory breakdown
}

func newProfiles(work string) *profiles {
	return &profiles{dir: work,
		files: map[string]map[string][]string{}, errs: map[string]map[string]string{}, memo: map[string]string{}}
}

func (p *profiles) put(workload, label string, files []string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files[workload] == nil {
		p.files[workload] = map[string][]string{}
		p.errs[workload] = map[string]string{}
	}
	p.files[workload][label] = append(p.files[workload][label], files...)
	if err != nil && p.errs[workload][label] == "" {
		p.errs[workload][label] = err.Error()
	}
}

// heap saves the daemon's in-use heap profile and how its RSS splits.
func (p *profiles) heap(ctx context.Context, t *target) {
	if t.debugAddr == "" {
		return
	}
	memo := memoryBreakdown(ctx, t.pid, t.debugAddr)
	p.mu.Lock()
	p.memo[t.label] = memo
	p.mu.Unlock()
	dir, err := profileDir(p.dir)
	if err == nil {
		path := filepath.Join(dir, t.prefix+"-heap.pb.gz")
		if err = fetchProfile(ctx, "http://"+t.debugAddr+"/debug/pprof/heap", path); err == nil {
			p.put("heap", t.label, []string{path}, nil)
			return
		}
	}
	p.put("heap", t.label, nil, err)
}

// pass runs each profiled workload once, untimed, with the CPU profiler
// on: parallel launches, exec round trips, and list requests.
func (p *profiles) pass(ctx context.Context, t *target, s sizes) {
	defer t.cleanup()
	if t.debugAddr == "" {
		return
	}
	dir, err := profileDir(p.dir)
	if err != nil {
		p.put("launch", t.label, nil, err)
		return
	}
	run := func(workload string, fn func() error) {
		pr := startProfiler(ctx, t.debugAddr, filepath.Join(dir, t.prefix+"-"+workload))
		var gr *profiler
		if workload == "launch" || workload == "exec" {
			gr = startGoroutineSampler(ctx, t.debugAddr, filepath.Join(dir, t.prefix+"-"+workload+"-wait"), 20*time.Millisecond)
		}
		err := fn()
		p.put(workload, t.label, pr.Stop(), err)
		if gr != nil {
			p.put(workload+"-wait", t.label, gr.Stop(), err)
		}
	}
	names := t.names("prof", s.Parallel)
	run("launch", func() error { return runBatch(ctx, names, s.Parallel, t.launch).FirstError() })
	run("exec", func() error {
		return runBatch(ctx, counter(5*s.Execs), 1, func(ctx context.Context, _ string) error {
			return execTrue(ctx, t.c, names[0])
		}).FirstError()
	})
	run("list", func() error {
		return runBatch(ctx, counter(10*s.Lists), 1, func(ctx context.Context, _ string) error {
			_, err := ops.ListFull(ctx, t.c)
			return err
		}).FirstError()
	})
}

// sections renders, per workload, each daemon's top cumulative entries.
func (p *profiles) sections(targets []*target) []report.Section {
	var out []report.Section
	for _, w := range workloads {
		var b strings.Builder
		for _, t := range targets {
			p.describe(&b, w.key, t.label)
		}
		if b.Len() > 0 {
			out = append(out, report.Section{Title: w.title, Body: b.String()})
		}
	}
	return out
}

func (p *profiles) describe(b *strings.Builder, workload, label string) {
	p.mu.Lock()
	files, errText := p.files[workload][label], p.errs[workload][label]
	p.mu.Unlock()
	if len(files) == 0 && errText == "" {
		return
	}
	args, flat := pprofArgs(workload)
	table, err := pprofTop(files, args...)
	if err != nil {
		fmt.Fprintf(b, "%s: no profile (%v).\n\n", label, err)
		return
	}
	top := topFunctions(table, 6, flat)
	fmt.Fprintf(b, "**%s**: %s.", label, strings.Join(top, "; "))
	if workload == "heap" {
		p.mu.Lock()
		fmt.Fprintf(b, " %s", p.memo[label])
		p.mu.Unlock()
	}
	if errText != "" {
		fmt.Fprintf(b, " (The workload reported an error: %s.)", errText)
	}
	fmt.Fprintf(b, "\n\n```\n%s\n```\n\n", table)
}

// waitFocus keeps the goroutines running operations (ours:
// operations.(*Registry).Start; LXD: operations.(*Operation).Start), and
// waitHide drops the scheduler frames under which every parked goroutine
// sits, so each sample is charged to the call that waits.
const (
	waitFocus = `-focus=operations\.\(\*(Registry|Operation)\)\.Start\.func1`
	waitHide  = `-hide=^runtime\.|^internal/poll\.|^sync\.runtime_`
	// cpuIgnore drops the samples of the profiling itself (the goroutine
	// snapshots taken alongside the CPU profile).
	cpuIgnore = `-ignore=runtime/pprof\.|net/http/pprof\.`
)

// pprofArgs chooses how a workload's profiles are summarised, and whether
// the headline uses own (flat) rather than cumulative shares.
func pprofArgs(workload string) ([]string, bool) {
	switch workload {
	case "heap":
		return []string{"-sample_index=inuse_space", "-nodecount=8"}, true
	case "launch-wait", "exec-wait":
		return []string{waitFocus, waitHide, "-relative_percentages", "-nodecount=15"}, true
	}
	return []string{cpuIgnore, "-cum", "-nodecount=20"}, false
}

package main

import (
	"fmt"
	"sync"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/report"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/stats"
)

// figureDef is one row of the report.
type figureDef struct {
	Key    string
	Name   string
	Unit   report.Unit
	Target string
}

// Figure keys.
const (
	figSeqLaunch   = "seq-launch"
	figExecAPI     = "exec-api"
	figExecLXC     = "exec-lxc"
	figEvents      = "events"
	figLaunchPar   = "launch-parallel"
	figLXCList     = "lxc-list-running"
	figListLatency = "list-r2-latency"
	figListRate    = "list-r2-rate"
	figRSS         = "rss"
	figStop        = "stop"
	figDelete      = "delete"
	figHundred     = "launch-hundred"
	figHundredFail = "launch-hundred-failures"
	figScalePrefix = "lxc-list-stopped-"

	figClusterFollower = "cluster-write-follower"
	figClusterLeader   = "cluster-write-leader"
	figClusterRecovery = "cluster-recovery"
)

const halfTarget = "ratio ≤ 0.5"

// figureDefs lists the figures for the given sizes, in table order.
func figureDefs(s sizes) []figureDef {
	defs := []figureDef{
		{figSeqLaunch, "sequential launch, per container (create + start)", report.Seconds, halfTarget + " (LXD ~0.36 s)"},
		{figExecAPI, "exec round trip (`true`, API + websockets)", report.Seconds, halfTarget + " (LXD ~0.05 s)"},
		{figExecLXC, "`lxc exec c -- true`, wall time", report.Seconds, "ratio ≤ 0.5"},
		{figEvents, fmt.Sprintf("event fan-out: config change to arrival on all %d subscribers", s.Subscribers), report.Seconds, "ratio ≤ 0.5"},
		{figLaunchPar, fmt.Sprintf("%d parallel launches, wall time", s.Parallel), report.Seconds, halfTarget + " (LXD ~6.8 s)"},
		{figLXCList, fmt.Sprintf("`lxc list` with %d running", s.Running), report.Seconds, halfTarget + " (LXD ~0.13 s)"},
		{figListLatency, fmt.Sprintf("GET /1.0/instances?recursion=2 with %d running, median latency", s.Running), report.Seconds, halfTarget},
		{figListRate, fmt.Sprintf("GET /1.0/instances?recursion=2 with %d running, requests/s (one client)", s.Running), report.PerSecond, "ratio ≥ 2"},
		{figRSS, fmt.Sprintf("daemon RSS with %d running", s.Running), report.MiB, halfTarget + " (LXD ~95 MiB)"},
		{figStop, fmt.Sprintf("force-stop %d (%d at a time), wall time", s.Running, s.StopParallel), report.Seconds, halfTarget},
		{figDelete, fmt.Sprintf("delete %d stopped (%d at a time), wall time", s.Running, s.StopParallel), report.Seconds, halfTarget},
	}
	if s.Hundred > 0 {
		defs = append(defs,
			figureDef{figHundred, fmt.Sprintf("%d parallel launches, wall time", s.Hundred), report.Seconds, "finishes"},
			figureDef{figHundredFail, fmt.Sprintf("%d parallel launches, failures", s.Hundred), report.Count, "0 failures"})
	}
	for _, n := range s.Scale {
		defs = append(defs, figureDef{scaleKey(n), fmt.Sprintf("`lxc list` with %d stopped", n), report.Seconds, "ratio ≤ 0.5"})
	}
	return append(defs,
		figureDef{figClusterFollower, "3-member cluster: write through a non-leader (profile PATCH), median", report.Seconds, "ours only"},
		figureDef{figClusterLeader, "3-member cluster: write through the leader (profile PATCH), median", report.Seconds, "ours only"},
		figureDef{figClusterRecovery, "3-member cluster: kill -9 of the leader until a write through a survivor succeeds", report.Seconds, "ours only"})
}

func scaleKey(n int) string { return fmt.Sprintf("%s%d", figScalePrefix, n) }

// results collects the values of every figure per daemon.
type results struct {
	mu   sync.Mutex
	vals map[string]map[string][]float64 // figure -> daemon label -> one value per repeat
	errs map[string]map[string]string    // figure -> daemon label -> first failure
}

func newResults() *results {
	return &results{vals: map[string]map[string][]float64{}, errs: map[string]map[string]string{}}
}

func (r *results) add(fig, daemon string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.vals[fig] == nil {
		r.vals[fig] = map[string][]float64{}
	}
	r.vals[fig][daemon] = append(r.vals[fig][daemon], v)
	fmt.Printf("  %-10s %-28s %g\n", daemon, fig, v)
}

func (r *results) fail(fig, daemon string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.errs[fig] == nil {
		r.errs[fig] = map[string]string{}
	}
	if r.errs[fig][daemon] == "" {
		r.errs[fig][daemon] = err.Error()
	}
	fmt.Printf("  %-10s %-28s failed: %v\n", daemon, fig, err)
}

// result summarises one figure for one daemon.
func (r *results) result(fig, daemon string) report.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return report.Result{Summary: stats.Summarize(r.vals[fig][daemon]), Err: r.errs[fig][daemon]}
}

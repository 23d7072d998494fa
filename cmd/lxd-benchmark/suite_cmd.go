package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// suiteOpts are the flags of `lxd-benchmark suite`.
type suiteOpts struct {
	Report     string   // Markdown page to write
	Repeats    int      // how often each figure is measured per daemon
	Quick      bool     // smaller counts, one repeat, no 100/1000-instance figures
	Ours       string   // our lxd binary
	ClusterBin string   // our lxd binary for the cluster figures ("": Ours)
	Reference  string   // LXD 5.0.2's lxd binary ("" or missing: ours only)
	Phases     []string // which groups of figures to run
	Profiles   string   // directory to keep the pprof files in ("": discarded)
	Notes      []string // extra notes for the report (e.g. which build "ours" is)
}

// allPhases are the groups of figures, in the order they run.
var allPhases = []string{"single", "forty", "hundred", "scale", "cluster", "profile"}

func newSuiteCmd(r runners) *cobra.Command {
	o := suiteOpts{}
	cmd := &cobra.Command{
		Use:   "suite",
		Short: "Run every figure against our daemon and LXD 5.0.2 and write the Markdown report",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return r.suite(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Report, "report", "docs/benchmarks.md", "Markdown file to write")
	f.IntVarP(&o.Repeats, "repeats", "R", 3, "Times each figure is measured per daemon")
	f.BoolVar(&o.Quick, "quick", false, "Short run: smaller counts, one repeat, no 100/1000-instance figures")
	f.StringVar(&o.Ours, "ours", defaultOurs(), "Our lxd binary")
	f.StringVar(&o.ClusterBin, "cluster-binary", "", "Our lxd binary for the cluster figures (default: --ours)")
	f.StringVar(&o.Reference, "reference", "/usr/bin/lxd", "LXD 5.0.2's lxd binary (skipped when missing or empty)")
	f.StringSliceVar(&o.Phases, "phases", allPhases, "Groups of figures to run: "+strings.Join(allPhases, ","))
	f.StringArrayVar(&o.Notes, "note", nil, "Add a note to the report (repeatable)")
	f.StringVar(&o.Profiles, "profiles-dir", "", "Keep the pprof files captured from the daemons in this directory")
	return cmd
}

// defaultOurs is the lxd next to this executable (both live in bin/).
func defaultOurs() string {
	exe, err := os.Executable()
	if err != nil {
		return "bin/lxd"
	}
	return filepath.Join(filepath.Dir(exe), "lxd")
}

func (o *suiteOpts) validate() error {
	if o.Quick && o.Repeats == 3 {
		o.Repeats = 1
	}
	if o.Repeats < 1 {
		return fmt.Errorf("--repeats must be at least 1, got %d", o.Repeats)
	}
	if o.Report == "" {
		return fmt.Errorf("--report is required")
	}
	for _, p := range o.Phases {
		if !contains(allPhases, p) {
			return fmt.Errorf("Unknown phase %q (known: %s)", p, strings.Join(allPhases, ","))
		}
	}
	return nil
}

func (o suiteOpts) runs(phase string) bool { return contains(o.Phases, phase) }

// clusterBinary is the lxd the cluster figures run.
func (o suiteOpts) clusterBinary() string {
	if o.ClusterBin != "" {
		return o.ClusterBin
	}
	return o.Ours
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sizes are the counts the suite uses.
type sizes struct {
	SeqLaunches   int   // sequential launches per repeat
	Execs         int   // exec round trips per repeat
	LXCExecs      int   // `lxc exec -- true` runs per repeat
	Subscribers   int   // event subscribers
	Events        int   // events published per repeat
	Parallel      int   // the parallel-launch batch (then doubled to have Running instances)
	Running       int   // instances running for list, RSS, stop and delete
	Lists         int   // recursion=2 requests per repeat
	LXCLists      int   // `lxc list` runs per repeat
	StopParallel  int   // workers for stop and delete
	Hundred       int   // the big parallel launch (0: skipped)
	Scale         []int // instance counts for `lxc list` of stopped instances
	ClusterWrites int   // writes per repeat and member role in the cluster figures
}

func sizesFor(quick bool) sizes {
	if quick {
		return sizes{SeqLaunches: 3, Execs: 10, LXCExecs: 3, Subscribers: 10, Events: 10, Parallel: 20, Running: 40,
			Lists: 20, LXCLists: 3, StopParallel: 10, Scale: []int{50}, ClusterWrites: 10}
	}
	return sizes{SeqLaunches: 5, Execs: 20, LXCExecs: 5, Subscribers: 10, Events: 20, Parallel: 20, Running: 40,
		Lists: 50, LXCLists: 5, StopParallel: 10, Hundred: 100, Scale: []int{50, 200, 1000}, ClusterWrites: 20}
}

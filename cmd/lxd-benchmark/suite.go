package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/daemons"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/report"
	"github.com/lxdng/lxd/shared/testimage"
)

// runSuite is `lxd-benchmark suite`: both daemons side by side, every
// figure on each in the same run, then the Markdown page.
func runSuite(ctx context.Context, o suiteOpts) error {
	started := time.Now()
	s := sizesFor(o.Quick)
	work, err := os.MkdirTemp("", "lxd-benchmark-suite-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Println("Building the busybox image")
	img, err := testimage.WriteBusyboxImage(filepath.Join(work, "image"))
	if err != nil {
		return err
	}
	res := newResults()
	targets, stop := startTargets(ctx, o, img, res, figureDefs(s))
	defer stop()
	if len(targets) == 0 {
		return fmt.Errorf("No daemon could be started")
	}
	profBase := work
	if o.Profiles != "" {
		profBase = o.Profiles
	}
	prof := newProfiles(profBase)
	measure(ctx, o, s, targets, res, prof)
	page := buildPage(o, s, started, res, targets, prof)
	if err := os.MkdirAll(filepath.Dir(o.Report), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(o.Report, []byte(page.Markdown()), 0o644); err != nil {
		return err
	}
	fmt.Printf("Wrote %s in %s\n", o.Report, time.Since(started).Round(time.Second))
	return nil
}

// startTargets starts our daemon and, when its binary exists, LXD 5.0.2,
// and sets both up. A daemon that fails marks all its figures failed.
func startTargets(ctx context.Context, o suiteOpts, img testimage.Image, res *results, defs []figureDef) ([]*target, func()) {
	specs := []struct{ label, prefix, bin string }{{labelOurs, "o", o.Ours}, {labelReference, "r", o.Reference}}
	var targets []*target
	for _, sp := range specs {
		if sp.bin == "" {
			continue
		}
		if _, err := os.Stat(sp.bin); err != nil {
			failAll(res, defs, sp.label, fmt.Errorf("%s is missing", sp.bin))
			continue
		}
		fmt.Printf("Starting %s (%s)\n", sp.label, sp.bin)
		d, err := daemons.Start(ctx, daemons.Options{Label: sp.label, Binary: sp.bin})
		if err != nil {
			failAll(res, defs, sp.label, err)
			continue
		}
		t := &target{label: sp.label, prefix: sp.prefix, d: d, c: d.Client}
		if err := setupTarget(ctx, t, img); err != nil {
			failAll(res, defs, sp.label, fmt.Errorf("setup: %w", err))
			d.Stop()
			continue
		}
		targets = append(targets, t)
	}
	return targets, func() {
		for _, t := range targets {
			t.cleanup()
			t.d.Stop()
		}
	}
}

func failAll(res *results, defs []figureDef, label string, err error) {
	fmt.Printf("  %s: %v\n", label, err)
	for _, d := range defs {
		res.fail(d.Key, label, err)
	}
}

// measure runs the phases: the repeated ones alternate between daemons
// within each repeat; the big ones run once per daemon.
func measure(ctx context.Context, o suiteOpts, s sizes, targets []*target, res *results, prof *profiles) {
	for r := 0; r < o.Repeats; r++ {
		for _, t := range targets {
			if ctx.Err() != nil {
				return
			}
			fmt.Printf("Repeat %d/%d on %s\n", r+1, o.Repeats, t.label)
			if o.runs("single") {
				phaseSingle(ctx, t, s, res)
			}
			if o.runs("forty") {
				var heap func()
				if r == 0 {
					heap = func() { prof.heap(ctx, t) }
				}
				phaseForty(ctx, t, s, res, heap)
			}
		}
	}
	if o.runs("cluster") && o.clusterBinary() != "" && ctx.Err() == nil {
		fmt.Println("3-member cluster of ours")
		phaseCluster(ctx, o.clusterBinary(), s, o.Repeats, res)
	}
	for _, t := range targets {
		if o.runs("hundred") && s.Hundred > 0 && ctx.Err() == nil {
			fmt.Printf("%d parallel launches on %s\n", s.Hundred, t.label)
			phaseHundred(ctx, t, s, res)
		}
		if o.runs("scale") && ctx.Err() == nil {
			fmt.Printf("lxc list of stopped instances on %s\n", t.label)
			phaseScale(ctx, t, s, o.Repeats, res)
		}
		if o.runs("profile") && ctx.Err() == nil {
			fmt.Printf("Profiling %s\n", t.label)
			prof.pass(ctx, t, s)
		}
	}
}

// buildPage assembles the Markdown report.
func buildPage(o suiteOpts, s sizes, started time.Time, res *results, targets []*target, prof *profiles) report.Page {
	p := report.Page{
		Date:    started,
		Machine: machineInfo(),
		Command: "lxd-benchmark suite",
		Repeats: o.Repeats,
		Setup: []string{
			"Each daemon runs in its own temporary LXD_DIR on the same filesystem, with a `dir` storage pool \"default\" " +
				"as the default profile's root disk, no network device, and the same busybox image (scripts/mkimage busybox), " +
				"containers unprivileged.",
			"Daemons run without --debug. Clients talk to each daemon's unix socket: our Go client (shared/client) for the " +
				"API figures, the real `lxc` 5.0.2 for the `lxc` figures (after one untimed warm-up run).",
			fmt.Sprintf("Per repeat: %d sequential launches (median per launch), %d exec round trips (median), %d `lxc exec` runs "+
				"(median), %d config changes watched by %d event subscribers (median), %d `lxc list` runs and %d list requests "+
				"(median).", s.SeqLaunches, s.Execs, s.LXCExecs, s.Events, s.Subscribers, s.LXCLists, s.Lists),
			"The 100-launch and stopped-instance figures run once per daemon after the repeats; the `lxc list` of stopped " +
				"instances is timed once per repeat on the same instances.",
		},
	}
	if o.Quick {
		p.Command += " --quick"
	}
	for _, d := range figureDefs(s) {
		p.Figures = append(p.Figures, report.Figure{Name: d.Name, Unit: d.Unit, Target: d.Target,
			Ours: res.result(d.Key, labelOurs), Reference: res.result(d.Key, labelReference)})
	}
	p.Dominates = prof.sections(targets)
	p.Notes = append(p.Notes, o.Notes...)
	p.Notes = append(p.Notes, "What dominates each figure, what was changed and what is left is explained by hand in "+
		"[performance.md](performance.md); the profiles above are from this run.")
	p.Notes = append(p.Notes, "The cluster figures are for our daemon only: three members on 127.0.1.x joined with "+
		"tokens (dqlite over HTTPS), default heartbeat; each repeat kills the database leader with SIGKILL, times "+
		"writes through a survivor (each try bounded to 2 s) until one succeeds, then restarts the killed member.")
	return p
}

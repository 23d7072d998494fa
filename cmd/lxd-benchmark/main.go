package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"
)

// globalOpts are the flags every subcommand takes.
type globalOpts struct {
	Socket      string
	Project     string
	ReportFile  string
	ReportLabel string
}

// job is one single-shot subcommand with its flags.
type job struct {
	Action     string // init, launch, start, stop, delete, exec, list
	Count      int
	Parallel   int
	Image      string
	Privileged bool
	Freeze     bool
	Force      bool
	Instance   string // exec: the instance to run in
	LXC        bool   // list: time the real `lxc list` instead of the API
}

// runners are what the commands call; tests swap them to check parsing.
type runners struct {
	job   func(ctx context.Context, g globalOpts, j job) error
	suite func(ctx context.Context, o suiteOpts) error
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := newRootCmd(runners{job: runJob, suite: runSuite})
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func newRootCmd(r runners) *cobra.Command {
	var g globalOpts
	root := &cobra.Command{
		Use:           "lxd-benchmark",
		Short:         "Benchmark a daemon speaking the LXD API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.Socket, "socket", "", "Unix socket of the daemon (default: $LXD_DIR/unix.socket)")
	pf.StringVar(&g.Project, "project", "default", "Project to use")
	pf.StringVar(&g.ReportFile, "report-file", "", "CSV file to append the results to")
	pf.StringVar(&g.ReportLabel, "report-label", "", "Label of the CSV row (default: the command name)")

	descs := map[string]string{
		"init":   "Create containers without starting them",
		"launch": "Create and start containers",
		"start":  "Start the stopped benchmark containers",
		"stop":   "Stop the running benchmark containers",
		"delete": "Delete the benchmark containers",
	}
	for _, action := range []string{"init", "launch", "start", "stop", "delete"} {
		root.AddCommand(newBatchCmd(action, descs[action], &g, r))
	}
	root.AddCommand(newExecCmd(&g, r), newListCmd(&g, r), newSuiteCmd(r))
	return root
}

func newBatchCmd(action, short string, g *globalOpts, r runners) *cobra.Command {
	j := job{Action: action}
	cmd := &cobra.Command{
		Use:   action,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := j.validate(); err != nil {
				return err
			}
			return r.job(cmd.Context(), *g, j)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&j.Parallel, "parallel", "P", runtime.NumCPU(), "Number of operations run at once")
	if action == "init" || action == "launch" {
		f.IntVarP(&j.Count, "count", "C", 100, "Number of containers to create")
		f.StringVarP(&j.Image, "image", "i", "busybox", "Image alias or fingerprint on the daemon")
		f.BoolVar(&j.Privileged, "privileged", false, "Create privileged containers")
	}
	if action == "launch" || action == "start" {
		f.BoolVarP(&j.Freeze, "freeze", "F", false, "Freeze the containers once started")
	}
	if action == "stop" || action == "delete" {
		f.BoolVar(&j.Force, "force", true, "Stop the containers by killing them")
	}
	return cmd
}

func newExecCmd(g *globalOpts, r runners) *cobra.Command {
	j := job{Action: "exec"}
	cmd := &cobra.Command{
		Use:   "exec [<instance>]",
		Short: "Time non-interactive exec of `true` (default: in the first running benchmark container)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				j.Instance = args[0]
			}
			if err := j.validate(); err != nil {
				return err
			}
			return r.job(cmd.Context(), *g, j)
		},
	}
	cmd.Flags().IntVarP(&j.Count, "count", "C", 20, "Number of execs, one after the other")
	return cmd
}

func newListCmd(g *globalOpts, r runners) *cobra.Command {
	j := job{Action: "list"}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Time GET /1.0/instances?recursion=2 (or the real `lxc list` with --lxc)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := j.validate(); err != nil {
				return err
			}
			return r.job(cmd.Context(), *g, j)
		},
	}
	cmd.Flags().IntVarP(&j.Count, "count", "C", 50, "Number of requests, one after the other")
	cmd.Flags().BoolVar(&j.LXC, "lxc", false, "Time the real `lxc list` (LXD_DIR must point at the daemon)")
	return cmd
}

// validate checks the flags a job was given.
func (j job) validate() error {
	needsCount := j.Action == "init" || j.Action == "launch" || j.Action == "exec" || j.Action == "list"
	if needsCount && j.Count < 1 {
		return fmt.Errorf("--count must be at least 1, got %d", j.Count)
	}
	if j.Parallel < 0 {
		return fmt.Errorf("--parallel must not be negative, got %d", j.Parallel)
	}
	if (j.Action == "init" || j.Action == "launch") && j.Image == "" {
		return fmt.Errorf("--image is required")
	}
	return nil
}

// parallelism is the number of workers for n items (0 means one per CPU).
func (j job) parallelism() int {
	if j.Parallel <= 0 {
		return runtime.NumCPU()
	}
	return j.Parallel
}

// socketPath finds the daemon's socket: --socket, else $LXD_DIR/unix.socket,
// else the snap's or the Debian package's default.
func socketPath(flag, lxdDir string, exists func(string) bool) string {
	if flag != "" {
		return flag
	}
	if lxdDir != "" {
		return filepath.Join(lxdDir, "unix.socket")
	}
	for _, p := range []string{"/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket"} {
		if exists(p) {
			return p
		}
	}
	return "/var/lib/lxd/unix.socket"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

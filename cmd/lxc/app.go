package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// globalFlags are the flags every command accepts.
type globalFlags struct {
	project    string
	debug      bool
	verbose    bool
	quiet      bool
	forceLocal bool
	all        bool
	version    bool
}

// app is the context shared by all commands: flags, the client config
// (loaded once, before any command runs) and the standard streams. Command
// constructors capture it; run functions use its helpers (connect,
// parseRemote, renderTable, waitOperation, editYAML).
type app struct {
	flags  globalFlags
	conf   *Config
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *logrus.Logger // --debug output, created on first use
	// extensions caches each server's API extensions (by URL).
	extensions map[string][]string
}

func newApp(ctx context.Context) *app {
	return &app{ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
}

// load reads the client configuration. It runs once, from the root
// command's PersistentPreRunE.
func (a *app) load() error {
	dir, err := configDir()
	if err != nil {
		return err
	}
	if a.flags.forceLocal {
		// Only the local daemon is reachable with --force-local.
		a.conf = &Config{DefaultRemote: "local", Remotes: map[string]Remote{}, Aliases: map[string]string{}, Dir: dir}
		a.conf.addStatic()
		return nil
	}
	a.conf, err = LoadConfig(dir)
	if err != nil {
		return err
	}
	return a.firstRun()
}

// firstRun greets a user whose config file does not exist yet while a local
// daemon is installed, and saves the defaults so it happens only once (the
// same text as LXD's client, on stderr).
func (a *app) firstRun() error {
	if _, err := os.Stat(a.conf.Path("config.yml")); err == nil {
		return nil
	}
	if _, err := os.Stat(lxdDir()); err != nil {
		return nil
	}
	if err := a.conf.Save(); err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, "If this is your first time running LXD on this machine, you should also run: lxd init")
	fmt.Fprintln(a.stderr, "To start your first container, try: lxc launch ubuntu:22.04")
	fmt.Fprintln(a.stderr, "Or for a virtual machine: lxc launch ubuntu:22.04 --vm")
	fmt.Fprintln(a.stderr)
	return nil
}

// lxdDir is the local daemon's state directory.
func lxdDir() string {
	if d := os.Getenv("LXD_DIR"); d != "" {
		return d
	}
	return "/var/lib/lxd"
}

// localSocket is the unix socket of the local daemon.
func localSocket() string {
	if s := os.Getenv("LXD_SOCKET"); s != "" {
		return s
	}
	return filepath.Join(lxdDir(), "unix.socket")
}

// parseRemote splits "remote:name" into its parts. Without a colon (or
// without a known remote before it) the default remote is used, as in LXD:
// "c1" -> (default, "c1"), "r:" -> ("r", ""), "r:c1/snap" -> ("r", "c1/snap").
func (a *app) parseRemote(raw string) (remote, name string, err error) {
	return parseRemote(a.conf, raw)
}

func parseRemote(conf *Config, raw string) (remote, name string, err error) {
	before, after, found := strings.Cut(raw, ":")
	if !found {
		return conf.DefaultRemote, raw, nil
	}
	if _, ok := conf.Remotes[before]; !ok {
		// Snapshot names may contain ":" ("c1/snap:1"): keep them whole.
		if strings.Contains(before, "/") {
			return conf.DefaultRemote, raw, nil
		}
		return "", "", fmt.Errorf("The remote %q doesn't exist", before)
	}
	return before, after, nil
}

// parseServerArg handles the "[<remote>:]" argument of server-level
// commands: the remote named by args[0] when present, else the default
// remote. Like LXD, anything after the colon is ignored.
func (a *app) parseServerArg(args []string) (string, error) {
	if len(args) == 0 {
		return a.conf.DefaultRemote, nil
	}
	remote, _, err := a.parseRemote(args[0])
	return remote, err
}

// checkArgs mirrors LXD's argument count check: with no argument at all the
// help is shown (exit 0); a wrong count shows the help and fails.
func checkArgs(cmd *cobra.Command, args []string, min, max int) (bool, error) {
	if len(args) >= min && (max < 0 || len(args) <= max) {
		return false, nil
	}
	_ = cmd.Help()
	if len(args) == 0 {
		return true, nil
	}
	return true, fmt.Errorf("Invalid number of arguments")
}

// withArgCount is a RunE that checks the argument count (checkArgs)
// before run: min and max as in checkArgs, max < 0 for no limit.
func withArgCount(min, max int, run func(args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if exit, err := checkArgs(cmd, args, min, max); exit {
			return err
		}
		return run(args)
	}
}

// debugf logs client-side debug messages with --debug, in the logrus text
// format LXD's client uses on stderr.
func (a *app) debugf(format string, args ...any) {
	if !a.flags.debug {
		return
	}
	if a.log == nil {
		a.log = logrus.New()
		a.log.SetOutput(a.stderr)
		a.log.SetLevel(logrus.DebugLevel)
		a.log.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339})
	}
	a.log.Debugf(format, args...)
}

// reportDone ends a command that changed something: unless it failed or
// --quiet is set, the success message is printed. It returns err.
func (a *app) reportDone(err error, format string, args ...any) error {
	if err == nil && !a.flags.quiet {
		fmt.Fprintf(a.stdout, format, args...)
	}
	return err
}

// reportCreated ends a create that may be pending on one cluster member
// (--target) until the others have it too.
func (a *app) reportCreated(err error, kind, name, target string) error {
	if target != "" {
		return a.reportDone(err, "%s %s pending on member %s\n", kind, name, target)
	}
	return a.reportDone(err, "%s %s created\n", kind, name)
}

// Command lxd is the daemon: `lxd` runs it, and its subcommands (init,
// waitready, shutdown, sql, version) talk to a running daemon over its unix
// socket.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/daemon"
	"github.com/lxdng/lxd/shared/client"
)

// version is the LXD version whose API this daemon implements.
const version = "5.0.2"

type globalFlags struct {
	debug, verbose bool
	logfile        string
	group          string
}

func main() {
	daemon.RunHelper()
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func lxdDir() string {
	if d := os.Getenv("LXD_DIR"); d != "" {
		return d
	}
	return "/var/lib/lxd"
}

func socketPath() string { return filepath.Join(lxdDir(), "unix.socket") }

func connectLocal() (*client.Client, error) {
	return client.ConnectUnix(socketPath(), nil)
}

func rootCmd() *cobra.Command {
	g := &globalFlags{}
	cmd := &cobra.Command{
		Use:           "lxd",
		Short:         "The LXD container and virtual machine manager (daemon)",
		Long:          "Runs the LXD daemon. State lives in $LXD_DIR (default /var/lib/lxd).",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(cmd *cobra.Command, args []string) error { return runDaemon(g) },
	}
	cmd.PersistentFlags().BoolVarP(&g.debug, "debug", "d", false, "Show all debug messages")
	cmd.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "Show all information messages")
	cmd.PersistentFlags().StringVar(&g.logfile, "logfile", "", "Path to the log file")
	cmd.Flags().StringVar(&g.group, "group", "", "The group of users that will be allowed to talk to LXD")
	cmd.AddCommand(initCmd(), waitreadyCmd(), shutdownCmd(), sqlCmd(), versionCmd())
	for _, c := range hiddenCommands() {
		c.Hidden = true
		cmd.AddCommand(c)
	}
	return cmd
}

func runDaemon(g *globalFlags) error {
	if err := setupLogging(g); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("This must be run as root")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGPWR)
	defer stop()
	return daemon.New(daemon.Config{Dir: lxdDir(), Group: g.group}).Run(ctx)
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show the server version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, args []string) { fmt.Println(version) },
	}
}

// hiddenCommands are internal entry points re-executed by the daemon itself
// (filled as drivers need them).
func hiddenCommands() []*cobra.Command { return []*cobra.Command{callhookCmd()} }

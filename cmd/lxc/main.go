// Command lxc is our LXD command-line client; see doc.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// userArgs expands the user's aliases of config.yml in the command line.
// A config that can't be read is reported later, by the command itself.
func userArgs(args []string) ([]string, error) {
	dir, err := configDir()
	if err != nil {
		return args, nil
	}
	conf, err := LoadConfig(dir)
	if err != nil {
		return args, nil
	}
	return expandAlias(conf.Aliases, args)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := newApp(ctx)
	root := a.rootCommand()
	args, err := userArgs(os.Args[1:])
	if err == nil {
		showLessCommon(root, args)
		root.SetArgs(args)
		err = root.ExecuteContext(ctx)
	}
	stop()
	var exit *exitError
	if errors.As(err, &exit) {
		// exec ends with its command's status, printing an error only when
		// the command could not run.
		if exit.err != nil {
			fmt.Fprintf(os.Stderr, "Error: %v\n", exit.err)
		}
		os.Exit(exit.code)
	}
	if err != nil && !errors.Is(err, errVersionShown) {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}

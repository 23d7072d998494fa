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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := newApp(ctx)
	root := a.rootCommand()
	showLessCommon(root, os.Args[1:])
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil && !errors.Is(err, errVersionShown) {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}

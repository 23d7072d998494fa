package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// actionFlags are the flags of start/stop/restart/pause.
type actionFlags struct {
	all       bool
	console   string
	force     bool
	stateful  bool
	stateless bool
	timeout   int
}

// actionSpec describes one state-changing command.
type actionSpec struct {
	use, short, long string
	force, timeout   bool // -f and --timeout (stop, restart)
	stateful         bool // --stateful (stop)
	stateless        bool // --stateless (start)
	console          bool
}

func startCommand(a *app) *cobra.Command {
	return actionCommand(a, actionSpec{use: "start", short: "Start instances", stateless: true, console: true})
}

func stopCommand(a *app) *cobra.Command {
	return actionCommand(a, actionSpec{use: "stop", short: "Stop instances", force: true, timeout: true,
		stateful: true, console: true})
}

func restartCommand(a *app) *cobra.Command {
	return actionCommand(a, actionSpec{use: "restart", short: "Restart instances",
		long: "Restart instances\n\nThe opposite of \"lxc pause\" is \"lxc start\".", force: true, timeout: true, console: true})
}

func pauseCommand(a *app) *cobra.Command {
	return lessCommon(actionCommand(a, actionSpec{use: "pause", short: "Pause instances"}))
}

func actionCommand(a *app, s actionSpec) *cobra.Command {
	f := &actionFlags{}
	cmd := &cobra.Command{
		Use:   s.use + " [<remote>:]<instance> [[<remote>:]<instance>...]",
		Short: s.short,
		Long:  s.long,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runAction(cmd, s.use, args, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.all, "all", false, "Run against all instances")
	if s.console {
		consoleFlag(cmd, &f.console)
	}
	if s.force {
		fl.BoolVarP(&f.force, "force", "f", false, "Force the instance to shutdown")
	}
	if s.stateful {
		fl.BoolVar(&f.stateful, "stateful", false, "Store the instance state")
	}
	if s.stateless {
		fl.BoolVar(&f.stateless, "stateless", false, "Ignore the instance state")
	}
	if s.timeout {
		fl.IntVar(&f.timeout, "timeout", -1, "Time to wait for the instance before killing it``")
	}
	return cmd
}

// runAction resolves the instances (or --all of them) and runs the action
// on each concurrently; batch failures are reported per instance.
func (a *app) runAction(cmd *cobra.Command, action string, args []string, f *actionFlags) error {
	var names []string
	if f.all {
		if f.console != "" {
			return errors.New("--console can't be used with --all")
		}
		var err error
		if names, err = a.allInstancesFor(action, args, f); err != nil {
			return err
		}
		if len(names) == 0 {
			return nil
		}
	} else {
		if exit, err := checkArgs(cmd, args, 1, -1); exit {
			return err
		}
		names = args
	}
	if f.console != "" {
		if len(names) != 1 {
			return errors.New("--console only works with a single instance")
		}
	}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = a.doAction(action, name, f)
		}()
	}
	wg.Wait()
	if len(names) == 1 {
		return errs[0]
	}
	failed := false
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed = true
		for _, line := range strings.Split("error: "+err.Error(), "\n") {
			fmt.Fprintf(a.stderr, "%s: %s\n", names[i], line)
		}
	}
	if failed {
		fmt.Fprintln(a.stderr)
		return fmt.Errorf("Some instances failed to %s", action)
	}
	return nil
}

// allInstancesFor handles --all per remote: one bulk PUT /1.0/instances
// where the server has instance_bulk_state_change (as LXD's client does),
// else it lists "<remote>:<name>" to act on one by one, skipping instances
// already in the wanted state for start and stop.
func (a *app) allInstancesFor(action string, args []string, f *actionFlags) ([]string, error) {
	if len(args) == 0 {
		args = []string{a.conf.DefaultRemote + ":"}
	}
	var names []string
	for _, arg := range args {
		remote, _, err := a.parseRemote(arg)
		if err != nil {
			return nil, err
		}
		c, err := a.connect(remote)
		if err != nil {
			return nil, err
		}
		if hasExtension(a, c, "instance_bulk_state_change") {
			if err := a.bulkAction(c, action, f); err != nil {
				return nil, fmt.Errorf("%s: %w", remote, err)
			}
			continue
		}
		var insts []api.Instance
		if _, err := c.Get(a.ctx, "/1.0/instances?recursion=1", &insts); err != nil {
			return nil, err
		}
		for _, inst := range insts {
			if (action == "start" && inst.StatusCode == api.Running) || (action == "stop" && inst.StatusCode == api.Stopped) {
				continue
			}
			names = append(names, remote+":"+inst.Name)
		}
	}
	return names, nil
}

// doAction sends one state change and waits for it.
func (a *app) doAction(action, arg string, f *actionFlags) error {
	remote, name, err := a.parseRemote(arg)
	if err != nil {
		return err
	}
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("Must supply instance name for: %q", arg)
	}
	req := api.InstanceStatePut{Action: action, Force: f.force, Timeout: f.timeout}
	switch action {
	case "pause":
		req.Action = "freeze"
	case "stop":
		req.Stateful = f.stateful
	case "start":
		inst, _, err := getInstance(a.ctx, c, name)
		if err != nil {
			return err
		}
		if inst.StatusCode == api.Frozen {
			req.Action = "unfreeze"
		}
		req.Stateful = req.Action == "start" && inst.Stateful && !f.stateless
	}
	op, err := stateAction(a.ctx, c, name, req)
	if err != nil {
		return err
	}
	if action == "stop" && f.console != "" {
		// Show the console until the instance is down.
		go func() { _ = a.console(c, name, f.console) }()
	}
	if err := a.waitStateChange(c, op, arg); err != nil {
		return err
	}
	if f.console != "" && action != "stop" {
		return a.console(c, name, f.console)
	}
	return nil
}

// waitStateChange waits for a start/stop/... operation the way LXD's client
// does: it subscribes to events, then reloads the operation. An operation
// that has already failed by then reports its bare error; one that fails
// later adds the hint to read the instance log (name as the user wrote it).
func (a *app) waitStateChange(c *client.Client, op *client.Operation, name string) error {
	if op == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	if _, err := c.GetEvents(ctx, false, "operation"); err != nil {
		return err
	}
	if err := op.Refresh(a.ctx); err != nil {
		return err
	}
	if op.StatusCode.IsFinal() {
		return op.Wait(a.ctx)
	}
	if err := a.waitOperation(c, op, ""); err != nil {
		return fmt.Errorf("%w\nTry `lxc info --show-log %s` for more info", err, name)
	}
	return nil
}

// bulkAction changes the state of every instance of the project at once.
func (a *app) bulkAction(c *client.Client, action string, f *actionFlags) error {
	req := api.InstanceStatePut{Action: action, Timeout: f.timeout, Force: f.force,
		Stateful: action == "stop" && f.stateful}
	if action == "pause" {
		req.Action = "freeze"
	}
	op, err := c.Do(a.ctx, http.MethodPut, "/1.0/instances", map[string]any{"state": req}, "")
	if err != nil {
		return err
	}
	return a.waitOperation(c, op, "")
}

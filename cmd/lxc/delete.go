package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

func deleteCommand(a *app) *cobra.Command {
	var force, interactive bool
	cmd := &cobra.Command{
		Use:     "delete [<remote>:]<instance>[/<snapshot>] [[<remote>:]<instance>[/<snapshot>]...]",
		Aliases: []string{"rm"},
		Short:   "Delete instances and snapshots",
		RunE: withArgCount(1, -1, func(args []string) error {
			return a.deleteAll(args, force, interactive)
		}),
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the removal of running instances")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "Require user confirmation")
	return cmd
}

// deleteTarget is one checked argument of `lxc delete`.
type deleteTarget struct {
	c    *client.Client
	name string
	inst *api.Instance // nil for snapshots
}

// deleteAll checks that every instance and snapshot exists, then deletes
// them in order. Like LXD's client, deleting a snapshot ends the run:
// later arguments are left alone.
func (a *app) deleteAll(args []string, force, interactive bool) error {
	targets := make([]deleteTarget, 0, len(args))
	for _, arg := range args {
		remote, name, err := a.parseRemote(arg)
		if err != nil {
			return err
		}
		c, err := a.connect(remote)
		if err != nil {
			return err
		}
		t := deleteTarget{c: c, name: name}
		if inst, snap, ok := splitSnapshot(name); ok {
			if _, _, err := getSnapshot(a.ctx, c, inst, snap); err != nil {
				return fmt.Errorf("Failed checking instance snapshot exists \"%s:%s\": %w", remote, name, err)
			}
		} else if t.inst, _, err = getInstance(a.ctx, c, name); err != nil {
			return fmt.Errorf("Failed checking instance exists \"%s:%s\": %w", remote, name, err)
		}
		targets = append(targets, t)
	}
	for _, t := range targets {
		if interactive {
			if err := a.promptDelete(t.name); err != nil {
				return err
			}
		}
		if t.inst == nil {
			inst, snap, _ := splitSnapshot(t.name)
			return a.deleteAndWait(t.c, snapshotURL(inst, snap))
		}
		if err := a.deleteInstance(t, force); err != nil {
			return err
		}
	}
	return nil
}

// deleteInstance deletes one instance, stopping it first with --force.
func (a *app) deleteInstance(t deleteTarget, force bool) error {
	if t.inst.StatusCode != 0 && t.inst.StatusCode != api.Stopped {
		if !force {
			return errors.New("The instance is currently running, stop it first or pass --force")
		}
		op, err := stateAction(a.ctx, t.c, t.name, api.InstanceStatePut{Action: "stop", Timeout: -1, Force: true})
		if err == nil {
			err = op.Wait(a.ctx)
		}
		if err != nil {
			return fmt.Errorf("Stopping the instance failed: %s", err)
		}
		if t.inst.Ephemeral {
			// The server deletes an ephemeral instance when it stops.
			return nil
		}
	}
	return a.deleteAndWait(t.c, instanceURL(t.name))
}

func (a *app) promptDelete(name string) error {
	fmt.Fprintf(a.stdout, "Remove %s (yes/no): ", name)
	input, _ := a.readLine()
	if strings.ToLower(input) != "yes" {
		return errors.New("User aborted delete operation")
	}
	return nil
}

func (a *app) deleteAndWait(c *client.Client, path string) error {
	op, err := c.Do(a.ctx, http.MethodDelete, path, nil, "")
	if err != nil {
		return err
	}
	if op == nil {
		return nil
	}
	return op.Wait(a.ctx)
}

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
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 1, -1); exit {
				return err
			}
			for _, arg := range args {
				done, err := a.deleteOne(arg, force, interactive)
				if err != nil || done {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the removal of running instances")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "Require user confirmation")
	return cmd
}

// deleteOne deletes an instance or snapshot. Like LXD's client, deleting
// a snapshot ends the run (done=true): later arguments are ignored.
func (a *app) deleteOne(arg string, force, interactive bool) (done bool, err error) {
	remote, name, err := a.parseRemote(arg)
	if err != nil {
		return true, err
	}
	c, err := a.connect(remote)
	if err != nil {
		return true, err
	}
	if interactive {
		if err := a.promptDelete(name); err != nil {
			return true, err
		}
	}
	if inst, snap, ok := splitSnapshot(name); ok {
		return true, a.deleteAndWait(c, snapshotURL(inst, snap))
	}
	inst, _, err := getInstance(a.ctx, c, name)
	if err != nil {
		return true, err
	}
	if inst.StatusCode != 0 && inst.StatusCode != api.Stopped {
		if !force {
			return true, errors.New("The instance is currently running, stop it first or pass --force")
		}
		op, err := stateAction(a.ctx, c, name, api.InstanceStatePut{Action: "stop", Timeout: -1, Force: true})
		if err == nil {
			err = op.Wait(a.ctx)
		}
		if err != nil {
			return true, fmt.Errorf("Stopping the instance failed: %s", err)
		}
		if inst.Ephemeral {
			// The server deletes an ephemeral instance when it stops.
			return false, nil
		}
	}
	return false, a.deleteAndWait(c, instanceURL(name))
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

package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
)

func moveCommand(a *app) *cobra.Command {
	f := &copyFlags{}
	cmd := &cobra.Command{
		Use:     "move [<remote>:]<instance>[/<snapshot>] [<remote>:][<instance>[/<snapshot>]]",
		Aliases: []string{"mv"},
		Short:   "Move instances within or in between LXD servers",
		Long:    "Move instances within or in between LXD servers" + transferModesLong,
		Example: `  lxc move [<remote>:]<source instance> [<remote>:][<destination instance>] [--instance-only]
      Move an instance between two hosts, renaming it if destination name differs.

  lxc move <old name> <new name> [--instance-only]
      Rename a local instance.

  lxc move <instance>/<old snapshot name> <instance>/<new snapshot name>
      Rename a snapshot.`,
		RunE: withArgCount(1, 2, func(args []string) error {
			return a.move(args, f)
		}),
	}
	f.register(cmd, true)
	return cmd
}

func renameCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rename [<remote>:]<instance>[/<snapshot>] <instance>[/<snapshot>]",
		Short: "Rename instances and snapshots",
		RunE: withArgCount(2, 2, func(args []string) error {
			srcRemote, _, err := a.parseRemote(args[0])
			if err != nil {
				return err
			}
			dstRemote, _, err := a.parseRemote(args[1])
			if err != nil {
				return err
			}
			if srcRemote != dstRemote {
				if strings.Contains(args[1], ":") {
					return errors.New("Can't specify a different remote for rename")
				}
				args[1] = srcRemote + ":" + args[1]
			}
			return a.move(args, &copyFlags{mode: "pull"})
		}),
	}
	return cmd
}

// move renames on the same server (instances and snapshots), moves to
// another pool or project server-side, or copies then deletes across
// servers.
func (a *app) move(args []string, f *copyFlags) error {
	srcRemote, srcName, err := a.parseRemote(args[0])
	if err != nil {
		return err
	}
	dstRemote, dstName := srcRemote, ""
	if len(args) == 2 {
		if dstRemote, dstName, err = a.parseRemote(args[1]); err != nil {
			return err
		}
	}
	if f.target != "" && srcRemote != dstRemote {
		return errors.New("You must use the same source and destination remote when using --target")
	}
	if srcRemote == dstRemote && (f.storage != "" || f.targetProject != "") {
		return a.moveServerSide(srcRemote, srcName, dstName, f)
	}
	if srcRemote == dstRemote && f.target == "" {
		return a.rename(srcRemote, srcName, dstName)
	}
	dst := ""
	if len(args) == 2 {
		dst = args[1]
	}
	opts := copyOpts{keepVolatile: true, ephemeral: -1, live: !f.stateless, move: true}
	if err := a.copyInstance(args[0], dst, f, opts); err != nil {
		return err
	}
	if err := a.deleteAll(args[:1], true, false); err != nil {
		return fmt.Errorf("Failed to delete original instance after copying it: %w", err)
	}
	return nil
}

// rename is POST {name} on the instance or snapshot.
func (a *app) rename(remote, srcName, dstName string) error {
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	if srcInst, srcSnap, ok := splitSnapshot(srcName); ok {
		dstInst, dstSnap, dstIsSnap := splitSnapshot(dstName)
		if srcInst != dstInst {
			return errors.New("Invalid new snapshot name, parent must be the same as source")
		}
		if !dstIsSnap || dstSnap == "" {
			return errors.New("Invalid new snapshot name")
		}
		op, err := c.Do(a.ctx, http.MethodPost, snapshotURL(srcInst, srcSnap), api.InstanceSnapshotPost{Name: dstSnap}, "")
		if err != nil {
			return err
		}
		return a.waitOperation(c, op, "")
	}
	op, err := c.Do(a.ctx, http.MethodPost, instanceURL(srcName), api.InstancePost{Name: dstName}, "")
	if err != nil {
		return err
	}
	return a.waitOperation(c, op, "")
}

// moveServerSide moves an instance to another pool or project of the same
// server (instance_pool_move, instance_project_move).
func (a *app) moveServerSide(remote, srcName, dstName string, f *copyFlags) error {
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	if dstName == "" {
		dstName = srcName
	}
	req := api.InstancePost{Name: dstName, Migration: true, Live: !f.stateless, InstanceOnly: f.instanceOnly,
		Pool: f.storage, Project: f.targetProject, AllowInconsistent: f.allowInconsistent}
	op, err := c.Do(a.ctx, http.MethodPost, instanceURL(srcName), req, "")
	if err != nil {
		return err
	}
	return a.waitOperation(c, op, "Transferring instance")
}

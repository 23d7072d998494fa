package main

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
)

func snapshotCommand(a *app) *cobra.Command {
	var stateful, noExpiry, reuse bool
	cmd := &cobra.Command{
		Use:   "snapshot [<remote>:]<instance> [<snapshot name>]",
		Short: "Create instance snapshots",
		Long: `Create instance snapshots

When --stateful is used, LXD attempts to checkpoint the instance's
running state, including process memory state, TCP connections, ...`,
		Example: `  lxc snapshot u1 snap0
      Create a snapshot of "u1" called "snap0".`,
		RunE: withArgCount(1, 2, func(args []string) error {
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			req := api.InstanceSnapshotsPost{Stateful: stateful}
			if len(args) == 2 {
				req.Name = args[1]
			}
			if noExpiry && !hasExtension(a, c, "snapshot_expiry_creation") {
				return errors.New(`The server is missing the required "snapshot_expiry_creation" API extension`)
			}
			if noExpiry {
				// The zero time means "never expires", overriding snapshots.expiry.
				req.ExpiresAt = &time.Time{}
			}
			if reuse && req.Name != "" {
				if _, _, err := getSnapshot(a.ctx, c, name, req.Name); err == nil {
					if err := a.deleteAndWait(c, snapshotURL(name, req.Name)); err != nil {
						return err
					}
				}
			}
			op, err := c.Do(a.ctx, http.MethodPost, instanceURL(name)+"/snapshots", req, "")
			if err != nil {
				return err
			}
			return a.waitOperation(c, op, "")
		}),
	}
	cmd.Flags().BoolVar(&stateful, "stateful", false, "Whether or not to snapshot the instance's running state")
	cmd.Flags().BoolVar(&noExpiry, "no-expiry", false, "Ignore any configured auto-expiry for the instance")
	cmd.Flags().BoolVar(&reuse, "reuse", false, "If the snapshot name already exists, delete and create a new one")
	return cmd
}

func restoreCommand(a *app) *cobra.Command {
	var stateful bool
	cmd := &cobra.Command{
		Use:   "restore [<remote>:]<instance> <snapshot>",
		Short: "Restore instances from snapshots",
		Long: `Restore instances from snapshots

If --stateful is passed, then the running state will be restored too.`,
		Example: `  lxc snapshot u1 snap0
      Create the snapshot.

  lxc restore u1 snap0
      Restore the snapshot.`,
		RunE: withArgCount(2, 2, func(args []string) error {
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			snap := args[1]
			if _, _, ok := splitSnapshot(snap); !ok {
				snap = fmt.Sprintf("%s/%s", name, snap)
			}
			// LXD restores through a PUT carrying only "restore" (and
			// "stateful"); everything else is left empty on purpose.
			put := api.InstancePut{Restore: snap, Stateful: stateful}
			return a.updateInstance(c, name, put, "")
		}),
	}
	cmd.Flags().BoolVar(&stateful, "stateful", false, "Whether or not to restore the instance's running state from snapshot (if available)")
	return cmd
}

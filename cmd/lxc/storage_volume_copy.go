package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// volumeCopyFlags are shared by copy and move.
type volumeCopyFlags struct {
	destinationTarget string
	mode              string
	refresh           bool
	target            string
	targetProject     string
	volumeOnly        bool
}

func volumeCopyCommand(a *app) *cobra.Command {
	f := &volumeCopyFlags{}
	cmd := &cobra.Command{
		Use:     "copy [<remote>:]<pool>/<volume>[/<snapshot>] [<remote>:]<pool>/<volume>",
		Aliases: []string{"cp"},
		Short:   "Copy storage volumes",
		RunE: withArgCount(2, 2, func(args []string) error {
			if err := a.volumeCopy(args, f, false); err != nil {
				return err
			}
			a.progressDone("Storage volume copied successfully!")
			return nil
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.destinationTarget, "destination-target", "", "Destination cluster member name``")
	fl.StringVar(&f.mode, "mode", "pull", "Transfer mode. One of pull (default), push or relay.``")
	fl.BoolVar(&f.refresh, "refresh", false, "Refresh and update the existing storage volume copies")
	fl.StringVar(&f.target, "target", "", "Cluster member name``")
	fl.StringVar(&f.targetProject, "target-project", "", "Copy to a project different from the source``")
	fl.BoolVar(&f.volumeOnly, "volume-only", false, "Copy the volume without its snapshots")
	return cmd
}

func volumeMoveCommand(a *app) *cobra.Command {
	f := &volumeCopyFlags{}
	cmd := &cobra.Command{
		Use:     "move [<remote>:]<pool>/<volume> [<remote>:]<pool>/<volume>",
		Aliases: []string{"mv"},
		Short:   "Move storage volumes between pools",
		RunE: withArgCount(2, 2, func(args []string) error {
			if err := a.volumeCopy(args, f, true); err != nil {
				return err
			}
			a.progressDone("Storage volume moved successfully!")
			return nil
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.destinationTarget, "destination-target", "", "Destination cluster member name``")
	fl.StringVar(&f.mode, "mode", "pull", "Transfer mode, one of pull (default), push or relay``")
	fl.StringVar(&f.target, "target", "", "Cluster member name``")
	fl.StringVar(&f.targetProject, "target-project", "", "Move to a project different from the source``")
	return cmd
}

// volumeEnd is one side of a copy: "[<remote>:]<pool>/<volume>".
type volumeEnd struct {
	remote, pool, vol string
	c                 *client.Client
}

func (a *app) volumeEndArg(arg, noPool string) (*volumeEnd, error) {
	remote, path, err := a.parseRemote(arg)
	if err != nil {
		return nil, err
	}
	pool, vol, ok := strings.Cut(path, "/")
	if !ok || pool == "" {
		return nil, errors.New(noPool)
	}
	c, err := a.connect(remote)
	if err != nil {
		return nil, err
	}
	return &volumeEnd{remote: remote, pool: pool, vol: vol, c: c}, nil
}

// volumeCopy copies a custom volume (or one of its snapshots) within one
// server; a move is a copy followed by deleting the source, as LXD 5.0.2's
// client does.
func (a *app) volumeCopy(args []string, f *volumeCopyFlags, move bool) error {
	src, err := a.volumeEndArg(args[0], "No storage pool for source volume specified")
	if err != nil {
		return err
	}
	dst, err := a.volumeEndArg(args[1], "No storage pool for target volume specified")
	if err != nil {
		return err
	}
	if src.remote != dst.remote {
		return errors.New("Copying storage volumes between remotes isn't supported by this client yet")
	}
	if f.target != "" {
		src.c = src.c.WithTarget(f.target)
	}
	parent, snap, _ := strings.Cut(src.vol, "/")
	vol, _, err := src.c.GetStorageVolume(a.ctx, src.pool, "custom", parent)
	if err != nil {
		return err
	}
	req := api.StorageVolumesPost{Name: dst.vol, Type: "custom", ContentType: vol.ContentType}
	req.StorageVolumePut = api.StorageVolumePut{Config: vol.Config, Description: vol.Description}
	if snap != "" {
		s, _, err := src.c.GetStorageVolumeSnapshot(a.ctx, src.pool, "custom", parent, snap)
		if err != nil {
			return err
		}
		req.Config, req.Description = s.Config, s.Description
		if s.ContentType != "" {
			req.ContentType = s.ContentType
		}
	}
	req.Source = api.StorageVolumeSource{Name: src.vol, Type: "copy", Pool: src.pool,
		VolumeOnly: f.volumeOnly, Refresh: f.refresh}
	dc := dst.c
	srcProject := orDefault(src.c.Project(), "default")
	if f.targetProject != "" {
		dc = dc.WithProject(f.targetProject)
		if f.targetProject != srcProject {
			req.Source.Project = srcProject
		}
	}
	switch {
	case f.destinationTarget != "":
		dc = dc.WithTarget(f.destinationTarget)
	case vol.Location != "":
		dc = dc.WithTarget(vol.Location)
	}
	op, err := dc.CreateStorageVolume(a.ctx, dst.pool, req)
	if err == nil {
		err = a.waitOperation(dc, op, "Copying the storage volume")
	}
	if err != nil || !move {
		return err
	}
	sc := src.c
	if vol.Location != "" && f.target == "" {
		sc = sc.WithTarget(vol.Location)
	}
	return sc.DeleteStorageVolume(a.ctx, src.pool, "custom", src.vol)
}

// errNoVolumeBackups is LXD's error for servers without volume backups.
var errNoVolumeBackups = errors.New(`The server is missing the required "custom_volume_backup" API extension`)

func volumeExportCommand(a *app) *cobra.Command {
	var target, compression string
	var optimized, volumeOnly bool
	cmd := &cobra.Command{
		Use:   "export [<remote>:]<pool> <volume> [<path>]",
		Short: "Export custom storage volume",
		RunE: withArgCount(2, 3, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			if !hasExtension(a, r.c, "custom_volume_backup") {
				return errNoVolumeBackups
			}
			return errors.New("Volume backups aren't supported by this client yet")
		}),
	}
	cmd.Flags().StringVar(&compression, "compression", "", "Define a compression algorithm: for backup or none``")
	cmd.Flags().BoolVar(&optimized, "optimized-storage", false,
		"Use storage driver optimized format (can only be restored on a similar pool)")
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	cmd.Flags().BoolVar(&volumeOnly, "volume-only", false, "Export the volume without its snapshots")
	return cmd
}

func volumeImportCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "import [<remote>:]<pool> <backup file> [<volume name>]",
		Short: "Import custom storage volumes",
		Long:  "Import backups of custom volumes including their snapshots.",
		Example: `  lxc storage volume import default backup0.tar.gz
  		Create a new custom volume using backup0.tar.gz as the source.`,
		RunE: withArgCount(2, 3, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			if !hasExtension(a, r.c, "custom_volume_backup") {
				return errNoVolumeBackups
			}
			return errors.New("Volume backups aren't supported by this client yet")
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// storageVolumeCommand is `lxc storage volume`. Listing, info and copies
// are in storage_volume_list.go and storage_volume_copy.go, device
// attachment in storage_volume_attach.go.
func storageVolumeCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "volume",
		Short: "Manage storage volumes",
		Long: `Manage storage volumes

Unless specified through a prefix, all volume operations affect "custom" (user created) volumes.`,
		RunE: groupRunE,
	}
	cmd.AddCommand(volumeAttachCommand(a), volumeAttachProfileCommand(a), volumeCopyCommand(a),
		volumeCreateCommand(a), volumeDeleteCommand(a), volumeDetachCommand(a), volumeDetachProfileCommand(a),
		volumeEditCommand(a), volumeExportCommand(a), volumeGetCommand(a), volumeImportCommand(a),
		volumeInfoCommand(a), volumeListCommand(a), volumeMoveCommand(a), volumeRenameCommand(a),
		volumeRestoreCommand(a), volumeSetCommand(a), volumeShowCommand(a), volumeSnapshotCommand(a),
		volumeUnsetCommand(a))
	return cmd
}

// volumeTypes are the prefixes a volume argument may carry ("custom/v1").
var volumeTypes = []string{"custom", "image", "container", "virtual-machine"}

// parseVolumeArg splits "[<type>/]<name>[/<snapshot>]"; without a known
// type prefix the volume is a custom one.
func parseVolumeArg(arg string) (volType, name, snap string) {
	volType, name = splitVolumeType(arg)
	name, snap, _ = strings.Cut(name, "/")
	return volType, name, snap
}

// splitVolumeType takes a known type prefix off a volume argument.
func splitVolumeType(arg string) (volType, rest string) {
	if prefix, rest, ok := strings.Cut(arg, "/"); ok {
		for _, t := range volumeTypes {
			if prefix == t {
				return prefix, rest
			}
		}
	}
	return "custom", arg
}

// volumeRef is a parsed "[<remote>:]<pool> <volume>" pair.
type volumeRef struct {
	*resource
	volType, vol, snap string
}

func (a *app) volumeArgs(poolArg, volArg, target string) (*volumeRef, error) {
	r, err := a.resourceFor(poolArg, missingPool, "storage")
	if err != nil {
		return nil, err
	}
	r.c = r.withTarget(target)
	t, v, s := parseVolumeArg(volArg)
	return &volumeRef{resource: r, volType: t, vol: v, snap: s}, nil
}

func volumeCreateCommand(a *app) *cobra.Command {
	var target, contentType string
	cmd := &cobra.Command{
		Use:   "create [<remote>:]<pool> <volume> [key=value...]",
		Short: "Create new custom storage volumes",
		RunE: withArgCount(2, -1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			config, err := parseCreateConfig(args[2:])
			if err != nil {
				return err
			}
			volType, name := splitVolumeType(args[1])
			req := api.StorageVolumesPost{Name: name, Type: volType, ContentType: contentType}
			req.Config = config
			op, err := r.withTarget(target).CreateStorageVolume(a.ctx, r.name, req)
			if err != nil {
				return err
			}
			return a.reportDone(a.waitOperation(r.c, op, ""), "Storage volume %s created\n", args[1])
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	cmd.Flags().StringVar(&contentType, "type", "filesystem", "Content type, block or filesystem``")
	return cmd
}

func volumeDeleteCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:     "delete [<remote>:]<pool> <volume>[/<snapshot>]",
		Aliases: []string{"rm"},
		Short:   "Delete storage volumes",
		RunE: withArgCount(2, 2, func(args []string) error {
			v, err := a.volumeArgs(args[0], args[1], target)
			if err != nil {
				return err
			}
			var op *client.Operation
			if v.snap != "" {
				op, err = v.c.DeleteStorageVolumeSnapshot(a.ctx, v.name, v.volType, v.vol, v.snap)
			} else {
				err = v.c.DeleteStorageVolume(a.ctx, v.name, v.volType, v.vol)
			}
			if err == nil {
				err = a.waitOperation(v.c, op, "")
			}
			return a.reportDone(err, "Storage volume %s deleted\n", args[1])
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

const storageVolumeEditHeader = `### This is a YAML representation of a storage volume.
### Any line starting with a '# will be ignored.
###
### A storage volume consists of a set of configuration items.
###
### name: vol1
### type: custom
### used_by: []
### config:
###   size: "61203283968"
`

func volumeEditCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "edit [<remote>:]<pool> <volume>[/<snapshot>]",
		Short: "Edit storage volume configurations as YAML",
		Example: `  lxc storage volume edit [<remote>:]<pool> <volume> < volume.yaml
      Update a storage volume using the content of pool.yaml.`,
		RunE: withArgCount(2, 2, func(args []string) error {
			v, err := a.volumeArgs(args[0], args[1], target)
			if err != nil {
				return err
			}
			if v.snap != "" {
				return a.editVolumeSnapshot(v)
			}
			return editObject(a, objectEdit[api.StorageVolumePut]{
				header:       storageVolumeEditHeader,
				getWhenPiped: true,
				get: func() (any, string, error) {
					return v.c.GetStorageVolume(a.ctx, v.name, v.volType, v.vol)
				},
				put: func(put api.StorageVolumePut, etag string) error {
					return v.c.UpdateStorageVolume(a.ctx, v.name, v.volType, v.vol, put, etag)
				},
			})
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func (a *app) editVolumeSnapshot(v *volumeRef) error {
	return editObject(a, objectEdit[api.StorageVolumeSnapshotPut]{
		header:       storageVolumeEditHeader,
		getWhenPiped: true,
		get: func() (any, string, error) {
			return v.c.GetStorageVolumeSnapshot(a.ctx, v.name, v.volType, v.vol, v.snap)
		},
		put: func(put api.StorageVolumeSnapshotPut, etag string) error {
			return v.c.UpdateStorageVolumeSnapshot(a.ctx, v.name, v.volType, v.vol, v.snap, put, etag)
		},
	})
}

func volumeGetCommand(a *app) *cobra.Command {
	return a.volumeKeys().getCommand(&cobra.Command{
		Use:   "get [<remote>:]<pool> <volume>[/<snapshot>] <key>",
		Short: "Get values for storage volume configuration keys",
	})
}

func volumeSetCommand(a *app) *cobra.Command {
	return a.volumeKeys().setCommand(&cobra.Command{
		Use:   "set [<remote>:]<pool> <volume> <key>=<value>...",
		Short: "Set storage volume configuration keys",
		Long: `Set storage volume configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc storage volume set [<remote>:]<pool> <volume> <key> <value>`,
	})
}

var errSnapshotReadOnly = errors.New("Snapshots are read-only and can't have their configuration changed")

func (a *app) volumeKeys() configKeys {
	return configKeys{a: a, objectArgs: 2, target: true, open: a.volumeConfig}
}

// volumeConfig reaches the config of a volume, or for reading of one of
// its snapshots.
func (a *app) volumeConfig(args []string, target string, toChange bool) (*configObject, error) {
	v, err := a.volumeArgs(args[0], args[1], target)
	if err != nil {
		return nil, err
	}
	if v.snap != "" && toChange {
		return nil, errSnapshotReadOnly
	}
	if v.snap != "" {
		return configOf(func() (*api.StorageVolumeSnapshot, string, error) {
			return v.c.GetStorageVolumeSnapshot(a.ctx, v.name, v.volType, v.vol, v.snap)
		}, func(s *api.StorageVolumeSnapshot) *map[string]string { return &s.Config }, nil), nil
	}
	return configOf(
		func() (*api.StorageVolume, string, error) {
			return v.c.GetStorageVolume(a.ctx, v.name, v.volType, v.vol)
		},
		func(vol *api.StorageVolume) *map[string]string { return &vol.Config },
		func(vol *api.StorageVolume, etag string) error {
			return v.c.UpdateStorageVolume(a.ctx, v.name, v.volType, v.vol, vol.StorageVolumePut, etag)
		}), nil
}

func volumeUnsetCommand(a *app) *cobra.Command {
	return a.volumeKeys().unsetCommand(&cobra.Command{
		Use:   "unset [<remote>:]<pool> <volume> <key>",
		Short: "Unset storage volume configuration keys",
	})
}

func volumeShowCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "show [<remote>:]<pool> <volume>[/<snapshot>]",
		Short: "Show storage volume configurations",
		Example: `  lxc storage volume show default data
      Will show the properties of a custom volume called "data" in the "default" pool.

  lxc storage volume show default container/data
      Will show the properties of the filesystem for a container called "data" in the "default" pool.`,
		RunE: withArgCount(2, 2, func(args []string) error {
			v, err := a.volumeArgs(args[0], args[1], target)
			if err != nil {
				return err
			}
			if v.snap != "" {
				snap, _, err := v.c.GetStorageVolumeSnapshot(a.ctx, v.name, v.volType, v.vol, v.snap)
				if err != nil {
					return err
				}
				return printYAML(a.stdout, snap)
			}
			vol, _, err := v.c.GetStorageVolume(a.ctx, v.name, v.volType, v.vol)
			if err != nil {
				return err
			}
			vol.UsedBy = sortedUsedBy(vol.UsedBy)
			return printYAML(a.stdout, vol)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func volumeRenameCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "rename [<remote>:]<pool> <old name>[/<old snapshot name>] <new name>[/<new snapshot name>]",
		Short: "Rename storage volumes and storage volume snapshots",
		Long:  "Rename storage volumes",
		RunE: withArgCount(3, 3, func(args []string) error {
			return a.volumeRename(args, target)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func (a *app) volumeRename(args []string, target string) error {
	v, err := a.volumeArgs(args[0], args[1], target)
	if err != nil {
		return err
	}
	var op *client.Operation
	oldName, newName := v.vol, args[2]
	if v.snap != "" {
		parent, newSnap, ok := strings.Cut(args[2], "/")
		if !ok || parent != v.vol {
			return errors.New("Invalid new snapshot name, parent volume must be the same as source")
		}
		oldName, newName = v.vol+"/"+v.snap, newSnap
		op, err = v.c.RenameStorageVolumeSnapshot(a.ctx, v.name, v.volType, v.vol, v.snap, newSnap)
	} else {
		op, err = v.c.RenameStorageVolume(a.ctx, v.name, v.volType, v.vol, api.StorageVolumePost{Name: args[2]})
	}
	if err == nil {
		err = a.waitOperation(v.c, op, "")
	}
	return a.reportDone(err, "Renamed storage volume from \"%s\" to \"%s\"\n", oldName, newName)
}

func volumeRestoreCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "restore [<remote>:]<pool> <volume> <snapshot>",
		Short: "Restore storage volume snapshots",
		RunE: withArgCount(3, 3, func(args []string) error {
			v, err := a.volumeArgs(args[0], args[1], target)
			if err != nil {
				return err
			}
			vol, etag, err := v.c.GetStorageVolume(a.ctx, v.name, v.volType, v.vol)
			if err != nil {
				return err
			}
			put := vol.StorageVolumePut
			put.Restore = args[2]
			return v.c.UpdateStorageVolume(a.ctx, v.name, v.volType, v.vol, put, etag)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

package main

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/units"
)

// storageCommand is `lxc storage`: pools here, volumes in storage_volume*.go.
func storageCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "storage",
		Short: "Manage storage pools and volumes",
		RunE:  groupRunE,
	}
	cmd.AddCommand(storageCreateCommand(a), storageDeleteCommand(a), storageEditCommand(a),
		storageGetCommand(a), storageInfoCommand(a), storageListCommand(a), storageSetCommand(a),
		storageShowCommand(a), storageUnsetCommand(a), storageVolumeCommand(a))
	return cmd
}

const missingPool = "Missing pool name"

func storageCreateCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "create [<remote>:]<pool> <driver> [key=value...]",
		Short: "Create storage pools",
		RunE: withArgCount(2, -1, func(args []string) error {
			r, err := a.resourceFor(args[0], "", "storage")
			if err != nil {
				return err
			}
			config, err := parseCreateConfig(args[2:])
			if err != nil {
				return err
			}
			req := api.StoragePoolsPost{Name: r.name, Driver: args[1]}
			req.Config = config
			return a.reportCreated(r.withTarget(target).CreateStoragePool(a.ctx, req), "Storage pool", r.name, target)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func storageDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<pool>",
		Aliases: []string{"rm"},
		Short:   "Delete storage pools",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			return a.reportDone(r.c.DeleteStoragePool(a.ctx, r.name), "Storage pool %s deleted\n", r.name)
		}),
	}
}

const storagePoolEditHeader = `### This is a YAML representation of a storage pool.
### Any line starting with a '#' will be ignored.
###
### A storage pool consists of a set of configuration items.
###
### An example would look like:
### name: default
### driver: zfs
### used_by: []
### config:
###   size: "61203283968"
###   source: /home/chb/mnt/lxd_test/default.img
###   zfs.pool_name: default
`

func storageEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<pool>",
		Short: "Edit storage pool configurations as YAML",
		Example: `  lxc storage edit [<remote>:]<pool> < pool.yaml
      Update a storage pool using the content of pool.yaml.`,
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			return editObject(a, objectEdit[api.StoragePoolPut]{
				header:       storagePoolEditHeader,
				getWhenPiped: true,
				get: func() (any, string, error) {
					pool, err := r.c.GetStoragePool(a.ctx, r.name)
					if err != nil {
						return nil, "", err
					}
					pool.UsedBy = sortedUsedBy(pool.UsedBy)
					return pool, "", nil
				},
				put: func(put api.StoragePoolPut, _ string) error {
					return r.c.UpdateStoragePool(a.ctx, r.name, put)
				},
			})
		}),
	}
}

func storageGetCommand(a *app) *cobra.Command {
	return a.storagePoolKeys().getCommand(&cobra.Command{
		Use:   "get [<remote>:]<pool> <key>",
		Short: "Get values for storage pool configuration keys",
	})
}

func storageInfoCommand(a *app) *cobra.Command {
	var target string
	var bytes bool
	cmd := &cobra.Command{
		Use:   "info [<remote>:]<pool>",
		Short: "Show useful information about storage pools",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			c := r.withTarget(target)
			pool, err := c.GetStoragePool(a.ctx, r.name)
			if err != nil {
				return err
			}
			if err := a.requireExtensions(c, "resources"); err != nil {
				return err
			}
			res, err := c.GetStoragePoolResources(a.ctx, r.name)
			if err != nil {
				return err
			}
			size := func(n uint64) string {
				if bytes {
					return strconv.FormatUint(n, 10)
				}
				return units.FormatByteSize(int64(n))
			}
			info := map[string]string{
				"name":        pool.Name,
				"driver":      pool.Driver,
				"description": pool.Description,
				"total space": size(res.Space.Total),
				"space used":  size(res.Space.Used),
			}
			return printYAML(a.stdout, map[string]any{"info": info, "used by": usedByGroups(pool.UsedBy)})
		}),
	}
	cmd.Flags().BoolVar(&bytes, "bytes", false, "Show the used and free space in bytes")
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func storageListCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "list [<remote>:]", Aliases: []string{"ls"}, Short: "List available storage pools"}
	return a.serverListCommand(cmd, []string{"storage"}, func(c *client.Client, _ string) (listing, error) {
		pools, err := c.GetStoragePools(a.ctx)
		if err != nil {
			return listing{}, err
		}
		clustered, err := a.isClustered(c)
		if err != nil {
			return listing{}, err
		}
		header, rows := storagePoolRows(pools, clustered)
		return listing{header, rows, pools}, nil
	})
}

// storagePoolRows builds the pool table; a cluster hides the member-local
// source and shows the pool state only.
func storagePoolRows(pools []api.StoragePool, clustered bool) ([]string, [][]string) {
	rows := [][]string{}
	for _, p := range pools {
		row := []string{p.Name, p.Driver}
		if !clustered {
			row = append(row, p.Config["source"])
		}
		row = append(row, p.Description, strconv.Itoa(len(p.UsedBy)), strings.ToUpper(p.Status))
		rows = append(rows, row)
	}
	sortRows(rows)
	header := []string{"NAME", "DRIVER"}
	if !clustered {
		header = append(header, "SOURCE")
	}
	return append(header, "DESCRIPTION", "USED BY", "STATE"), rows
}

// isClustered asks the server whether it is a cluster member.
func (a *app) isClustered(c *client.Client) (bool, error) {
	srv, _, err := c.GetServer(a.ctx)
	if err != nil {
		return false, err
	}
	return srv.Environment.ServerClustered, nil
}

func storageSetCommand(a *app) *cobra.Command {
	return a.storagePoolKeys().setCommand(&cobra.Command{
		Use:   "set [<remote>:]<pool> <key> <value>",
		Short: "Set storage pool configuration keys",
		Long: `Set storage pool configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc storage set [<remote>:]<pool> <key> <value>`,
	})
}

func (a *app) storagePoolKeys() configKeys {
	return configKeys{a: a, objectArgs: 1, target: true, open: a.storagePoolConfig}
}

// storagePoolConfig reaches a pool's config; pools are written without an
// ETag, as LXD's client does.
func (a *app) storagePoolConfig(args []string, target string, _ bool) (*configObject, error) {
	r, err := a.resourceFor(args[0], missingPool, "storage")
	if err != nil {
		return nil, err
	}
	c := r.withTarget(target)
	return configOf(
		func() (*api.StoragePool, string, error) {
			pool, err := c.GetStoragePool(a.ctx, r.name)
			return pool, "", err
		},
		func(pool *api.StoragePool) *map[string]string { return &pool.Config },
		func(pool *api.StoragePool, _ string) error {
			return c.UpdateStoragePool(a.ctx, r.name, pool.StoragePoolPut)
		}), nil
}

func storageShowCommand(a *app) *cobra.Command {
	var target string
	var resources bool
	cmd := &cobra.Command{
		Use:   "show [<remote>:]<pool>",
		Short: "Show storage pool configurations and resources",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			c := r.withTarget(target)
			if resources {
				if err := a.requireExtensions(c, "resources"); err != nil {
					return err
				}
				res, err := c.GetStoragePoolResources(a.ctx, r.name)
				if err != nil {
					return err
				}
				return printYAML(a.stdout, res)
			}
			pool, err := c.GetStoragePool(a.ctx, r.name)
			if err != nil {
				return err
			}
			pool.UsedBy = sortedUsedBy(pool.UsedBy)
			return printYAML(a.stdout, pool)
		}),
	}
	cmd.Flags().BoolVar(&resources, "resources", false, "Show the resources available to the storage pool")
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func storageUnsetCommand(a *app) *cobra.Command {
	return a.storagePoolKeys().unsetCommand(&cobra.Command{
		Use:   "unset [<remote>:]<pool> <key>",
		Short: "Unset storage pool configuration keys",
	})
}

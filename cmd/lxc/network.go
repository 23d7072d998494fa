package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// networkCommand is `lxc network`; attach/detach are in network_attach.go,
// info and leases in network_info.go.
func networkCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Manage and attach instances to networks",
		RunE:  groupRunE,
	}
	cmd.AddCommand(networkAttachCommand(a), networkAttachProfileCommand(a), networkCreateCommand(a),
		networkDeleteCommand(a), networkDetachCommand(a), networkDetachProfileCommand(a), networkEditCommand(a),
		networkGetCommand(a), networkInfoCommand(a), networkListCommand(a), networkListLeasesCommand(a),
		networkRenameCommand(a), networkSetCommand(a), networkShowCommand(a), networkUnsetCommand(a))
	return cmd
}

const missingNetwork = "Missing network name"

func networkCreateCommand(a *app) *cobra.Command {
	var target, netType string
	cmd := &cobra.Command{
		Use:   "create [<remote>:]<network> [key=value...]",
		Short: "Create new networks",
		RunE: withArgCount(1, -1, func(args []string) error {
			r, err := a.resourceFor(args[0], "", "network")
			if err != nil {
				return err
			}
			config, err := parsePairs(args[1:], "Bad key/value pair: %s")
			if err != nil {
				return err
			}
			req := api.NetworksPost{Name: r.name, Type: netType}
			req.Config = config
			return a.reportCreated(r.withTarget(target).CreateNetwork(a.ctx, req), "Network", r.name, target)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	cmd.Flags().StringVarP(&netType, "type", "t", "", "Network type``")
	return cmd
}

func networkDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<network>",
		Aliases: []string{"rm"},
		Short:   "Delete networks",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingNetwork, "network")
			if err != nil {
				return err
			}
			return a.reportDone(r.c.DeleteNetwork(a.ctx, r.name), "Network %s deleted\n", r.name)
		}),
	}
}

const networkEditHeader = `### This is a YAML representation of the network.
### Any line starting with a '# will be ignored.
###
### A network consists of a set of configuration items.
###
### An example would look like:
### name: lxdbr0
### config:
###   ipv4.address: 10.62.42.1/24
###   ipv4.nat: true
###   ipv6.address: fd00:56ad:9f7a:9800::1/64
###   ipv6.nat: true
### managed: true
### type: bridge
###
### Note that only the configuration can be changed.
`

func networkEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<network>",
		Short: "Edit network configurations as YAML",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingNetwork, "network")
			if err != nil {
				return err
			}
			return editObject(a, objectEdit[api.NetworkPut]{
				header: networkEditHeader,
				get: func() (any, string, error) {
					n, etag, err := r.c.GetNetwork(a.ctx, r.name)
					if err != nil {
						return nil, "", err
					}
					if !n.Managed {
						return nil, "", errUnmanagedNetwork
					}
					n.UsedBy = sortedUsedBy(n.UsedBy)
					return n, etag, nil
				},
				put: func(put api.NetworkPut, etag string) error {
					return r.c.UpdateNetwork(a.ctx, r.name, put, etag)
				},
			})
		}),
	}
}

var errUnmanagedNetwork = errors.New("Only managed networks can be modified")

func networkGetCommand(a *app) *cobra.Command {
	return a.networkKeys().getCommand(&cobra.Command{
		Use:   "get [<remote>:]<network> <key>",
		Short: "Get values for network configuration keys",
	})
}

func networkListCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "list [<remote>:]", Aliases: []string{"ls"}, Short: "List available networks"}
	return a.serverListCommand(cmd, []string{"network"}, func(c *client.Client, _ string) (listing, error) {
		networks, err := c.GetNetworks(a.ctx)
		if err != nil {
			return listing{}, err
		}
		header, rows := networkRows(networks)
		return listing{header, rows, networks}, nil
	})
}

// networkRows is the network table; loopback and unknown interfaces are
// only in the raw formats.
func networkRows(networks []api.Network) ([]string, [][]string) {
	rows := [][]string{}
	for _, n := range networks {
		if n.Type == "loopback" || n.Type == "unknown" {
			continue
		}
		managed := "NO"
		if n.Managed {
			managed = "YES"
		}
		rows = append(rows, []string{n.Name, n.Type, managed, n.Config["ipv4.address"], n.Config["ipv6.address"],
			n.Description, strconv.Itoa(len(n.UsedBy)), strings.ToUpper(n.Status)})
	}
	sortRows(rows)
	return []string{"NAME", "TYPE", "MANAGED", "IPV4", "IPV6", "DESCRIPTION", "USED BY", "STATE"}, rows
}

func networkRenameCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rename [<remote>:]<network> <new-name>",
		Aliases: []string{"mv"},
		Short:   "Rename networks",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceFor(args[0], missingNetwork, "network")
			if err != nil {
				return err
			}
			return a.reportDone(r.c.RenameNetwork(a.ctx, r.name, args[1]), "Network %s renamed to %s\n", r.name, args[1])
		}),
	}
}

func networkSetCommand(a *app) *cobra.Command {
	return a.networkKeys().setCommand(&cobra.Command{
		Use:   "set [<remote>:]<network> <key>=<value>...",
		Short: "Set network configuration keys",
		Long: `Set network configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc network set [<remote>:]<network> <key> <value>`,
	})
}

func (a *app) networkKeys() configKeys {
	return configKeys{a: a, objectArgs: 1, target: true, open: a.networkConfig}
}

// networkConfig reaches a network's config. To change it, the network is
// fetched first, as LXD does: only managed networks can change, and that
// is checked before the keys are read.
func (a *app) networkConfig(args []string, target string, toChange bool) (*configObject, error) {
	r, err := a.resourceFor(args[0], missingNetwork, "network")
	if err != nil {
		return nil, err
	}
	c := r.withTarget(target)
	get := func() (*api.Network, string, error) { return c.GetNetwork(a.ctx, r.name) }
	if toChange {
		n, etag, err := get()
		if err != nil {
			return nil, err
		}
		if !n.Managed {
			return nil, errUnmanagedNetwork
		}
		get = func() (*api.Network, string, error) { return n, etag, nil }
	}
	return configOf(get, func(n *api.Network) *map[string]string { return &n.Config },
		func(n *api.Network, etag string) error { return c.UpdateNetwork(a.ctx, r.name, n.Writable(), etag) }), nil
}

func networkShowCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "show [<remote>:]<network>",
		Short: "Show network configurations",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingNetwork, "network")
			if err != nil {
				return err
			}
			n, _, err := r.withTarget(target).GetNetwork(a.ctx, r.name)
			if err != nil {
				return err
			}
			n.UsedBy = sortedUsedBy(n.UsedBy)
			return printYAML(a.stdout, n)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func networkUnsetCommand(a *app) *cobra.Command {
	return a.networkKeys().unsetCommand(&cobra.Command{
		Use:   "unset [<remote>:]<network> <key>",
		Short: "Unset network configuration keys",
	})
}

package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/lxdng/lxd/shared/client"

	"github.com/spf13/cobra"
)

func infoCommand(a *app) *cobra.Command {
	var resources, showLog bool
	var target string
	cmd := &cobra.Command{
		Use:   "info [<remote>:][<instance>]",
		Short: "Show instance or server information",
		Example: `  lxc info [<remote>:]<instance> [--show-log]
      For instance information.

  lxc info [<remote>:] [--resources]
      For LXD server information.`,
		RunE: withArgCount(0, 1, func(args []string) error {
			remote, name := a.conf.DefaultRemote, ""
			if len(args) == 1 {
				var err error
				if remote, name, err = a.parseRemote(args[0]); err != nil {
					return err
				}
			}
			if target != "" && name != "" {
				return errTargetWithInstance
			}
			c, err := a.connect(remote)
			if err != nil {
				return err
			}
			if name != "" {
				if target != "" {
					return errors.New("--target cannot be used with instances")
				}
				return infoInstance(a, c, name, showLog)
			}
			if target != "" {
				clustered, err := a.isClustered(c)
				if err != nil {
					return err
				}
				if !clustered {
					return errors.New("To use --target, the destination remote must be a cluster")
				}
				c = c.WithTarget(target)
			}
			if resources {
				if !hasExtension(a, c, "resources_v2") {
					return errors.New("The server doesn't implement the newer v2 resources API")
				}
				res, err := c.GetServerResources(a.ctx)
				if err != nil {
					return err
				}
				printResources(a.stdout, res)
				return nil
			}
			srv, _, err := c.GetServer(a.ctx)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, srv)
		}),
	}
	cmd.Flags().BoolVar(&showLog, "show-log", false, "Show the instance's last 100 log lines?")
	cmd.Flags().BoolVar(&resources, "resources", false, "Show the resources available to the server")
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func versionCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version [<remote>:]",
		Short: "Show local and remote versions",
		RunE: withArgCount(0, 1, func(args []string) error {
			fmt.Fprintf(a.stdout, "Client version: %s\n", clientVersion)
			version := "unreachable"
			if c, _, err := a.connectServerArg(args); err == nil {
				if srv, _, err := c.GetServer(a.ctx); err == nil {
					version = srv.Environment.ServerVersion
				}
			}
			fmt.Fprintf(a.stdout, "Server version: %s\n", version)
			return nil
		}),
	}
}

// hasExtension reports whether the server announces an API extension.
func hasExtension(a *app, c *client.Client, name string) bool {
	srv, _, err := c.GetServer(a.ctx)
	return err == nil && slices.Contains(srv.APIExtensions, name)
}

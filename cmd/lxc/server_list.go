package main

import (
	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/client"
)

// listing is what a list command prints: its table, and the API objects
// the json and yaml formats print instead.
type listing struct {
	header []string
	rows   [][]string
	raw    any
}

// serverListCommand fills cmd into a `list [<remote>:]` command with
// -f/--format (profiles, projects, networks, pools, operations, trust):
// fetch GETs the objects of the remote, which needs the API extensions
// given, and tabulates them.
func (a *app) serverListCommand(cmd *cobra.Command, extensions []string, fetch func(c *client.Client, remote string) (listing, error)) *cobra.Command {
	var format string
	cmd.RunE = withArgCount(0, 1, func(args []string) error {
		c, remote, err := a.connectServerArg(args, extensions...)
		if err != nil {
			return err
		}
		l, err := fetch(c, remote)
		if err != nil {
			return err
		}
		return renderTable(a.stdout, format, l.header, l.rows, l.raw)
	})
	formatFlag(cmd, &format)
	return cmd
}

// connectServerArg connects to the remote of a "[<remote>:]" argument (the
// default remote without one) and checks the API extensions the command
// needs.
func (a *app) connectServerArg(args []string, extensions ...string) (*client.Client, string, error) {
	remote, err := a.parseServerArg(args)
	if err != nil {
		return nil, "", err
	}
	c, err := a.connect(remote)
	if err != nil {
		return nil, "", err
	}
	if len(extensions) > 0 {
		if err := a.requireExtensions(c, extensions...); err != nil {
			return nil, "", err
		}
	}
	return c, remote, nil
}

// formatFlag adds the -f/--format flag of list commands.
func formatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVarP(format, "format", "f", formatTable, formatFlagHelp+"``")
}

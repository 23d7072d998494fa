package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
)

// imageAliasCommand is `lxc image alias`.
func imageAliasCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alias",
		Short: "Manage image aliases",
		RunE:  groupRunE,
	}
	cmd.AddCommand(imageAliasCreateCommand(a), imageAliasDeleteCommand(a), imageAliasListCommand(a),
		imageAliasRenameCommand(a))
	return cmd
}

func imageAliasCreateCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "create [<remote>:]<alias> <fingerprint>",
		Short: "Create aliases for existing images",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceArg(args[0], "Alias name missing")
			if err != nil {
				return err
			}
			req := api.ImageAliasesPost{}
			req.Name, req.Target = r.name, args[1]
			return r.c.CreateImageAlias(a.ctx, req)
		}),
	}
}

func imageAliasDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<alias>",
		Aliases: []string{"rm"},
		Short:   "Delete image aliases",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], "Alias name missing")
			if err != nil {
				return err
			}
			return r.c.DeleteImageAlias(a.ctx, r.name)
		}),
	}
}

func imageAliasListCommand(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "list [<remote>:] [<filters>...]",
		Aliases: []string{"ls"},
		Short:   "List image aliases",
		Long: `List image aliases

Filters may be part of the image hash or part of the image alias name.`,
		RunE: withArgCount(0, -1, func(args []string) error {
			remote, filters, err := a.imageFilterArgs(args)
			if err != nil {
				return err
			}
			c, err := a.connect(remote)
			if err != nil {
				return err
			}
			aliases, err := c.GetImageAliases(a.ctx)
			if err != nil {
				return err
			}
			header, rows := aliasRows(aliases, filters)
			return renderTable(a.stdout, format, header, rows, aliases)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}

// aliasMatches is true when any filter is part of the alias name or target.
func aliasMatches(alias api.ImageAliasesEntry, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if strings.Contains(alias.Name, f) || strings.Contains(alias.Target, f) {
			return true
		}
	}
	return false
}

func imageAliasRenameCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rename [<remote>:]<alias> <new-name>",
		Aliases: []string{"mv"},
		Short:   "Rename aliases",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceArg(args[0], "Alias name missing")
			if err != nil {
				return err
			}
			return r.c.RenameImageAlias(a.ctx, r.name, args[1])
		}),
	}
}

// aliasRows is the alias table (the raw formats show every alias).
func aliasRows(aliases []api.ImageAliasesEntry, filters []string) ([]string, [][]string) {
	rows := [][]string{}
	for _, alias := range aliases {
		if !aliasMatches(alias, filters) {
			continue
		}
		rows = append(rows, []string{alias.Name, shortFingerprint(alias.Target),
			strings.ToUpper(orDefault(alias.Type, api.ImageTypeContainer)), alias.Description})
	}
	sortRows(rows)
	return []string{"ALIAS", "FINGERPRINT", "TYPE", "DESCRIPTION"}, rows
}

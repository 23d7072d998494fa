package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// operationCommand is `lxc operation`: background operations.
func operationCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "operation",
		Short: "List, show and delete background operations",
		RunE:  groupRunE,
	}
	cmd.AddCommand(operationDeleteCommand(a), operationListCommand(a), operationShowCommand(a))
	return cmd
}

func operationListCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "list [<remote>:]", Aliases: []string{"ls"}, Short: "List background operations"}
	return a.serverListCommand(cmd, nil, func(c *client.Client, _ string) (listing, error) {
		byStatus, err := c.GetOperations(a.ctx, false)
		if err != nil {
			return listing{}, err
		}
		ops := []api.Operation{}
		for _, list := range byStatus {
			ops = append(ops, list...)
		}
		header, rows := operationRows(ops)
		return listing{header, rows, ops}, nil
	})
}

// operationRows is the operation table; a cluster adds the member.
func operationRows(ops []api.Operation) ([]string, [][]string) {
	clustered := false
	for _, op := range ops {
		if op.Location != "" && op.Location != "none" {
			clustered = true
		}
	}
	header := []string{"ID", "TYPE", "DESCRIPTION", "STATUS", "CANCELABLE", "CREATED"}
	if clustered {
		header = append(header, "LOCATION")
	}
	rows := [][]string{}
	for _, op := range ops {
		row := []string{op.ID, strings.ToUpper(op.Class), op.Description, strings.ToUpper(op.Status),
			yesNo(op.MayCancel), op.CreatedAt.UTC().Format("2006/01/02 15:04 UTC")}
		if clustered {
			row = append(row, op.Location)
		}
		rows = append(rows, row)
	}
	sortRows(rows)
	return header, rows
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

// missingOperation is LXD's error for "[<remote>:]" without an operation.
const missingOperation = "Missing operation ID"

func operationShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<operation>",
		Short: "Show details on a background operation",
		Example: `  lxc operation show 344a79e4-d88a-45bf-9c39-c72c26f6ab8a
      Show details on that operation UUID`,
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingOperation)
			if err != nil {
				return err
			}
			op, err := r.c.OperationByID(a.ctx, r.name)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, &op.Operation)
		}),
	}
}

func operationDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<operation>",
		Aliases: []string{"cancel", "rm"},
		Short:   "Delete a background operation (will attempt to cancel)",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingOperation)
			if err != nil {
				return err
			}
			_, _, err = r.c.Query(a.ctx, "DELETE", "/1.0/operations/"+r.name, nil, "")
			return a.reportDone(err, "Operation %s deleted\n", r.name)
		}),
	}
}

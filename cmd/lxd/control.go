package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/daemon"
)

func waitreadyCmd() *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "waitready",
		Short: "Wait for LXD to be ready to process requests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return waitReady(time.Duration(timeout) * time.Second)
		},
	}
	cmd.Flags().IntVarP(&timeout, "timeout", "t", 0, "Number of seconds to wait before giving up")
	return cmd
}

// waitReady polls /internal/ready; timeout 0 waits forever.
func waitReady(timeout time.Duration) error {
	err := pollUntil(timeout, func() error {
		c, err := connectLocal()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _, err = c.Query(ctx, http.MethodGet, "/internal/ready", nil, "")
		return err
	})
	if err != nil {
		return fmt.Errorf("LXD still not running after %s timeout (%v)", timeout, err)
	}
	return nil
}

// pollUntil calls check every 100ms until it returns nil; with a timeout
// (0: none) it gives up after that long with check's last error.
func pollUntil(timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if timeout > 0 && time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func shutdownCmd() *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "shutdown",
		Short: "Tell LXD to shut down all instances and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := connectLocal()
			if err != nil {
				return err
			}
			if _, _, err := c.Query(context.Background(), http.MethodPut, "/internal/shutdown", nil, ""); err != nil {
				return err
			}
			return waitGone(time.Duration(timeout) * time.Second)
		},
	}
	cmd.Flags().IntVarP(&timeout, "timeout", "t", 0, "Number of seconds to wait before giving up")
	return cmd
}

// waitGone waits until the daemon no longer answers on its socket.
func waitGone(timeout time.Duration) error {
	return pollUntil(timeout, func() error {
		conn, err := net.DialTimeout("unix", socketPath(), time.Second)
		if err != nil {
			return nil
		}
		conn.Close()
		return fmt.Errorf("LXD still running after %s timeout", timeout)
	})
}

func sqlCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "sql <local|global> <query>",
		Short: "Execute a SQL query against the LXD database",
		Long: "Runs a query against the cluster-wide (global) database. There is no member-local\n" +
			"SQL database: member-local settings live in $LXD_DIR/daemon.yaml.\n" +
			"Use - as query to read it from standard input.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			query := args[1]
			if query == "-" {
				data, err := io.ReadAll(os.Stdin)
				if err != nil {
					return err
				}
				query = string(data)
			}
			return runSQL(args[0], query, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "Format (table|json)")
	return cmd
}

func runSQL(database, query, format string) error {
	c, err := connectLocal()
	if err != nil {
		return err
	}
	resp, _, err := c.Query(context.Background(), http.MethodPost, "/internal/sql", map[string]string{"database": database, "query": query}, "")
	if err != nil {
		return err
	}
	var batch daemon.SQLBatch
	if err := json.Unmarshal(resp.Metadata, &batch); err != nil {
		return err
	}
	if format == "json" {
		out, _ := json.MarshalIndent(batch, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	for i, res := range batch.Results {
		if len(batch.Results) > 1 {
			fmt.Printf("=> Query %d:\n\n", i)
		}
		if res.Type == "exec" {
			fmt.Printf("Rows affected: %d\n", res.RowsAffected)
			continue
		}
		printTable(res.Columns, res.Rows)
	}
	return nil
}

func printTable(cols []string, rows [][]any) {
	cells := make([][]string, len(rows))
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = len(c)
	}
	for r, row := range rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			cells[r][i] = fmt.Sprint(v)
			if v == nil {
				cells[r][i] = "NULL"
			}
			if i < len(widths) && len(cells[r][i]) > widths[i] {
				widths[i] = len(cells[r][i])
			}
		}
	}
	sepLine := "+"
	for _, w := range widths {
		sepLine += strings.Repeat("-", w+2) + "+"
	}
	line := func(vals []string) string {
		out := "|"
		for i, v := range vals {
			out += " " + v + strings.Repeat(" ", widths[i]-len(v)) + " |"
		}
		return out
	}
	fmt.Println(sepLine)
	fmt.Println(line(cols))
	fmt.Println(sepLine)
	for _, row := range cells {
		fmt.Println(line(row))
	}
	fmt.Println(sepLine)
}

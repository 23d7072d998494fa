package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/client"
)

// callhookCmd is what the container runtime runs on a container's
// post-stop hook: `lxd callhook <LXD_DIR> <project> <name> stop`. It tells
// the daemon (which may be down: then nothing happens) and never fails, so
// the runtime always finishes stopping the container.
func callhookCmd() *cobra.Command {
	return &cobra.Command{
		Use:  "callhook <dir> <project> <name> <hook>",
		Args: cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, project, name, hook := args[0], args[1], args[2], args[3]
			if hook != "stop" {
				return nil
			}
			c, err := client.ConnectUnix(filepath.Join(dir, "unix.socket"), &client.Options{Timeout: 5 * time.Second})
			if err != nil {
				return nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			path := "/internal/containers/" + url.PathEscape(project) + "/" + url.PathEscape(name) +
				"/onstop?target=" + url.QueryEscape(os.Getenv("LXC_TARGET"))
			_, _, _ = c.Query(ctx, http.MethodGet, path, nil, "")
			return nil
		},
	}
}

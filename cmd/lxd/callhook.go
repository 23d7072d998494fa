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

// callhookCmd is what the container runtime runs on a container's hooks:
// `lxd callhook <LXD_DIR> <project> <name> stop` after it stopped, and
// `... stopns` when its init died but its namespaces are still there
// (liblxc passes the network namespace in LXC_NET_NS, a path valid while
// the hook runs, so the daemon does its work before answering). It tells
// the daemon (which may be down: then nothing happens) and never fails, so
// the runtime always finishes stopping the container.
func callhookCmd() *cobra.Command {
	return &cobra.Command{
		Use:  "callhook <dir> <project> <name> <hook>",
		Args: cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, project, name, hook := args[0], args[1], args[2], args[3]
			base := "/internal/containers/" + url.PathEscape(project) + "/" + url.PathEscape(name)
			var path string
			switch hook {
			case "stop":
				path = base + "/onstop?target=" + url.QueryEscape(os.Getenv("LXC_TARGET"))
			case "stopns":
				netns := os.Getenv("LXC_NET_NS")
				if netns == "" {
					return nil
				}
				path = base + "/onstopns?netns=" + url.QueryEscape(netns)
			default:
				return nil
			}
			c, err := client.ConnectUnix(filepath.Join(dir, "unix.socket"), &client.Options{Timeout: 10 * time.Second})
			if err != nil {
				return nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _, _ = c.Query(ctx, http.MethodGet, path, nil, "")
			return nil
		},
	}
}

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// configCommand is `lxc config`: server configuration here; the instance
// forms are in instance_config.go; trust is in trust.go.
func configCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Manage instance and server configuration options",
		RunE:  groupRunE,
	}
	cmd.AddCommand(configGetCommand(a), configSetCommand(a), configUnsetCommand(a),
		configShowCommand(a), configEditCommand(a), trustCommand(a), configDeviceCommand(a),
		configMetadataCommand(a), configTemplateCommand(a))
	return cmd
}

// configTarget connects to the remote of "[<remote>:][<instance>]" and
// returns the instance name ("" for the server).
func (a *app) configTarget(arg, target string) (*client.Client, string, error) {
	remote, name, err := a.conf.DefaultRemote, "", error(nil)
	if arg != "" {
		if remote, name, err = a.parseRemote(arg); err != nil {
			return nil, "", err
		}
	}
	if target != "" && name != "" {
		return nil, "", errTargetWithInstance
	}
	c, err := a.connect(remote)
	if err != nil {
		return nil, "", err
	}
	if target != "" {
		c = c.WithTarget(target)
	}
	return c, name, nil
}

func configGetCommand(a *app) *cobra.Command {
	var expanded bool
	var target string
	cmd := &cobra.Command{
		Use:   "get [<remote>:][<instance>] <key>",
		Short: "Get values for instance or server configuration keys",
		RunE: withArgCount(1, 2, func(args []string) error {
			c, name, err := a.configTarget(firstIf(args, 2), target)
			if err != nil {
				return err
			}
			key := args[len(args)-1]
			if name != "" {
				return instanceConfigGet(a, c, name, key, expanded)
			}
			srv, _, err := c.GetServer(a.ctx)
			if err != nil {
				return err
			}
			value := srv.Config[key]
			if value == nil {
				value = ""
			}
			fmt.Fprintln(a.stdout, value)
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&expanded, "expanded", "e", false, "Access the expanded configuration")
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

// firstIf returns args[0] when there are n arguments (the optional
// leading "[<remote>:][<instance>]"), else "".
func firstIf(args []string, n int) string {
	if len(args) == n {
		return args[0]
	}
	return ""
}

func configSetCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "set [<remote>:][<instance>] <key>=<value>...",
		Short: "Set instance or server configuration keys",
		Long: `Set instance or server configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc config set [<remote>:][<instance>] <key> <value>`,
		Example: `  lxc config set [<remote>:]<instance> limits.cpu=2
      Will set a CPU limit of "2" for the instance.

  lxc config set core.https_address=[::]:8443
      Will have LXD listen on IPv4 and IPv6 port 8443.

  lxc config set core.trust_password=blah
      Will set the server's trust password to blah.`,
		RunE: withArgCount(1, -1, func(args []string) error {
			return a.configSet(args, target)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

// configSet implements `config set` and `config unset` (which sets "").
func (a *app) configSet(args []string, target string) error {
	scope, args := splitConfigScope(args)
	keys, err := parseKeyValues(args, a.stdin)
	if err != nil {
		return err
	}
	c, name, err := a.configTarget(scope, target)
	if err != nil {
		return err
	}
	if name != "" {
		return instanceConfigSet(a, c, name, keys)
	}
	srv, etag, err := c.GetServer(a.ctx)
	if err != nil {
		return err
	}
	if srv.Config == nil {
		srv.Config = map[string]any{}
	}
	for k, v := range keys {
		srv.Config[k] = v
	}
	return c.UpdateServer(a.ctx, srv.ServerPut, etag)
}

// splitConfigScope finds the optional "[<remote>:][<instance>]" before the
// keys. Config keys always contain a dot and instance names never do, which
// resolves "c1 limits.cpu=2" against "user.x a=b" as LXD does.
func splitConfigScope(args []string) (string, []string) {
	first := args[0]
	if strings.Contains(first, "=") {
		return "", args
	}
	if strings.HasSuffix(first, ":") {
		return first, args[1:]
	}
	key := first
	if _, after, ok := strings.Cut(first, ":"); ok {
		key = after
	}
	isKey := strings.Contains(key, ".")
	switch {
	case len(args) == 1 && isKey:
		return "", args
	case len(args) == 2 && (isKey || !strings.Contains(args[1], "=")):
		return "", args
	}
	return first, args[1:]
}

// parseKeyValues reads "<key> <value>" or "k=v..." arguments; a value of
// "-" is read from stdin.
func parseKeyValues(args []string, stdin io.Reader) (map[string]string, error) {
	readValue := func(v string) (string, error) {
		if v != "-" || stdin == nil {
			return v, nil
		}
		data, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("Can't read from stdin: %w", err)
		}
		return string(data), nil
	}
	if len(args) == 2 && !strings.Contains(args[0], "=") {
		v, err := readValue(args[1])
		return map[string]string{args[0]: v}, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("Invalid number of arguments")
	}
	out := map[string]string{}
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("Invalid key=value configuration: %s", arg)
		}
		var err error
		if out[k], err = readValue(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func configUnsetCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "unset [<remote>:][<instance>] <key>",
		Short: "Unset instance or server configuration keys",
		RunE: withArgCount(1, 2, func(args []string) error {
			if len(args) == 2 {
				_, name, err := a.parseRemote(args[0])
				if err != nil {
					return err
				}
				if name != "" {
					c, name, err := a.configTarget(args[0], target)
					if err != nil {
						return err
					}
					return instanceConfigUnset(a, c, name, args[1])
				}
				return a.configSet([]string{args[0], args[1], ""}, target)
			}
			return a.configSet([]string{args[0], ""}, target)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func configShowCommand(a *app) *cobra.Command {
	var expanded bool
	var target string
	cmd := &cobra.Command{
		Use:   "show [<remote>:][<instance>[/<snapshot>]]",
		Short: "Show instance or server configurations",
		RunE: withArgCount(0, 1, func(args []string) error {
			c, name, err := a.configTarget(firstIf(args, 1), target)
			if err != nil {
				return err
			}
			if name != "" {
				return instanceConfigShow(a, c, name, expanded)
			}
			srv, _, err := c.GetServer(a.ctx)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, &srv.ServerPut)
		}),
	}
	cmd.Flags().BoolVarP(&expanded, "expanded", "e", false, "Show the expanded configuration")
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

const serverEditHeader = `### This is a YAML representation of the server configuration.
### Any line starting with a '# will be ignored.
###
### A sample configuration looks like:
### config:
###   core.https_address: 127.0.0.1:8443
###   images.auto_update_interval: "6"
`

func configEditCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "edit [<remote>:][<instance>[/<snapshot>]]",
		Short: "Edit instance or server configurations as YAML",
		Example: `  lxc config edit <instance> < instance.yaml
      Update the instance configuration from config.yaml.`,
		RunE: withArgCount(0, 1, func(args []string) error {
			c, name, err := a.configTarget(firstIf(args, 1), target)
			if err != nil {
				return err
			}
			if name != "" {
				return instanceConfigEdit(a, c, name)
			}
			return a.editServerConfig(c)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func (a *app) editServerConfig(c *client.Client) error {
	return editObject(a, objectEdit[api.ServerPut]{
		header: serverEditHeader,
		// Like LXD: YAML piped in replaces the config unconditionally.
		getWhenPiped: true,
		get: func() (any, string, error) {
			srv, etag, err := c.GetServer(a.ctx)
			if err != nil {
				return nil, "", err
			}
			return &srv.ServerPut, etag, nil
		},
		put: func(put api.ServerPut, etag string) error {
			put.Config = stringifyValues(put.Config)
			return c.UpdateServer(a.ctx, put, etag)
		},
	})
}

// stringifyValues turns YAML scalars (5, true) back into the strings the
// API expects for config values.
func stringifyValues(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// remoteCommand is `lxc remote`: the remotes of config.yml. `add` lives in
// remote_add.go.
func remoteCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remote",
		Short: "Manage the list of remote servers",
		RunE:  groupRunE,
	}
	cmd.AddCommand(remoteAddCommand(a), remoteGetDefaultCommand(a), remoteListCommand(a),
		remoteRemoveCommand(a), remoteRenameCommand(a), remoteSetURLCommand(a), remoteSwitchCommand(a))
	return cmd
}

func remoteListCommand(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the available remotes",
		RunE: withArgCount(0, 0, func(args []string) error {
			header := []string{"NAME", "URL", "PROTOCOL", "AUTH TYPE", "PUBLIC", "STATIC", "GLOBAL"}
			return renderTable(a.stdout, format, header, remoteRows(a.conf), a.conf.Remotes)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}

// remoteRows renders the remotes with LXD's defaults for the protocol and
// authentication columns.
func remoteRows(conf *Config) [][]string {
	rows := [][]string{}
	for name, r := range conf.Remotes {
		protocol := r.Protocol
		if protocol == "" {
			protocol = "lxd"
		}
		auth := r.AuthType
		if auth == "" {
			switch {
			case strings.HasPrefix(r.Addr, "unix:"):
				auth = "file access"
			case protocol == "simplestreams":
				auth = "none"
			default:
				auth = "tls"
			}
		}
		if name == conf.DefaultRemote {
			name += " (current)"
		}
		rows = append(rows, []string{name, r.Addr, protocol, auth, yesNo(r.Public), yesNo(r.Static), yesNo(r.Global)})
	}
	sortRows(rows)
	return rows
}

// remoteExisting returns the named remote or LXD's error.
func (a *app) remoteExisting(name string) (Remote, error) {
	r, ok := a.conf.Remotes[name]
	if !ok {
		return r, fmt.Errorf("Remote %s doesn't exist", name)
	}
	return r, nil
}

// remoteModifiable returns a remote the user may change.
func (a *app) remoteModifiable(name string) (Remote, error) {
	r, err := a.remoteExisting(name)
	if err != nil {
		return r, err
	}
	if r.Static {
		return r, fmt.Errorf("Remote %s is static and cannot be modified", name)
	}
	if r.Global {
		return r, fmt.Errorf("Remote %s is global and cannot be removed", name)
	}
	return r, nil
}

func remoteRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "remove <remote>",
		Aliases: []string{"rm"},
		Short:   "Remove remotes",
		RunE: withArgCount(1, 1, func(args []string) error {
			name := args[0]
			if _, err := a.remoteModifiable(name); err != nil {
				return err
			}
			if a.conf.DefaultRemote == name {
				return fmt.Errorf("Can't remove the default remote")
			}
			delete(a.conf.Remotes, name)
			_ = os.Remove(a.conf.ServerCertPath(name))
			return a.conf.Save()
		}),
	}
}

func remoteRenameCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rename <remote> <new-name>",
		Aliases: []string{"mv"},
		Short:   "Rename remotes",
		RunE: withArgCount(2, 2, func(args []string) error {
			oldName, newName := args[0], args[1]
			r, err := a.remoteModifiable(oldName)
			if err != nil {
				return err
			}
			if _, exists := a.conf.Remotes[newName]; exists {
				return fmt.Errorf("Remote %s already exists", newName)
			}
			if strings.Contains(newName, ":") || newName == "" {
				return fmt.Errorf("Remote names may not contain colons")
			}
			oldCert, newCert := a.conf.ServerCertPath(oldName), a.conf.ServerCertPath(newName)
			if _, err := os.Stat(oldCert); err == nil {
				if err := os.Rename(oldCert, newCert); err != nil {
					return fmt.Errorf("Could not rename the server certificate: %w", err)
				}
			}
			a.conf.Remotes[newName] = r
			delete(a.conf.Remotes, oldName)
			if a.conf.DefaultRemote == oldName {
				a.conf.DefaultRemote = newName
			}
			return a.conf.Save()
		}),
	}
}

func remoteSwitchCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "switch <remote>",
		Aliases: []string{"set-default"},
		Short:   "Switch the default remote",
		RunE: withArgCount(1, 1, func(args []string) error {
			if _, err := a.remoteExisting(args[0]); err != nil {
				return err
			}
			a.conf.DefaultRemote = args[0]
			return a.conf.Save()
		}),
	}
}

func remoteGetDefaultCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "get-default",
		Short: "Show the default remote",
		RunE: withArgCount(0, 0, func(args []string) error {
			fmt.Fprintln(a.stdout, a.conf.DefaultRemote)
			return nil
		}),
	}
}

func remoteSetURLCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "set-url <remote> <URL>",
		Short: "Set the URL for the remote",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.remoteModifiable(args[0])
			if err != nil {
				return err
			}
			r.Addr = args[1]
			a.conf.Remotes[args[0]] = r
			return a.conf.Save()
		}),
	}
}

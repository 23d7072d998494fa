package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
)

// profileDeviceCommand is `lxc profile device`: each sub-command edits the
// devices map of the profile with a GET then a PUT carrying the ETag.
func profileDeviceCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device",
		Short: "Manage devices",
		RunE:  groupRunE,
	}
	cmd.AddCommand(profileDeviceAddCommand(a), profileDeviceGetCommand(a), profileDeviceListCommand(a),
		profileDeviceRemoveCommand(a), profileDeviceSetCommand(a), profileDeviceShowCommand(a),
		profileDeviceUnsetCommand(a))
	return cmd
}

var errNoDevice = errors.New("Device doesn't exist")

// editProfile applies fn to a profile and saves it with its ETag.
func (a *app) editProfile(r *resource, fn func(p *api.Profile) error) error {
	p, etag, err := r.c.GetProfile(a.ctx, r.name)
	if err != nil {
		return err
	}
	if p.Devices == nil {
		p.Devices = map[string]map[string]string{}
	}
	if p.Config == nil {
		p.Config = map[string]string{}
	}
	if err := fn(p); err != nil {
		return err
	}
	return r.c.UpdateProfile(a.ctx, r.name, p.ProfilePut, etag)
}

// parseDeviceKeys reads the "key=value" arguments of device add.
func parseDeviceKeys(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("No value found in %q", arg)
		}
		out[k] = v
	}
	return out, nil
}

func profileDeviceAddCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "add [<remote>:]<profile> <device> <type> [key=value...]",
		Short: "Add instance devices",
		Example: `  lxc profile device add [<remote>:]profile1 <device-name> disk source=/share/c1 path=/opt
      Will mount the host's /share/c1 onto /opt in the instance.

  lxc profile device add [<remote>:]profile1 <device-name> disk pool=some-pool source=some-volume path=/opt
      Will mount the some-volume volume on some-pool onto /opt in the instance.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, -1); exit {
				return err
			}
			r, err := a.resourceArg(args[0], "Missing name")
			if err != nil {
				return err
			}
			dev, err := parseDeviceKeys(args[3:])
			if err != nil {
				return err
			}
			dev["type"] = args[2]
			err = a.editProfile(r, func(p *api.Profile) error {
				if _, ok := p.Devices[args[1]]; ok {
					return errors.New("The device already exists")
				}
				p.Devices[args[1]] = dev
				return nil
			})
			if err != nil {
				return err
			}
			if !a.flags.quiet {
				fmt.Fprintf(a.stdout, "Device %s added to %s\n", args[1], r.name)
			}
			return nil
		},
	}
}

func profileDeviceGetCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "get [<remote>:]<profile> <device> <key>",
		Short: "Get values for device configuration keys",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, 3); exit {
				return err
			}
			r, err := a.resourceArg(args[0], "Missing name")
			if err != nil {
				return err
			}
			p, _, err := r.c.GetProfile(a.ctx, r.name)
			if err != nil {
				return err
			}
			dev, ok := p.Devices[args[1]]
			if !ok {
				return errNoDevice
			}
			fmt.Fprintln(a.stdout, dev[args[2]])
			return nil
		},
	}
}

func profileDeviceListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "list [<remote>:]<profile>",
		Aliases: []string{"ls"},
		Short:   "List instance devices",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 1, 1); exit {
				return err
			}
			r, err := a.resourceArg(args[0], "Missing name")
			if err != nil {
				return err
			}
			p, _, err := r.c.GetProfile(a.ctx, r.name)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(p.Devices))
			for name := range p.Devices {
				names = append(names, name)
			}
			sort.Strings(names)
			fmt.Fprintln(a.stdout, strings.Join(names, "\n"))
			return nil
		},
	}
}

func profileDeviceRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "remove [<remote>:]<profile> <name>...",
		Aliases: []string{"rm"},
		Short:   "Remove instance devices",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 2, -1); exit {
				return err
			}
			r, err := a.resourceArg(args[0], "Missing name")
			if err != nil {
				return err
			}
			err = a.editProfile(r, func(p *api.Profile) error {
				for _, name := range args[1:] {
					if _, ok := p.Devices[name]; !ok {
						return errNoDevice
					}
					delete(p.Devices, name)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if !a.flags.quiet {
				fmt.Fprintf(a.stdout, "Device %s removed from %s\n", strings.Join(args[1:], ", "), r.name)
			}
			return nil
		},
	}
}

func profileDeviceSetCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "set [<remote>:]<profile> <device> <key>=<value>...",
		Short: "Set device configuration keys",
		Long: `Set device configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc profile device set [<remote>:]<profile> <device> <key> <value>`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, -1); exit {
				return err
			}
			return a.profileDeviceSet(args[0], args[1], args[2:])
		},
	}
}

// profileDeviceSet changes keys of one device ("" values unset them).
func (a *app) profileDeviceSet(profile, device string, kv []string) error {
	r, err := a.resourceArg(profile, "Missing name")
	if err != nil {
		return err
	}
	keys, err := parseKeyValues(kv, a.stdin)
	if err != nil {
		return err
	}
	return a.editProfile(r, func(p *api.Profile) error {
		dev, ok := p.Devices[device]
		if !ok {
			return errNoDevice
		}
		for k, v := range keys {
			dev[k] = v
		}
		return nil
	})
}

func profileDeviceShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<profile>",
		Short: "Show full device configuration",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 1, 1); exit {
				return err
			}
			r, err := a.resourceArg(args[0], "Missing name")
			if err != nil {
				return err
			}
			p, _, err := r.c.GetProfile(a.ctx, r.name)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, p.Devices)
		},
	}
}

func profileDeviceUnsetCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unset [<remote>:]<profile> <device> <key>",
		Short: "Unset device configuration keys",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, 3); exit {
				return err
			}
			return a.profileDeviceSet(args[0], args[1], []string{args[2], ""})
		},
	}
}

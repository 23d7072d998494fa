package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// `lxc config device ...`: the instance's own devices, edited client-side
// (GET, change, PUT with the ETag) as LXD's client does. Devices that come
// from profiles can only be read or overridden.

func configDeviceCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device",
		Short: "Manage devices",
		RunE:  groupRunE,
	}
	cmd.AddCommand(configDeviceAddCommand(a), configDeviceGetCommand(a), configDeviceListCommand(a),
		configDeviceOverrideCommand(a), configDeviceRemoveCommand(a), configDeviceSetCommand(a),
		configDeviceShowCommand(a), configDeviceUnsetCommand(a))
	return cmd
}

// instanceArg parses "[<remote>:]<instance>" and connects.
func (a *app) instanceArg(arg string) (*client.Client, string, error) {
	remote, name, err := a.parseRemote(arg)
	if err != nil {
		return nil, "", err
	}
	c, err := a.connect(remote)
	if err != nil {
		return nil, "", err
	}
	return c, name, nil
}

// editInstance applies fn to an instance's writable fields and saves them.
func (a *app) editInstance(c *client.Client, name string, fn func(inst *api.Instance) error) error {
	inst, etag, err := getInstance(a.ctx, c, name)
	if err != nil {
		return err
	}
	if inst.Devices == nil {
		inst.Devices = map[string]map[string]string{}
	}
	if err := fn(inst); err != nil {
		return err
	}
	return a.updateInstance(c, name, inst.Writable(), etag)
}

// ownDevice returns an instance's own device, with LXD's messages for a
// missing one and for one inherited from a profile.
func ownDevice(inst *api.Instance, name, inherited string) (map[string]string, error) {
	if dev, ok := inst.Devices[name]; ok {
		return dev, nil
	}
	if _, ok := inst.ExpandedDevices[name]; ok {
		return nil, errors.New(inherited)
	}
	return nil, errNoDevice
}

func configDeviceAddCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "add [<remote>:]<instance> <device> <type> [key=value...]",
		Short: "Add instance devices",
		Example: `  lxc config device add [<remote>:]instance1 <device-name> disk source=/share/c1 path=/opt
      Will mount the host's /share/c1 onto /opt in the instance.

  lxc config device add [<remote>:]instance1 <device-name> disk pool=some-pool source=some-volume path=/opt
      Will mount the some-volume volume on some-pool onto /opt in the instance.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, -1); exit {
				return err
			}
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			dev, err := parseDeviceKeys(args[3:])
			if err != nil {
				return err
			}
			dev["type"] = args[2]
			err = a.editInstance(c, name, func(inst *api.Instance) error {
				if _, ok := inst.Devices[args[1]]; ok {
					return errors.New("The device already exists")
				}
				inst.Devices[args[1]] = dev
				return nil
			})
			if err == nil && !a.flags.quiet {
				fmt.Fprintf(a.stdout, "Device %s added to %s\n", args[1], name)
			}
			return err
		},
	}
}

func configDeviceGetCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "get [<remote>:]<instance> <device> <key>",
		Short: "Get values for device configuration keys",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, 3); exit {
				return err
			}
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			inst, _, err := getInstance(a.ctx, c, name)
			if err != nil {
				return err
			}
			dev, err := ownDevice(inst, args[1], "Device from profile(s) cannot be retrieved for individual instance")
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, dev[args[2]])
			return nil
		},
	}
}

func configDeviceListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "list [<remote>:]<instance>",
		Aliases: []string{"ls"},
		Short:   "List instance devices",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 1, 1); exit {
				return err
			}
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			inst, _, err := getInstance(a.ctx, c, name)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(inst.Devices))
			for n := range inst.Devices {
				names = append(names, n)
			}
			sort.Strings(names)
			fmt.Fprintln(a.stdout, strings.Join(names, "\n"))
			return nil
		},
	}
}

func configDeviceOverrideCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "override [<remote>:]<instance> <device> [key=value...]",
		Short: "Copy profile inherited devices and override configuration keys",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 2, -1); exit {
				return err
			}
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			err = a.editInstance(c, name, func(inst *api.Instance) error {
				if _, ok := inst.Devices[args[1]]; ok {
					return errors.New("The device already exists")
				}
				dev, ok := inst.ExpandedDevices[args[1]]
				if !ok {
					return errors.New("The profile device doesn't exist")
				}
				keys, err := parseDeviceKeys(args[2:])
				if err != nil {
					return err
				}
				for k, v := range keys {
					dev[k] = v
				}
				inst.Devices[args[1]] = dev
				return nil
			})
			if err == nil && !a.flags.quiet {
				fmt.Fprintf(a.stdout, "Device %s overridden for %s\n", args[1], name)
			}
			return err
		},
	}
}

func configDeviceRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "remove [<remote>:]<instance> <name>...",
		Aliases: []string{"rm"},
		Short:   "Remove instance devices",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 2, -1); exit {
				return err
			}
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			err = a.editInstance(c, name, func(inst *api.Instance) error {
				for _, dev := range args[1:] {
					if _, err := ownDevice(inst, dev, "Device from profile(s) cannot be removed from individual instance. Override device or modify profile instead"); err != nil {
						return err
					}
					delete(inst.Devices, dev)
				}
				return nil
			})
			if err == nil && !a.flags.quiet {
				fmt.Fprintf(a.stdout, "Device %s removed from %s\n", strings.Join(args[1:], ", "), name)
			}
			return err
		},
	}
}

func configDeviceSetCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "set [<remote>:]<instance> <device> <key>=<value>...",
		Short: "Set device configuration keys",
		Long: `Set device configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc config device set [<remote>:]<instance> <device> <key> <value>`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, -1); exit {
				return err
			}
			keys, err := parseKeyValues(args[2:], a.stdin)
			if err != nil {
				return err
			}
			return a.instanceDeviceSet(args[0], args[1], keys)
		},
	}
}

// instanceDeviceSet changes keys of one of the instance's own devices (""
// values unset them).
func (a *app) instanceDeviceSet(arg, device string, keys map[string]string) error {
	c, name, err := a.instanceArg(arg)
	if err != nil {
		return err
	}
	return a.editInstance(c, name, func(inst *api.Instance) error {
		dev, err := ownDevice(inst, device, "Device from profile(s) cannot be modified for individual instance. Override device or modify profile instead")
		if err != nil {
			return err
		}
		for k, v := range keys {
			dev[k] = v
		}
		return nil
	})
}

func configDeviceShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<instance>",
		Short: "Show full device configuration",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 1, 1); exit {
				return err
			}
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			inst, _, err := getInstance(a.ctx, c, name)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, inst.Devices)
		},
	}
}

func configDeviceUnsetCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unset [<remote>:]<instance> <device> <key>",
		Short: "Unset device configuration keys",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 3, 3); exit {
				return err
			}
			return a.instanceDeviceSet(args[0], args[1], map[string]string{args[2]: ""})
		},
	}
}

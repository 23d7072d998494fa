package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// `lxc config device ...`: the instance's own devices (device_commands.go).
// Devices that come from profiles can only be read or overridden.

func configDeviceCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device",
		Short: "Manage devices",
		RunE:  groupRunE,
	}
	d := deviceCommands{a: a, holder: "instance", path: "config device", example: "instance1",
		open: a.instanceDevices, keysFirst: true}
	cmd.AddCommand(d.commands()...)
	cmd.AddCommand(configDeviceOverrideCommand(a))
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

// instanceDevices names an instance for the device commands.
func (a *app) instanceDevices(arg string) (*deviceHolder, error) {
	c, name, err := a.instanceArg(arg)
	if err != nil {
		return nil, err
	}
	devicesOf := func(inst *api.Instance) holderDevices {
		return holderDevices{own: inst.Devices, expanded: inst.ExpandedDevices}
	}
	return &deviceHolder{
		name: name,
		get: func() (holderDevices, error) {
			inst, _, err := getInstance(a.ctx, c, name)
			if err != nil {
				return holderDevices{}, err
			}
			return devicesOf(inst), nil
		},
		edit: func(change func(holderDevices) error) error {
			return a.editInstance(c, name, func(inst *api.Instance) error { return change(devicesOf(inst)) })
		},
	}, nil
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

func configDeviceOverrideCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "override [<remote>:]<instance> <device> [key=value...]",
		Short: "Copy profile inherited devices and override configuration keys",
		RunE: withArgCount(2, -1, func(args []string) error {
			h, err := a.instanceDevices(args[0])
			if err != nil {
				return err
			}
			err = h.edit(func(devices holderDevices) error {
				if _, ok := devices.own[args[1]]; ok {
					return errors.New("The device already exists")
				}
				dev, ok := devices.expanded[args[1]]
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
				devices.own[args[1]] = dev
				return nil
			})
			return a.reportDone(err, "Device %s overridden for %s\n", args[1], h.name)
		}),
	}
}

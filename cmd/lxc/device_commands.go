package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// `lxc config device ...` and `lxc profile device ...` are one set of
// commands over a deviceHolder: an instance or a profile whose own devices
// are read, or changed client-side (GET, change, PUT with the ETag) as
// LXD's client does. deviceCommands builds them; each group says how its
// holder is reached.

// deviceHolder is an instance or a profile named on the command line.
type deviceHolder struct {
	name string
	// get fetches the holder's devices.
	get func() (holderDevices, error)
	// edit fetches the holder, applies change and saves it.
	edit func(change func(holderDevices) error) error
}

// holderDevices are the holder's own devices (never nil in edit) and, for
// an instance, its expanded devices, which include its profiles' devices.
type holderDevices struct {
	own, expanded map[string]map[string]string
}

var errNoDevice = errors.New("Device doesn't exist")

// ownDevice returns one of the holder's own devices. A device the holder
// only inherits from a profile fails with inherited, LXD's message for
// what the command was about to do.
func (d holderDevices) ownDevice(name, inherited string) (map[string]string, error) {
	if dev, ok := d.own[name]; ok {
		return dev, nil
	}
	if _, ok := d.expanded[name]; ok {
		return nil, errors.New(inherited)
	}
	return nil, errNoDevice
}

// deviceCommands builds the device sub-commands of one holder kind.
type deviceCommands struct {
	a *app
	// holder is the holder's argument in the help ("instance"), path the
	// command group in the examples ("config device"), example the holder
	// name the examples use ("instance1").
	holder, path, example string
	// open parses "[<remote>:]<holder>" and connects.
	open func(arg string) (*deviceHolder, error)
	// keysFirst: set reads its keys before the holder is named and unset
	// takes its key as given (LXD's `config device`). Without it (`profile
	// device`) the holder comes first and unset parses "<key> ''".
	keysFirst bool
}

// commands returns add, get, list, remove, set, show and unset.
func (d deviceCommands) commands() []*cobra.Command {
	return []*cobra.Command{d.addCommand(), d.getCommand(), d.listCommand(), d.removeCommand(),
		d.setCommand(), d.showCommand(), d.unsetCommand()}
}

// parseDeviceKeys reads the "key=value" arguments of device add.
func parseDeviceKeys(args []string) (map[string]string, error) {
	return parsePairs(args, "No value found in %q")
}

func (d deviceCommands) addCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "add [<remote>:]<" + d.holder + "> <device> <type> [key=value...]",
		Short: "Add instance devices",
		Example: fmt.Sprintf(`  lxc %[1]s add [<remote>:]%[2]s <device-name> disk source=/share/c1 path=/opt
      Will mount the host's /share/c1 onto /opt in the instance.

  lxc %[1]s add [<remote>:]%[2]s <device-name> disk pool=some-pool source=some-volume path=/opt
      Will mount the some-volume volume on some-pool onto /opt in the instance.`, d.path, d.example),
		RunE: withArgCount(3, -1, func(args []string) error {
			h, err := d.open(args[0])
			if err != nil {
				return err
			}
			dev, err := parseDeviceKeys(args[3:])
			if err != nil {
				return err
			}
			dev["type"] = args[2]
			err = h.edit(func(devices holderDevices) error {
				if _, ok := devices.own[args[1]]; ok {
					return errors.New("The device already exists")
				}
				devices.own[args[1]] = dev
				return nil
			})
			return d.a.reportDone(err, "Device %s added to %s\n", args[1], h.name)
		}),
	}
}

func (d deviceCommands) getCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "get [<remote>:]<" + d.holder + "> <device> <key>",
		Short: "Get values for device configuration keys",
		RunE: withArgCount(3, 3, func(args []string) error {
			devices, err := d.fetch(args[0])
			if err != nil {
				return err
			}
			dev, err := devices.ownDevice(args[1], "Device from profile(s) cannot be retrieved for individual instance")
			if err != nil {
				return err
			}
			fmt.Fprintln(d.a.stdout, dev[args[2]])
			return nil
		}),
	}
}

func (d deviceCommands) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list [<remote>:]<" + d.holder + ">",
		Aliases: []string{"ls"},
		Short:   "List instance devices",
		RunE: withArgCount(1, 1, func(args []string) error {
			devices, err := d.fetch(args[0])
			if err != nil {
				return err
			}
			names := make([]string, 0, len(devices.own))
			for name := range devices.own {
				names = append(names, name)
			}
			sort.Strings(names)
			fmt.Fprintln(d.a.stdout, strings.Join(names, "\n"))
			return nil
		}),
	}
}

func (d deviceCommands) removeCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "remove [<remote>:]<" + d.holder + "> <name>...",
		Aliases: []string{"rm"},
		Short:   "Remove instance devices",
		RunE: withArgCount(2, -1, func(args []string) error {
			h, err := d.open(args[0])
			if err != nil {
				return err
			}
			err = h.edit(func(devices holderDevices) error {
				for _, name := range args[1:] {
					if _, err := devices.ownDevice(name, "Device from profile(s) cannot be removed from individual instance. Override device or modify profile instead"); err != nil {
						return err
					}
					delete(devices.own, name)
				}
				return nil
			})
			return d.a.reportDone(err, "Device %s removed from %s\n", strings.Join(args[1:], ", "), h.name)
		}),
	}
}

func (d deviceCommands) setCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "set [<remote>:]<" + d.holder + "> <device> <key>=<value>...",
		Short: "Set device configuration keys",
		Long: fmt.Sprintf(`Set device configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc %s set [<remote>:]<%s> <device> <key> <value>`, d.path, d.holder),
		RunE: withArgCount(3, -1, func(args []string) error {
			return d.set(args[0], args[1], args[2:])
		}),
	}
}

func (d deviceCommands) showCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<" + d.holder + ">",
		Short: "Show full device configuration",
		RunE: withArgCount(1, 1, func(args []string) error {
			devices, err := d.fetch(args[0])
			if err != nil {
				return err
			}
			return printYAML(d.a.stdout, devices.own)
		}),
	}
}

func (d deviceCommands) unsetCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unset [<remote>:]<" + d.holder + "> <device> <key>",
		Short: "Unset device configuration keys",
		RunE: withArgCount(3, 3, func(args []string) error {
			if d.keysFirst {
				return d.setKeys(args[0], args[1], map[string]string{args[2]: ""})
			}
			return d.set(args[0], args[1], []string{args[2], ""})
		}),
	}
}

// fetch names the holder and GETs its devices.
func (d deviceCommands) fetch(arg string) (holderDevices, error) {
	h, err := d.open(arg)
	if err != nil {
		return holderDevices{}, err
	}
	return h.get()
}

// set changes keys of one of the holder's own devices ("" values unset
// them), reading the "key=value" arguments in the holder kind's order.
func (d deviceCommands) set(arg, device string, kv []string) error {
	if d.keysFirst {
		keys, err := parseKeyValues(kv, d.a.stdin)
		if err != nil {
			return err
		}
		return d.setKeys(arg, device, keys)
	}
	h, err := d.open(arg)
	if err != nil {
		return err
	}
	keys, err := parseKeyValues(kv, d.a.stdin)
	if err != nil {
		return err
	}
	return d.changeKeys(h, device, keys)
}

func (d deviceCommands) setKeys(arg, device string, keys map[string]string) error {
	h, err := d.open(arg)
	if err != nil {
		return err
	}
	return d.changeKeys(h, device, keys)
}

func (d deviceCommands) changeKeys(h *deviceHolder, device string, keys map[string]string) error {
	return h.edit(func(devices holderDevices) error {
		dev, err := devices.ownDevice(device, "Device from profile(s) cannot be modified for individual instance. Override device or modify profile instead")
		if err != nil {
			return err
		}
		for k, v := range keys {
			dev[k] = v
		}
		return nil
	})
}

package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/client"
)

// networkDevice builds the nic of `network attach`: instances get a
// "network=" nic for managed networks, profiles (and unmanaged
// interfaces) a bridged or macvlan nic on the parent, as LXD 5.0.2 does.
func (a *app) networkDevice(c *client.Client, network string, useNetworkKey bool, ifName string) (map[string]string, error) {
	n, _, err := c.GetNetwork(a.ctx, network)
	if err != nil {
		return nil, err
	}
	dev := map[string]string{"type": "nic"}
	if useNetworkKey && n.Managed && hasExtension(a, c, "instance_nic_network") {
		dev["network"] = n.Name
	} else {
		dev["nictype"] = "macvlan"
		if n.Type == "bridge" {
			dev["nictype"] = "bridged"
		}
		dev["parent"] = n.Name
	}
	if ifName != "" {
		dev["name"] = ifName
	}
	return dev, nil
}

func networkAttachCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "attach [<remote>:]<network> <instance> [<device name>] [<interface name>]",
		Short: "Attach network interfaces to instances",
		Long:  "Attach new network interfaces to instances",
		RunE: withArgCount(2, 4, func(args []string) error {
			return a.networkAttach(args, instanceOwner(args[1]), true)
		}),
	}
}

func networkAttachProfileCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "attach-profile [<remote>:]<network> <profile> [<device name>] [<interface name>]",
		Short: "Attach network interfaces to profiles",
		RunE: withArgCount(2, 4, func(args []string) error {
			return a.networkAttach(args, profileOwner(args[1]), false)
		}),
	}
}

func (a *app) networkAttach(args []string, o deviceOwner, useNetworkKey bool) error {
	r, err := a.resourceFor(args[0], missingNetwork, "network")
	if err != nil {
		return err
	}
	devName, ifName := r.name, ""
	if len(args) > 2 {
		devName = args[2]
	}
	if len(args) > 3 {
		ifName = args[3]
	}
	dev, err := a.networkDevice(r.c, r.name, useNetworkKey, ifName)
	if err != nil {
		return err
	}
	return a.addDevice(r.c, o, devName, dev)
}

func networkDetachCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "detach [<remote>:]<network> <instance> [<device name>]",
		Short: "Detach network interfaces from instances",
		RunE: withArgCount(2, 3, func(args []string) error {
			return a.networkDetach(args, instanceOwner(args[1]))
		}),
	}
}

func networkDetachProfileCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "detach-profile [<remote>:]<network> <profile> [<device name>]",
		Short: "Detach network interfaces from profiles",
		RunE: withArgCount(2, 3, func(args []string) error {
			return a.networkDetach(args, profileOwner(args[1]))
		}),
	}
}

// networkDetach removes the nic of a network from an instance or profile.
func (a *app) networkDetach(args []string, o deviceOwner) error {
	r, err := a.resourceFor(args[0], missingNetwork, "network")
	if err != nil {
		return err
	}
	devName := ""
	if len(args) > 2 {
		devName = args[2]
	}
	onNetwork := func(d map[string]string) bool {
		return d["type"] == "nic" && (d["parent"] == r.name || d["network"] == r.name)
	}
	return a.editOwner(r.c, o, func(obj *editableObject) error {
		name, err := matchingDevice(obj.Devices, devName, onNetwork, "No device found for this network")
		if err != nil {
			return err
		}
		if !onNetwork(obj.Devices[name]) {
			return errors.New("The specified device doesn't match the network")
		}
		delete(obj.Devices, name)
		return nil
	})
}

package main

import (
	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
)

// profileDeviceCommand is `lxc profile device` (device_commands.go): each
// sub-command edits the devices map of the profile with a GET then a PUT
// carrying the ETag.
func profileDeviceCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device",
		Short: "Manage devices",
		RunE:  groupRunE,
	}
	d := deviceCommands{a: a, holder: "profile", path: "profile device", example: "profile1", open: a.profileDevices}
	cmd.AddCommand(d.commands()...)
	return cmd
}

// profileDevices names a profile for the device commands.
func (a *app) profileDevices(arg string) (*deviceHolder, error) {
	r, err := a.resourceArg(arg, "Missing name")
	if err != nil {
		return nil, err
	}
	return &deviceHolder{
		name: r.name,
		get: func() (holderDevices, error) {
			p, _, err := r.c.GetProfile(a.ctx, r.name)
			if err != nil {
				return holderDevices{}, err
			}
			return holderDevices{own: p.Devices}, nil
		},
		edit: func(change func(holderDevices) error) error {
			return a.editProfile(r, func(p *api.Profile) error { return change(holderDevices{own: p.Devices}) })
		},
	}, nil
}

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

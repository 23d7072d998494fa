package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// profileCommand is `lxc profile`; devices are in profile_device.go.
func profileCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Manage profiles",
		RunE:  groupRunE,
	}
	cmd.AddCommand(profileAddCommand(a), profileAssignCommand(a), profileCopyCommand(a),
		profileCreateCommand(a), profileDeleteCommand(a), profileDeviceCommand(a), profileEditCommand(a),
		profileGetCommand(a), profileListCommand(a), profileRemoveCommand(a), profileRenameCommand(a),
		profileSetCommand(a), profileShowCommand(a), profileUnsetCommand(a))
	return cmd
}

const missingProfile = "Missing profile name"

// editInstanceProfiles changes the profile list of an instance.
func (a *app) editInstanceProfiles(r *resource, fn func(profiles []string) ([]string, error)) error {
	return a.editOwner(r.c, instanceOwner(r.name), func(obj *editableObject) error {
		var profiles []string
		if err := obj.field("profiles", &profiles); err != nil {
			return err
		}
		profiles, err := fn(profiles)
		if err != nil {
			return err
		}
		return obj.setField("profiles", profiles)
	})
}

func profileAddCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "add [<remote>:]<instance> <profile>",
		Short: "Add profiles to instances",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceArg(args[0], "Missing instance name")
			if err != nil {
				return err
			}
			err = a.editInstanceProfiles(r, func(profiles []string) ([]string, error) {
				return append(profiles, args[1]), nil
			})
			return a.reportDone(err, "Profile %s added to %s\n", args[1], r.name)
		}),
	}
}

func profileAssignCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "assign [<remote>:]<instance> <profiles>",
		Aliases: []string{"apply"},
		Short:   "Assign sets of profiles to instances",
		Example: `  lxc profile assign foo default,bar
      Set the profiles for "foo" to "default" and "bar".

  lxc profile assign foo default
      Reset "foo" to only using the "default" profile.

  lxc profile assign foo ''
      Remove all profile from "foo"`,
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceArg(args[0], "Missing instance name")
			if err != nil {
				return err
			}
			profiles := []string{}
			if args[1] != "" {
				profiles = strings.Split(args[1], ",")
			}
			err = a.editInstanceProfiles(r, func([]string) ([]string, error) { return profiles, nil })
			if err != nil {
				return err
			}
			if !a.flags.quiet {
				names := args[1]
				if names == "" {
					names = "(none)"
				}
				fmt.Fprintf(a.stdout, "Profiles %s applied to %s\n", names, r.name)
			}
			return nil
		}),
	}
}

func profileRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove [<remote>:]<instance> <profile>",
		Short: "Remove profiles from instances",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceArg(args[0], "Missing instance name")
			if err != nil {
				return err
			}
			err = a.editInstanceProfiles(r, func(profiles []string) ([]string, error) {
				i := slices.Index(profiles, args[1])
				if i < 0 {
					return nil, fmt.Errorf("Profile %s isn't currently applied to %s", args[1], r.name)
				}
				return slices.Delete(profiles, i, i+1), nil
			})
			return a.reportDone(err, "Profile %s removed from %s\n", args[1], r.name)
		}),
	}
}

func profileCopyCommand(a *app) *cobra.Command {
	var targetProject string
	cmd := &cobra.Command{
		Use:     "copy [<remote>:]<profile> [<remote>:]<profile>",
		Aliases: []string{"cp"},
		Short:   "Copy profiles",
		RunE: withArgCount(2, 2, func(args []string) error {
			src, err := a.resourceArg(args[0], "Missing source profile name")
			if err != nil {
				return err
			}
			dst, err := a.resourceArg(args[1], "")
			if err != nil {
				return err
			}
			if dst.name == "" {
				dst.name = src.name
			}
			p, _, err := src.c.GetProfile(a.ctx, src.name)
			if err != nil {
				return err
			}
			dc := dst.c
			if targetProject != "" {
				dc = dc.WithProject(targetProject)
			}
			return dc.CreateProfile(a.ctx, api.ProfilesPost{ProfilePut: p.ProfilePut, Name: dst.name})
		}),
	}
	cmd.Flags().StringVar(&targetProject, "target-project", "", "Copy to a project different from the source``")
	return cmd
}

func profileCreateCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "create [<remote>:]<profile>",
		Short: "Create profiles",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingProfile)
			if err != nil {
				return err
			}
			return a.reportDone(r.c.CreateProfile(a.ctx, api.ProfilesPost{Name: r.name}), "Profile %s created\n", r.name)
		}),
	}
}

func profileDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<profile>",
		Aliases: []string{"rm"},
		Short:   "Delete profiles",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingProfile)
			if err != nil {
				return err
			}
			return a.reportDone(r.c.DeleteProfile(a.ctx, r.name), "Profile %s deleted\n", r.name)
		}),
	}
}

const profileEditHeader = `### This is a YAML representation of the profile.
### Any line starting with a '# will be ignored.
###
### A profile consists of a set of configuration items followed by a set of
### devices.
###
### An example would look like:
### name: onenic
### config:
###   raw.lxc: lxc.aa_profile=unconfined
### devices:
###   eth0:
###     nictype: bridged
###     parent: lxdbr0
###     type: nic
###
### Note that the name is shown but cannot be changed
`

func profileEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<profile>",
		Short: "Edit profile configurations as YAML",
		Example: `  lxc profile edit <profile> < profile.yaml
      Update a profile using the content of profile.yaml`,
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingProfile)
			if err != nil {
				return err
			}
			return editObject(a, objectEdit[api.ProfilePut]{
				header: profileEditHeader,
				get: func() (any, string, error) {
					p, etag, err := r.c.GetProfile(a.ctx, r.name)
					if err == nil {
						p.UsedBy = sortedUsedBy(p.UsedBy)
					}
					return p, etag, err
				},
				put: func(put api.ProfilePut, etag string) error {
					return r.c.UpdateProfile(a.ctx, r.name, put, etag)
				},
			})
		}),
	}
}

func profileGetCommand(a *app) *cobra.Command {
	return a.profileKeys().getCommand(&cobra.Command{
		Use:   "get [<remote>:]<profile> <key>",
		Short: "Get values for profile configuration keys",
	})
}

func profileListCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "list [<remote>:]", Aliases: []string{"ls"}, Short: "List profiles"}
	return a.serverListCommand(cmd, nil, func(c *client.Client, _ string) (listing, error) {
		profiles, err := c.GetProfiles(a.ctx)
		if err != nil {
			return listing{}, err
		}
		header, rows := profileRows(profiles)
		return listing{header, rows, profiles}, nil
	})
}

func profileRenameCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rename [<remote>:]<profile> <new-name>",
		Aliases: []string{"mv"},
		Short:   "Rename profiles",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceArg(args[0], missingProfile)
			if err != nil {
				return err
			}
			return a.reportDone(r.c.RenameProfile(a.ctx, r.name, args[1]), "Profile %s renamed to %s\n", r.name, args[1])
		}),
	}
}

func profileSetCommand(a *app) *cobra.Command {
	return a.profileKeys().setCommand(&cobra.Command{
		Use:   "set [<remote>:]<profile> <key><value>...",
		Short: "Set profile configuration keys",
		Long: `Set profile configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc profile set [<remote>:]<profile> <key> <value>`,
	})
}

func (a *app) profileKeys() configKeys {
	return configKeys{a: a, objectArgs: 1, printUnset: true, open: a.profileConfig}
}

// profileConfig reaches a profile's config; a change is saved like the
// device edits (editProfile), with empty maps rather than null.
func (a *app) profileConfig(args []string, _ string, _ bool) (*configObject, error) {
	r, err := a.resourceArg(args[0], missingProfile)
	if err != nil {
		return nil, err
	}
	return configOf(
		func() (*api.Profile, string, error) { return r.c.GetProfile(a.ctx, r.name) },
		func(p *api.Profile) *map[string]string { return &p.Config },
		func(p *api.Profile, etag string) error {
			if p.Devices == nil {
				p.Devices = map[string]map[string]string{}
			}
			return r.c.UpdateProfile(a.ctx, r.name, p.ProfilePut, etag)
		}), nil
}

func profileShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<profile>",
		Short: "Show profile configurations",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingProfile)
			if err != nil {
				return err
			}
			p, _, err := r.c.GetProfile(a.ctx, r.name)
			if err != nil {
				return err
			}
			p.UsedBy = sortedUsedBy(p.UsedBy)
			return printYAML(a.stdout, p)
		}),
	}
}

func profileUnsetCommand(a *app) *cobra.Command {
	return a.profileKeys().unsetCommand(&cobra.Command{
		Use:   "unset [<remote>:]<profile> <key>",
		Short: "Unset profile configuration keys",
	})
}

func profileRows(profiles []api.Profile) ([]string, [][]string) {
	rows := [][]string{}
	for _, p := range profiles {
		rows = append(rows, []string{p.Name, p.Description, strconv.Itoa(len(p.UsedBy))})
	}
	sortRows(rows)
	return []string{"NAME", "DESCRIPTION", "USED BY"}, rows
}

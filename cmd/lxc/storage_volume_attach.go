package main

import (
	"github.com/spf13/cobra"
)

// volumeDeviceArgs reads "[<device name>] [<path>]" after the owner: one
// extra argument is the path (the device is named after the volume).
func volumeDeviceArgs(vol string, rest []string) (devName, path string) {
	switch len(rest) {
	case 1:
		return vol, rest[0]
	case 2:
		return rest[0], rest[1]
	}
	return vol, ""
}

func volumeAttachCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "attach [<remote>:]<pool> <volume> <instance> [<device name>] [<path>]",
		Short: "Attach new storage volumes to instances",
		RunE: withArgCount(3, 5, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			devName, path := volumeDeviceArgs(args[1], args[3:])
			dev := map[string]string{"type": "disk", "pool": r.name, "source": args[1]}
			if path != "" {
				dev["path"] = path
			}
			return a.addDevice(r.c, instanceOwner(args[2]), devName, dev)
		}),
	}
}

func volumeAttachProfileCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "attach-profile [<remote:>]<pool> <volume> <profile> [<device name>] [<path>]",
		Short: "Attach new storage volumes to profiles",
		RunE: withArgCount(3, 5, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			vol, _, err := r.c.GetStorageVolume(a.ctx, r.name, "custom", args[1])
			if err != nil {
				return err
			}
			devName, path := volumeDeviceArgs(args[1], args[3:])
			dev := map[string]string{"type": "disk", "pool": r.name, "source": vol.Name}
			// Block volumes have no mount path.
			if path != "" && vol.ContentType != "block" {
				dev["path"] = path
			}
			return a.addDevice(r.c, profileOwner(args[2]), devName, dev)
		}),
	}
}

func volumeDetachCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "detach [<remote>:]<pool> <volume> <instance> [<device name>]",
		Short: "Detach storage volumes from instances",
		RunE: withArgCount(3, 4, func(args []string) error {
			return a.volumeDetach(args, instanceOwner(args[2]))
		}),
	}
}

func volumeDetachProfileCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "detach-profile [<remote:>]<pool> <volume> <profile> [<device name>]",
		Short: "Detach storage volumes from profiles",
		RunE: withArgCount(3, 4, func(args []string) error {
			return a.volumeDetach(args, profileOwner(args[2]))
		}),
	}
}

// volumeDetach removes the disk device of a volume from an instance or
// profile.
func (a *app) volumeDetach(args []string, o deviceOwner) error {
	r, err := a.resourceFor(args[0], missingPool, "storage")
	if err != nil {
		return err
	}
	devName := ""
	if len(args) == 4 {
		devName = args[3]
	}
	return a.editOwner(r.c, o, func(obj *editableObject) error {
		name, err := matchingDevice(obj.Devices, devName, func(d map[string]string) bool {
			return d["type"] == "disk" && d["pool"] == r.name && d["source"] == args[1]
		}, "No device found for this storage volume")
		if err != nil {
			return err
		}
		delete(obj.Devices, name)
		return nil
	})
}

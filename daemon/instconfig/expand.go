package instconfig

import "github.com/lxdng/lxd/shared/api"

// ExpandConfig applies the profiles' config in order, then the instance's
// own (local) config: later profiles override earlier ones and local
// wins. Inputs are not modified.
func ExpandConfig(profiles []map[string]string, local map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range profiles {
		for k, v := range p {
			out[k] = v
		}
	}
	for k, v := range local {
		out[k] = v
	}
	return out
}

// ExpandDevices applies the profiles' devices in order, then the local
// devices. A device is replaced as a whole (keys are not merged), as LXD
// does. The result holds copies.
func ExpandDevices(profiles []Devices, local Devices) Devices {
	out := Devices{}
	put := func(devs Devices) {
		for name, dev := range devs {
			cp := make(map[string]string, len(dev))
			for k, v := range dev {
				cp[k] = v
			}
			out[name] = cp
		}
	}
	for _, p := range profiles {
		put(p)
	}
	put(local)
	return out
}

// ExpandProfiles is ExpandConfig and ExpandDevices over API profiles.
func ExpandProfiles(profiles []api.Profile, config map[string]string, devices Devices) (map[string]string, Devices) {
	cfgs := make([]map[string]string, 0, len(profiles))
	devs := make([]Devices, 0, len(profiles))
	for _, p := range profiles {
		cfgs = append(cfgs, p.Config)
		devs = append(devs, p.Devices)
	}
	return ExpandConfig(cfgs, config), ExpandDevices(devs, devices)
}

package network

import (
	"context"
	"sort"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/config"
)

// usage is a snapshot of who uses networks: every profile and instance with
// its devices, and the network project each project maps to.
type usage struct {
	users      []db.DeviceUser
	netProject map[string]string // project -> the project its networks live in
}

func loadUsage(ctx context.Context, tx *db.Tx) (usage, error) {
	u := usage{netProject: map[string]string{}}
	projects, err := tx.Projects(ctx)
	if err != nil {
		return u, err
	}
	for _, p := range projects {
		u.netProject[p.Name] = "default"
		if p.Name != "default" && config.ParseBool(p.Config["features.networks"]) {
			u.netProject[p.Name] = p.Name
		}
	}
	u.users, err = tx.DeviceUsers(ctx)
	return u, err
}

// nicUses reports whether dev is a NIC on the network name: through
// network=<name> for managed networks, or parent=<name> (a bridged or
// macvlan NIC naming the interface directly).
func nicUses(dev map[string]string, name string, managed bool) bool {
	if dev["type"] != "nic" {
		return false
	}
	if managed && dev["network"] != "" {
		return dev["network"] == name
	}
	return dev["parent"] == name
}

// usedBy lists the URLs of the profiles and instances using a network, as
// LXD shows them (profiles first, "?project=" for non-default projects),
// limited to the projects the caller can see. It is nil when nothing uses
// the network (LXD renders that as null).
func (u usage) usedBy(ctx context.Context, netProject, name string, managed bool) []string {
	who := request.From(ctx)
	var out []string
	for _, user := range u.users {
		if u.netProject[user.Project] != netProject || !who.CanAccessProject(user.Project) {
			continue
		}
		if !anyNIC(user.Devices, name, managed) {
			continue
		}
		url := "/1.0/" + user.Kind + "s/" + user.Name
		if user.Project != "default" {
			url += "?project=" + user.Project
		}
		out = append(out, url)
	}
	return out
}

// inUse reports whether any profile or instance uses the network, whoever
// the caller is.
func (u usage) inUse(netProject, name string) bool {
	for _, user := range u.users {
		if u.netProject[user.Project] == netProject && anyNIC(user.Devices, name, true) {
			return true
		}
	}
	return false
}

func anyNIC(devices db.JSONDevices, name string, managed bool) bool {
	for _, dev := range devices {
		if nicUses(dev, name, managed) {
			return true
		}
	}
	return false
}

// staticLeases lists the NICs of this member's instances on a managed
// network: MAC (hwaddr or volatile.<dev>.hwaddr), the instance name as
// hostname (<project>_<name> outside the default project, as LXD names
// them in DNS) and pinned ipv4.address / ipv6.address. NICs without a MAC
// yet (never started) are skipped.
func (u usage) staticLeases(memberID int64, netProject, name string) []netdriver.StaticLease {
	var out []netdriver.StaticLease
	for _, user := range u.users {
		if user.Kind != db.DeviceUserInstance || user.MemberID != memberID || u.netProject[user.Project] != netProject {
			continue
		}
		devNames := make([]string, 0, len(user.Devices))
		for dn := range user.Devices {
			devNames = append(devNames, dn)
		}
		sort.Strings(devNames)
		for _, dn := range devNames {
			dev := user.Devices[dn]
			if !nicUses(dev, name, true) || (dev["nictype"] != "" && dev["nictype"] != "bridged") {
				continue
			}
			mac := dev["hwaddr"]
			if mac == "" {
				mac = user.Config["volatile."+dn+".hwaddr"]
			}
			if mac == "" {
				continue
			}
			host := user.Name
			if user.Project != "default" {
				host = user.Project + "_" + user.Name
			}
			out = append(out, netdriver.StaticLease{Hostname: host, MAC: mac, IPv4: dev["ipv4.address"], IPv6: dev["ipv6.address"]})
		}
	}
	return out
}

// instanceMACs is the set (lower case) of the MACs of project's instance
// NICs on a managed network of netProject.
func (u usage) instanceMACs(project, netProject, name string) map[string]bool {
	out := map[string]bool{}
	for _, user := range u.users {
		if user.Kind != db.DeviceUserInstance || user.Project != project || u.netProject[user.Project] != netProject {
			continue
		}
		for dn, dev := range user.Devices {
			if !nicUses(dev, name, true) {
				continue
			}
			mac := dev["hwaddr"]
			if mac == "" {
				mac = user.Config["volatile."+dn+".hwaddr"]
			}
			if mac != "" {
				out[strings.ToLower(mac)] = true
			}
		}
	}
	return out
}

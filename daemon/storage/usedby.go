package storage

import (
	"context"
	"net/url"
	"sort"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/config"
)

// projectSuffix is the ?project= part of an object URL outside "default".
func projectSuffix(project string) string {
	if project == "" || project == "default" {
		return ""
	}
	return "?project=" + url.QueryEscape(project)
}

// volumeURL is the API path of a volume (and of its snapshot snap).
func volumeURL(pool, volType, name, snap string) string {
	u := "/1.0/storage-pools/" + url.PathEscape(pool) + "/volumes/" + volType + "/" + url.PathEscape(name)
	if snap != "" {
		u += "/snapshots/" + url.PathEscape(snap)
	}
	return u
}

// volumeUserURLs is how LXD names the user of a pool through one volume:
// instances for instance volumes, images, custom volumes themselves (with
// ?target=<member> in a cluster: each lives on one member).
func volumeUserURLs(v db.StorageVolume, snaps []db.StorageVolumeSnapshot, target string) []string {
	sfx := projectSuffix(v.Project)
	var out []string
	switch v.Type {
	case "container", "virtual-machine":
		out = append(out, "/1.0/instances/"+url.PathEscape(v.Name)+sfx)
		for _, s := range snaps {
			out = append(out, "/1.0/instances/"+url.PathEscape(v.Name)+"/snapshots/"+url.PathEscape(s.Name)+sfx)
		}
	case "image":
		out = append(out, "/1.0/images/"+v.Name+sfx)
	default:
		if target != "" {
			sep := "?"
			if sfx != "" {
				sep = "&"
			}
			sfx += sep + "target=" + url.QueryEscape(target)
		}
		out = append(out, volumeURL(v.PoolName, v.Type, v.Name, "")+sfx)
		for _, s := range snaps {
			out = append(out, volumeURL(v.PoolName, v.Type, v.Name, s.Name)+sfx)
		}
	}
	return out
}

// poolUsedBy lists what uses a pool, sorted like LXD's output: its volumes
// (as instances, images or custom volumes) and the profiles with a disk on
// it. It is nil when nothing does, as in LXD 5.0.2. In a cluster, custom
// volumes carry their member (?target=) and a member's view (member != 0)
// lists only the volumes on that member.
func poolUsedBy(ctx context.Context, tx *db.Tx, pool db.StoragePool, clustered bool, member int64) ([]string, error) {
	vols, err := tx.StorageVolumes(ctx, db.VolumeFilter{PoolID: pool.ID, MemberID: member})
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	if clustered {
		members, err := tx.Members(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			names[m.ID] = m.Name
		}
	}
	seen := map[string]bool{}
	var out []string
	add := func(u string) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, v := range vols {
		snaps, err := tx.StorageVolumeSnapshots(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		for _, u := range volumeUserURLs(v, snaps, names[v.MemberID]) {
			add(u)
		}
	}
	holders, err := tx.DeviceUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, h := range holders {
		if h.Kind == db.DeviceUserProfile && usesPool(h.Devices, pool.Name) {
			add("/1.0/profiles/" + url.PathEscape(h.Name) + projectSuffix(h.Project))
		}
	}
	sort.Strings(out)
	return out, nil
}

// profilesUsingPool names the profiles with a disk on pool.
func profilesUsingPool(ctx context.Context, tx *db.Tx, pool string) ([]string, error) {
	holders, err := tx.DeviceUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, h := range holders {
		if h.Kind == db.DeviceUserProfile && usesPool(h.Devices, pool) {
			out = append(out, h.Name)
		}
	}
	return out, nil
}

func usesPool(devices map[string]map[string]string, pool string) bool {
	for _, d := range devices {
		if d["type"] == "disk" && d["pool"] == pool {
			return true
		}
	}
	return false
}

func usesVolume(devices map[string]map[string]string, pool, volume string) bool {
	for _, d := range devices {
		if d["type"] == "disk" && d["pool"] == pool && d["source"] == volume && d["path"] != "/" {
			return true
		}
	}
	return false
}

// storageProjects maps every project to the project owning its custom
// volumes (itself with features.storage.volumes, else "default").
func storageProjects(ctx context.Context, tx *db.Tx) (map[string]string, error) {
	projects, err := tx.Projects(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(projects))
	for _, p := range projects {
		out[p.Name] = p.Name
		if !config.ParseBool(p.Config["features.storage.volumes"]) {
			out[p.Name] = "default"
		}
	}
	return out, nil
}

// volumeUsedBy lists the instances and profiles using a volume: for a
// custom volume those with a disk device on it, for an instance volume the
// instance. It is [] when unused, as in LXD.
func volumeUsedBy(ctx context.Context, tx *db.Tx, v db.StorageVolume) ([]string, error) {
	out := []string{}
	switch v.Type {
	case "container", "virtual-machine":
		return append(out, "/1.0/instances/"+url.PathEscape(v.Name)+projectSuffix(v.Project)), nil
	case "image":
		return append(out, "/1.0/images/"+v.Name), nil
	}
	owners, err := storageProjects(ctx, tx)
	if err != nil {
		return nil, err
	}
	holders, err := tx.DeviceUsers(ctx)
	if err != nil {
		return nil, err
	}
	var profiles []string
	for _, h := range holders {
		if owners[h.Project] != v.Project || !usesVolume(h.Devices, v.PoolName, v.Name) {
			continue
		}
		u := "/1.0/" + h.Kind + "s/" + url.PathEscape(h.Name) + projectSuffix(h.Project)
		if h.Kind == db.DeviceUserProfile {
			profiles = append(profiles, u)
		} else {
			out = append(out, u)
		}
	}
	return append(out, profiles...), nil
}

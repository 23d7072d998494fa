package migration

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/lxdng/lxd/shared/api"
)

// architectures are LXD's architecture ids (shared/osarch), as snapshots
// carry them.
var architectures = map[int32]string{
	1: "i686", 2: "x86_64", 3: "armv7l", 4: "aarch64", 5: "ppc", 6: "ppc64", 7: "ppc64le",
	8: "s390x", 9: "mips", 10: "mips64", 11: "riscv32", 12: "riscv64",
}

func architectureID(name string) int32 {
	for id, n := range architectures {
		if n == name {
			return id
		}
	}
	return 0
}

// snapshotToProto describes an instance snapshot as LXD's source does
// (dates in Unix seconds, the zero time for "never").
func snapshotToProto(s api.InstanceSnapshot) Snapshot {
	p := Snapshot{
		Name: s.Name, LocalConfig: ConfigList(s.Config), Profiles: s.Profiles, Ephemeral: s.Ephemeral,
		Architecture: architectureID(s.Architecture), Stateful: s.Stateful,
		CreationDate: ToUnix(s.CreatedAt), LastUsedDate: ToUnix(s.LastUsedAt), ExpiryDate: ToUnix(s.ExpiresAt),
	}
	names := make([]string, 0, len(s.Devices))
	for name := range s.Devices {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p.LocalDevices = append(p.LocalDevices, Device{Name: name, Config: ConfigList(s.Devices[name])})
	}
	return p
}

// snapshotFromProto reads a snapshot's details.
func snapshotFromProto(p Snapshot) api.InstanceSnapshot {
	s := api.InstanceSnapshot{
		Name: p.Name, Config: ConfigMap(p.LocalConfig), Profiles: p.Profiles, Ephemeral: p.Ephemeral,
		Architecture: architectures[p.Architecture], Stateful: p.Stateful,
		CreatedAt: FromUnix(p.CreationDate), LastUsedAt: FromUnix(p.LastUsedDate),
		Devices: make(map[string]map[string]string, len(p.LocalDevices)),
	}
	s.ExpiresAt = FromUnix(p.ExpiryDate)
	for _, d := range p.LocalDevices {
		s.Devices[d.Name] = ConfigMap(d.Config)
	}
	return s
}

// mapID maps a host id through the source's map back to the container's
// id; ok is false when no range covers it.
func mapID(m []IDMapEntry, id uint32, uid bool) (uint32, bool) {
	for _, e := range m {
		if (uid && !e.IsUID) || (!uid && !e.IsGID) {
			continue
		}
		if int64(id) >= int64(e.HostID) && int64(id) < int64(e.HostID)+int64(e.Range) {
			return uint32(int64(id) - int64(e.HostID) + int64(e.NSID)), true
		}
	}
	return id, false
}

// unshiftTree rewrites the owners of a tree received from a source whose
// files are shifted on disk (LXD 5.0.2 shifts container root filesystems
// to the container's map) back to the container's own ids: our root
// volumes are unshifted and mapped at start with an idmapped mount.
// chown clears the set-id bits, so they are put back. ACLs and file
// capabilities keep their shifted ids.
func unshiftTree(ctx context.Context, root string, m []IDMapEntry) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		uid, uok := mapID(m, st.Uid, true)
		gid, gok := mapID(m, st.Gid, false)
		if !uok && !gok {
			return nil
		}
		if err := os.Lchown(path, int(uid), int(gid)); err != nil {
			return err
		}
		if mode := info.Mode(); mode&fs.ModeSymlink == 0 && mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			return os.Chmod(path, mode)
		}
		return nil
	})
}

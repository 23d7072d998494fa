package instances

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/revert"
)

// unpackStage is LXD's progress stage name for an image unpack.
const unpackStage = "create_instance_from_image_unpack"

// createVolume gives the new instance its root volume from its source.
// hooks, when not nil, write the instance's record in the transaction
// adding the volume's (image and empty sources only).
func (j *CreateJob) createVolume(ctx context.Context, rec *record, rev *revert.Reverter, progress func(map[string]any), hooks *recordHooks) error {
	ref := rec.volume()
	_, root, _ := instconfig.RootDisk(rec.expDevices)
	volCfg := map[string]string{}
	if size := root["size"]; size != "" {
		volCfg["size"] = size
	}
	rev.Add(func() {
		// With hooks, a failure before the records committed leaves no
		// volume (CreateInstanceVolume cleans up), and a volume of that
		// name may be another instance's.
		if hooks == nil || hooks.written {
			_ = j.s.o.Storage.DeleteInstanceVolume(context.WithoutCancel(ctx), ref)
		}
	})
	spec := storage.InstanceVolumeSpec{InstanceRef: ref, Config: volCfg}
	if hooks != nil {
		spec.InTx, spec.Committed = hooks.inTx, hooks.committed
	}
	switch {
	case j.image != nil:
		fp := j.image.Fingerprint
		report := func(p Progress) {
			text := fmt.Sprintf("Unpack: %d%% (%s/s)", p.Percent, formatSpeed(p.Speed))
			progress(map[string]any{unpackStage + "_progress": text, "progress": map[string]string{
				"percent": strconv.FormatInt(p.Percent, 10), "speed": strconv.FormatInt(p.Speed, 10), "stage": unpackStage}})
		}
		spec.ImageFingerprint = fp
		spec.Unpack = func(ctx context.Context, mountPath string) error {
			return j.s.o.Images.UnpackImage(ctx, fp, mountPath, report)
		}
		return j.s.o.Storage.CreateInstanceVolume(ctx, spec)
	case j.req.Source.Type == "copy" && j.srcSnap == "":
		src := storage.InstanceRef{Pool: "", Project: j.srcProject, Name: j.srcName, Type: rec.row.Type}
		var err error
		if src.Pool, err = j.s.poolOf(ctx, j.srcProject, j.srcName); err != nil {
			return err
		}
		withSnaps := !j.req.Source.InstanceOnly && !j.req.Source.ContainerOnly
		if err := j.s.o.Storage.CopyInstanceVolume(ctx, ref, src, withSnaps); err != nil {
			return err
		}
		if withSnaps {
			return j.copySnapshotRows(ctx, rec)
		}
		return nil
	}
	if err := j.s.o.Storage.CreateInstanceVolume(ctx, spec); err != nil {
		return err
	}
	if j.req.Source.Type == "copy" {
		return j.copyFromSnapshot(ctx, ref)
	}
	return j.s.withVolume(ctx, ref, "", func(path string) error {
		return os.MkdirAll(filepath.Join(path, "rootfs"), 0o755)
	})
}

// withVolume mounts a volume (or snapshot) for the time of fn.
func (s *Service) withVolume(ctx context.Context, ref storage.InstanceRef, snap string, fn func(path string) error) error {
	path, release, err := s.o.Storage.MountInstanceVolume(ctx, ref, snap)
	if err != nil {
		return err
	}
	defer release()
	return fn(path)
}

// copyFromSnapshot fills the new (empty) volume with a snapshot's content.
func (j *CreateJob) copyFromSnapshot(ctx context.Context, dst storage.InstanceRef) error {
	pool, err := j.s.poolOf(ctx, j.srcProject, j.srcName)
	if err != nil {
		return err
	}
	src := storage.InstanceRef{Pool: pool, Project: j.srcProject, Name: j.srcName, Type: dst.Type}
	return j.s.withVolume(ctx, src, j.srcSnap, func(from string) error {
		return j.s.withVolume(ctx, dst, "", func(to string) error { return syncTree(ctx, from, to) })
	})
}

// syncTree makes to an exact copy of from (owners, modes, xattrs, hard
// links, device nodes).
func syncTree(ctx context.Context, from, to string) error {
	out, err := exec.CommandContext(ctx, "rsync", "-aHAX", "--numeric-ids", "--delete", from+"/", to+"/").CombinedOutput()
	if err != nil {
		return fmt.Errorf("Failed to copy %s: %w: %s", from, err, out)
	}
	return nil
}

// poolOf returns the root disk pool of an instance.
func (s *Service) poolOf(ctx context.Context, project, name string) (string, error) {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return "", err
	}
	return rec.pool(), nil
}

// copyFromSource completes the row of a copy from its source as LXD does:
// the source's non-volatile config and devices fill what the request left
// out, its profiles are used when none were given, volatile.base_image
// and the on-disk id map come along.
func (j *CreateJob) copyFromSource(ctx context.Context, tx *db.Tx, row *db.Instance) error {
	src, err := loadRecord(ctx, tx, j.srcProject, j.srcName)
	if err != nil {
		return err
	}
	cfg, devs, profiles := src.row.Config, src.row.Devices, src.row.Profiles
	if j.srcSnap != "" {
		snap, err := tx.InstanceSnapshot(ctx, j.srcProject, j.srcName, j.srcSnap)
		if err != nil {
			return err
		}
		cfg, devs, profiles = snap.Config, snap.Devices, snap.Profiles
	}
	for k, v := range cfg {
		if _, set := row.Config[k]; set || isVolatile(k) {
			continue
		}
		row.Config[k] = v
	}
	for _, k := range []string{"volatile.base_image", "volatile.last_state.idmap"} {
		if v := cfg[k]; v != "" {
			row.Config[k] = v
		}
	}
	for name, dev := range devs {
		if _, set := row.Devices[name]; !set {
			row.Devices[name] = copyMap(dev)
		}
	}
	if row.Profiles == nil {
		row.Profiles = append([]string{}, profiles...)
	}
	if row.Architecture == "" {
		row.Architecture = src.row.Architecture
	}
	return nil
}

// copySnapshotRows copies the source's snapshot records to the new
// instance (the storage copy brought their volumes along).
func (j *CreateJob) copySnapshotRows(ctx context.Context, rec *record) error {
	return j.s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		src, err := tx.Instance(ctx, j.srcProject, j.srcName)
		if err != nil {
			return err
		}
		snaps, err := tx.InstanceSnapshots(ctx, src.ID)
		if err != nil {
			return err
		}
		for _, sn := range snaps {
			sn.InstanceID = rec.row.ID
			if _, err := tx.CreateInstanceSnapshot(ctx, sn); err != nil {
				return err
			}
		}
		return nil
	})
}

// refresh updates an existing copy target from its source (copy
// --refresh): the root volume is synced; done is false when the target
// does not exist yet and a normal copy must run.
func (j *CreateJob) refresh(ctx context.Context) (done bool, err error) {
	dst, err := j.s.load(ctx, j.Project, j.Name)
	if api.StatusOf(err) == 404 {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	unlock, err := j.s.lockInstance(ctx, j.Project, j.Name)
	if err != nil {
		return true, err
	}
	defer unlock()
	if st := j.s.driverStatus(ctx, dst); st != api.Stopped {
		return true, api.BadRequest("Cannot refresh a running instance")
	}
	srcPool, err := j.s.poolOf(ctx, j.srcProject, j.srcName)
	if err != nil {
		return true, err
	}
	src := storage.InstanceRef{Pool: srcPool, Project: j.srcProject, Name: j.srcName, Type: dst.row.Type}
	return true, j.s.withVolume(ctx, src, j.srcSnap, func(from string) error {
		return j.s.withVolume(ctx, dst.volume(), "", func(to string) error { return syncTree(ctx, from, to) })
	})
}

// hostArchitecture is LXD's name for the host's architecture.
func hostArchitecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	}
	return runtime.GOARCH
}

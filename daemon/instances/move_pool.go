package instances

import (
	"context"
	"fmt"

	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// MovePoolRequest is `lxc move c1 [c2] -s pool` (POST /1.0/instances/c1
// with migration and pool, the instance_pool_move extension).
type MovePoolRequest struct {
	Name         string // new name ("" keeps the old one)
	Pool         string
	InstanceOnly bool // leave the snapshots behind
}

// MovePool moves a stopped instance to another pool of this server as
// LXD 5.0.2 does: a copy named lxd-move-of-<uuid> on the target pool
// (its config, volatile keys included, and its devices with the root disk
// on the new pool), then the original is deleted and the copy renamed.
func (s *Service) MovePool(ctx context.Context, project, name string, req MovePoolRequest, progress func(map[string]any)) error {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return err
	}
	if st := s.driverStatus(ctx, rec); st != api.Stopped {
		return api.BadRequest("Unable to perform container live migration. CRIU isn't installed")
	}
	newName := req.Name
	if newName == "" {
		newName = name
	}
	if newName != name {
		if err := s.CheckRename(ctx, project, name, newName); err != nil {
			return err
		}
	}
	tmp := "lxd-move-of-" + rec.row.Config["volatile.uuid"]
	if rec.row.Config["volatile.uuid"] == "" {
		tmp = "lxd-move-of-" + randomName()
	}
	post := api.InstancesPost{Name: tmp, Type: rec.row.Type, InstancePut: api.InstancePut{
		Architecture: rec.row.Architecture, Config: copyMap(rec.row.Config), Devices: movedDevices(rec, req.Pool),
		Profiles: rec.row.Profiles, Ephemeral: rec.row.Ephemeral, Description: rec.row.Description},
		Source: api.InstanceSource{Type: "copy", Source: name, InstanceOnly: req.InstanceOnly}}
	job, err := s.PrepareCreate(ctx, project, post)
	if err != nil {
		return err
	}
	if err := job.Run(ctx, progress); err != nil {
		return fmt.Errorf("Failed copying instance to pool %q: %w", req.Pool, err)
	}
	if err := s.Delete(ctx, project, name); err != nil {
		// The original stays: drop the copy rather than keep two.
		_ = s.Delete(context.WithoutCancel(ctx), project, tmp)
		return err
	}
	if err := s.Rename(ctx, project, tmp, newName); err != nil {
		return fmt.Errorf("Failed renaming %q to %q (the moved instance is left as %q): %w", tmp, newName, tmp, err)
	}
	logctx.From(ctx).WithField("instance", project+"/"+newName).WithField("pool", req.Pool).Info("Moved instance to another pool")
	return nil
}

// movedDevices is rec's local devices with the root disk (local, or the
// profile's one made local) on pool.
func movedDevices(rec *record, pool string) map[string]map[string]string {
	devs := copyDevices(rec.row.Devices)
	if devs == nil {
		devs = map[string]map[string]string{}
	}
	name, root, err := instconfig.RootDisk(rec.expDevices)
	if err != nil {
		return devs
	}
	dev := copyMap(root)
	if local, ok := devs[name]; ok {
		dev = copyMap(local)
	}
	dev["pool"] = pool
	devs[name] = dev
	return devs
}

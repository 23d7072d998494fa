package instances

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/daemon/projects"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/drivers/network/nic"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// CreateJob is a validated creation request: PrepareCreate checks what
// LXD refuses synchronously, Run (in an operation) does the rest.
type CreateJob struct {
	s       *Service
	Project string
	Name    string
	req     api.InstancesPost
	image   *Image
	// copy source
	srcProject, srcName, srcSnap string
	// Resources lists the instances the operation touches (the new one,
	// then the copy source).
	Resources []string
}

// PrepareCreate validates a creation request: name, source type, instance
// type and the image or copy source. Errors here are the synchronous
// errors LXD answers (400 bad name, 404 unknown alias).
func (s *Service) PrepareCreate(ctx context.Context, project string, req api.InstancesPost) (*CreateJob, error) {
	if req.Name == "" {
		req.Name = randomName()
	}
	if err := ValidName(req.Name); err != nil {
		return nil, err
	}
	switch req.Type {
	case "", api.InstanceTypeContainer:
		req.Type = api.InstanceTypeContainer
	case api.InstanceTypeVM:
		return nil, api.BadRequest("Instance type %q is not supported on this server: no virtual machine driver is available", req.Type)
	default:
		return nil, api.BadRequest("Unknown instance type %q", req.Type)
	}
	if _, err := instanceTypeLimits(req.InstanceType); err != nil {
		return nil, err
	}
	job := &CreateJob{s: s, Project: project, Name: req.Name, req: req, Resources: []string{req.Name}}
	switch req.Source.Type {
	case "image":
		if s.o.Images == nil {
			return nil, api.BadRequest("Image sources are not available on this server")
		}
		img, err := s.o.Images.ResolveImage(ctx, project, req.Source)
		if err != nil {
			return nil, err
		}
		if img.Type != "" && img.Type != api.InstanceTypeContainer {
			return nil, api.BadRequest("Requested image's type %q doesn't match instance type %q", img.Type, req.Type)
		}
		job.image = &img
	case "none":
	case "copy":
		if err := job.prepareCopy(ctx); err != nil {
			return nil, err
		}
	case "migration":
		// The content arrives through RunMigration (daemon/migration).
	default:
		return nil, api.BadRequest("Unknown source type %s", req.Source.Type)
	}
	return job, nil
}

// prepareCopy resolves the copy source ("c1" or "c1/snap0").
func (j *CreateJob) prepareCopy(ctx context.Context) error {
	src := j.req.Source.Source
	if src == "" {
		return api.BadRequest("Must specify a source instance")
	}
	j.srcProject = j.req.Source.Project
	if j.srcProject == "" {
		j.srcProject = j.Project
	}
	j.srcName, j.srcSnap, _ = strings.Cut(src, "/")
	err := j.s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if j.srcSnap != "" {
			_, err := tx.InstanceSnapshot(ctx, j.srcProject, j.srcName, j.srcSnap)
			return err
		}
		_, err := tx.Instance(ctx, j.srcProject, j.srcName)
		return err
	})
	if err != nil {
		return err
	}
	if j.srcProject == j.Project {
		j.Resources = append(j.Resources, j.srcName)
	}
	return nil
}

// Run creates the instance. progress receives operation metadata.
func (j *CreateJob) Run(ctx context.Context, progress func(map[string]any)) error {
	if progress == nil {
		progress = func(map[string]any) {}
	}
	if j.req.Source.Type == "copy" && j.req.Source.Refresh {
		if done, err := j.refresh(ctx); done || err != nil {
			return err
		}
	}
	unlock, err := j.s.lockInstance(ctx, j.Project, j.Name)
	if err != nil {
		return err
	}
	defer unlock()
	rev := revert.New()
	defer rev.Fail()
	rec, err := j.insertWithVolume(ctx, rev, progress)
	if err != nil {
		return err
	}
	if err := j.s.driverCreate(ctx, rec); err != nil {
		return err
	}
	rev.Success()
	logctx.From(ctx).WithField("instance", rec.ref().String()).Info("Created instance")
	return nil
}

// buildRow assembles the new instance row: config with image properties,
// instance type limits and volatile keys; devices; profiles.
func (j *CreateJob) buildRow(ctx context.Context, tx *db.Tx) (db.Instance, error) {
	req := j.req
	row := db.Instance{Project: j.Project, Name: j.Name, MemberID: j.s.o.Self.ID(), Type: req.Type,
		Architecture: req.Architecture, Ephemeral: req.Ephemeral, Stateful: req.Stateful, Description: req.Description,
		CreatedAt: time.Now(), Config: copyMap(req.Config), Devices: copyDevices(req.Devices), Profiles: req.Profiles}
	if j.image != nil {
		for k, v := range j.image.Properties {
			if _, set := row.Config["image."+k]; !set {
				row.Config["image."+k] = v
			}
		}
		row.Config["volatile.base_image"] = j.image.Fingerprint
		if row.Architecture == "" {
			row.Architecture = j.image.Architecture
		}
		if row.Profiles == nil && len(j.image.Profiles) > 0 {
			row.Profiles = j.image.Profiles
		}
	}
	if req.Source.Type == "copy" {
		if err := j.copyFromSource(ctx, tx, &row); err != nil {
			return row, err
		}
	}
	if req.Source.Type == "migration" {
		dropDiskIdmap(row.Config)
	}
	if row.Profiles == nil {
		row.Profiles = []string{"default"}
	}
	if row.Architecture == "" {
		row.Architecture = hostArchitecture()
	}
	limits, _ := instanceTypeLimits(req.InstanceType)
	for k, v := range limits {
		if _, set := row.Config[k]; !set {
			row.Config[k] = v
		}
	}
	return row, nil
}

// insert validates the new instance, checks the project's restrictions
// and limits and writes its record; reverting removes it. The error texts
// are LXD's ("Failed creating instance record: ...").
func (j *CreateJob) insert(ctx context.Context, rev *revert.Reverter) (*record, error) {
	rec, pp, err := j.prepare(ctx)
	if err != nil {
		return nil, err
	}
	err = j.s.tx(ctx, func(ctx context.Context, tx *db.Tx) error { return j.writeRecord(ctx, tx, rec, pp) })
	if err != nil {
		return nil, fmt.Errorf("Failed creating instance record: %w", err)
	}
	j.recordWritten(ctx, rev, rec)
	return rec, nil
}

// insertWithVolume is insert followed by createVolume. For an image or
// an empty instance the record goes in the transaction adding the volume's
// record (with the image's last use date): one commit instead of three on
// the database's single read-write connection. Copies, whose volume comes
// from elsewhere, keep insert's own transaction.
func (j *CreateJob) insertWithVolume(ctx context.Context, rev *revert.Reverter, progress func(map[string]any)) (*record, error) {
	if j.image == nil && j.req.Source.Type != "none" {
		rec, err := j.insert(ctx, rev)
		if err == nil {
			err = j.createVolume(ctx, rec, rev, progress, nil)
		}
		return rec, err
	}
	rec, pp, err := j.prepare(ctx)
	if err != nil {
		return nil, err
	}
	hooks := &recordHooks{}
	// Registered before createVolume's revert of the volume, so that it
	// runs after it, as when the record had a transaction of its own.
	rev.Add(func() {
		if hooks.written {
			j.removeRecord(ctx, rec)
		}
	})
	hooks.inTx = func(ctx context.Context, tx *db.Tx) error {
		if err := j.writeRecord(ctx, tx, rec, pp); err != nil {
			return fmt.Errorf("Failed creating instance record: %w", err)
		}
		return nil
	}
	hooks.committed = func() {
		hooks.written = true
		j.emitCreated(rec)
	}
	return rec, j.createVolume(ctx, rec, rev, progress, hooks)
}

// recordHooks carry the writing of the instance's record into the
// transaction adding its volume's record (storage.InstanceVolumeSpec).
type recordHooks struct {
	inTx      func(ctx context.Context, tx *db.Tx) error
	committed func()
	// written is set once the record (and the volume's) committed: until
	// then there is nothing of this instance to revert.
	written bool
}

// prepare builds and validates the new instance's record. It only reads
// (on a read transaction, which does not hold the read-write connection),
// then asks the network and project services.
func (j *CreateJob) prepare(ctx context.Context) (*record, string, error) {
	var rec *record
	var pp string
	err := j.s.readTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		rec, pp, err = j.prepareRecord(ctx, tx)
		return err
	})
	if err == nil {
		// Outside the transaction: NIC validation asks the network service.
		err = j.s.validateDevices(ctx, rec)
	}
	if err != nil {
		return nil, "", fmt.Errorf("Failed creating instance record: %w", err)
	}
	if j.s.o.Projects != nil {
		err := j.s.o.Projects.AllowInstanceCreation(ctx, j.Project, projects.InstanceCheck{Name: j.Name,
			Type: rec.row.Type, Config: rec.expConfig, Devices: rec.expDevices})
		if err != nil {
			return nil, "", err
		}
	}
	return rec, pp, nil
}

// writeRecord adds the prepared record in tx, and marks the image used
// (LXD updates its last use date when the record is made). An isolated id
// map is allocated again here: the read transaction that chose one does
// not keep a concurrent creation from choosing the same range.
func (j *CreateJob) writeRecord(ctx context.Context, tx *db.Tx, rec *record, pp string) error {
	if config.ParseBool(rec.expConfig["security.idmap.isolated"]) {
		if err := j.s.applyIdmap(ctx, tx, rec); err != nil {
			return err
		}
	}
	id, err := tx.CreateInstance(ctx, rec.row, pp)
	if err != nil {
		return err
	}
	rec.row.ID = id
	if j.image != nil {
		// The images service owns the row; a failure there never failed a
		// creation, so it is only logged.
		if err := tx.MarkImageUsed(ctx, j.image.Fingerprint, time.Now().UTC()); err != nil {
			logctx.From(ctx).WithError(err).Warn("Failed to update the image's last use date")
		}
	}
	return nil
}

// recordWritten registers the removal of a committed record as a revert
// step and announces the instance.
func (j *CreateJob) recordWritten(ctx context.Context, rev *revert.Reverter, rec *record) {
	rev.Add(func() { j.removeRecord(ctx, rec) })
	j.emitCreated(rec)
}

func (j *CreateJob) removeRecord(ctx context.Context, rec *record) {
	ctx = context.WithoutCancel(ctx)
	_ = j.s.tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.DeleteInstance(ctx, rec.row.ID) })
	j.s.emit(j.Project, api.EventLifecycle{Action: "instance-deleted", Source: URL(j.Project, j.Name)})
}

func (j *CreateJob) emitCreated(rec *record) {
	j.s.emit(j.Project, api.EventLifecycle{Action: "instance-created", Source: URL(j.Project, j.Name),
		Context: map[string]any{"storage-pool": rec.pool(), "type": rec.row.Type}})
}

// prepareRecord builds and validates the new instance's record.
func (j *CreateJob) prepareRecord(ctx context.Context, tx *db.Tx) (*record, string, error) {
	row, err := j.buildRow(ctx, tx)
	if err != nil {
		return nil, "", err
	}
	if err := j.s.validateConfig(row.Config); err != nil {
		// LXD's create error has no "Invalid config: " prefix.
		if inner := errors.Unwrap(err); inner != nil {
			return nil, "", inner
		}
		return nil, "", err
	}
	pp, err := tx.ProfileProject(ctx, j.Project)
	if err != nil {
		return nil, "", err
	}
	rec, err := j.s.newRecord(ctx, tx, row, pp)
	if err != nil {
		return nil, "", err
	}
	if _, err := tx.Instance(ctx, j.Project, j.Name); err == nil {
		return nil, "", api.Conflict(`Add instance info to the database: This "instances" entry already exists`)
	}
	if _, _, err := instconfig.RootDisk(rec.expDevices); err != nil {
		return nil, "", fmt.Errorf("Failed initialising instance: Failed getting root disk: %w", err)
	}
	return rec, pp, j.initVolatile(ctx, tx, rec)
}

// newRecord builds a record for row with the profiles of project pp.
func (s *Service) newRecord(ctx context.Context, tx *db.Tx, row db.Instance, pp string) (*record, error) {
	details, err := tx.ProfileDetails(ctx, pp)
	if err != nil {
		return nil, err
	}
	rec := &record{row: row}
	seen := map[string]bool{}
	for _, name := range row.Profiles {
		p, ok := details[pp+"/"+name]
		if !ok {
			return nil, api.BadRequest("Requested profile %q doesn't exist", name)
		}
		if seen[name] {
			return nil, api.BadRequest("Duplicate profile found in request")
		}
		seen[name] = true
		rec.profiles = append(rec.profiles, p)
	}
	rec.expand()
	return rec, nil
}

// initVolatile sets the volatile keys of a new instance: uuids, the
// template to apply at first start, the id map and NIC MAC addresses.
func (j *CreateJob) initVolatile(ctx context.Context, tx *db.Tx, rec *record) error {
	cfg := rec.row.Config
	cfg["volatile.uuid"] = uuid.NewString()
	cfg["volatile.cloud-init.instance-id"] = uuid.NewString()
	switch {
	case j.image != nil:
		cfg["volatile.apply_template"] = "create"
	case j.req.Source.Type == "copy" || j.req.Source.Type == "migration":
		cfg["volatile.apply_template"] = "copy"
	}
	if err := j.s.applyIdmap(ctx, tx, rec); err != nil {
		return err
	}
	if _, ok := cfg["volatile.last_state.idmap"]; !ok {
		cfg["volatile.last_state.idmap"] = "[]"
	}
	for name, dev := range rec.expDevices {
		if needsHwaddr(dev) && cfg["volatile."+name+".hwaddr"] == "" {
			cfg["volatile."+name+".hwaddr"] = nic.RandomHwaddr()
		}
	}
	rec.expand()
	return nil
}

// applyIdmap allocates a new instance's id map and sets its volatile keys.
func (s *Service) applyIdmap(ctx context.Context, tx *db.Tx, rec *record) error {
	set, base, err := s.nextIdmap(ctx, tx, rec.expConfig, 0)
	if err != nil {
		return err
	}
	for k, v := range idmapVolatile(set, base) {
		rec.row.Config[k] = v
	}
	rec.expand()
	return nil
}

// validateConfig checks an instance's local config against the key table
// (with the driver's keys).
func (s *Service) validateConfig(cfg map[string]string) error {
	return instconfig.ValidateConfig(cfg, instconfig.ConfigOpts{Type: instconfig.TypeContainer, AllowVolatile: true,
		Extra: s.o.Driver.Keys()})
}

// validateDevices checks the expanded devices.
func (s *Service) validateDevices(ctx context.Context, rec *record) error {
	o := instconfig.DeviceOpts{Type: instconfig.TypeContainer, NetworkProject: "default"}
	if s.o.Storage != nil {
		o.VolumeContentType = func(ctx context.Context, pool, volume string) (string, error) {
			return s.o.Storage.CustomVolumeContentType(ctx, storage.VolumeRef{Pool: pool, Project: rec.row.Project, Name: volume})
		}
	}
	if s.o.Networks != nil {
		o.Network = func(ctx context.Context, project, network string) (string, error) {
			n, err := s.o.Networks.NICNetwork(ctx, rec.row.Project, network)
			if err != nil {
				return "", err
			}
			return nicNetworkType(n.NICType), nil
		}
	}
	if err := instconfig.ValidateDevices(ctx, instconfig.Devices(rec.expDevices), o); err != nil {
		return err
	}
	return s.checkNICAddresses(ctx, rec)
}

// nicNetworkType maps a NIC type back to the network type it comes from.
func nicNetworkType(nictype string) string {
	if nictype == "bridged" {
		return "bridge"
	}
	return nictype
}

// driverCreate mounts the new volume and lets the driver check and write
// its files; reverting Create is the caller's volume revert plus Delete.
func (s *Service) driverCreate(ctx context.Context, rec *record) error {
	path, release, err := s.o.Storage.MountInstanceVolume(ctx, rec.volume(), "")
	if err != nil {
		return err
	}
	defer release()
	spec, err := s.baseSpec(rec, path)
	if err != nil {
		return err
	}
	if err := s.o.Driver.Create(ctx, spec); err != nil {
		_ = s.o.Driver.Delete(context.WithoutCancel(ctx), rec.ref())
		return err
	}
	return nil
}

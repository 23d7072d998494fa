package instances

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/drivers/instance"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// epoch is what LXD shows as last_used_at of a never-started instance.
var epoch = time.Unix(0, 0).UTC()

// archIDs are LXD's numeric architecture ids (the instance ETag hashes the
// id, not the name).
var archIDs = map[string]int{
	"i686": 1, "x86_64": 2, "armv7l": 3, "aarch64": 4, "ppc": 5, "ppc64": 6, "ppc64le": 7,
	"s390x": 8, "mips": 9, "mips64": 10, "riscv32": 11, "riscv64": 12, "armv6l": 13, "armv8l": 14,
}

// ETag is the value LXD hashes for an instance's ETag: the architecture
// id, local config and devices, ephemeral and the full profile objects
// (with used_by null). The description is not covered.
func (r *record) ETag() any {
	profiles := make([]api.Profile, 0, len(r.profiles))
	for _, p := range r.profiles {
		profiles = append(profiles, api.Profile{ProfilePut: api.ProfilePut{
			Config: nonNilMap(p.Config), Description: p.Description, Devices: nonNilDevices(p.Devices)}, Name: p.Name})
	}
	return []any{archIDs[r.row.Architecture], nonNilMap(r.row.Config), nonNilDevices(r.row.Devices), r.row.Ephemeral, profiles}
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilDevices(m map[string]map[string]string) map[string]map[string]string {
	if m == nil {
		return map[string]map[string]string{}
	}
	return m
}

// render is the API view of a record with a known status. location is the
// instance's member (in a cluster), else this member's name.
func (r *record) render(status api.StatusCode, location string) api.Instance {
	if r.row.Member != "" {
		location = r.row.Member
	}
	lastUsed := r.row.LastUsedAt.Time.UTC()
	if r.row.LastUsedAt.Time.IsZero() {
		lastUsed = epoch
	}
	profiles := r.row.Profiles
	if profiles == nil {
		profiles = []string{}
	}
	return api.Instance{
		InstancePut: api.InstancePut{
			Architecture: r.row.Architecture, Config: nonNilMap(r.row.Config), Devices: nonNilDevices(r.row.Devices),
			Ephemeral: r.row.Ephemeral, Profiles: profiles, Stateful: r.row.Stateful, Description: r.row.Description,
		},
		CreatedAt: r.row.CreatedAt.UTC(), ExpandedConfig: r.expConfig, ExpandedDevices: r.expDevices,
		Name: r.row.Name, Status: status.String(), StatusCode: status, LastUsedAt: lastUsed,
		Location: location, Type: r.row.Type, Project: r.row.Project,
	}
}

// driverState asks the driver; an error is logged and shown as Error.
func (s *Service) driverState(ctx context.Context, r *record) instance.State {
	st, err := s.o.Driver.State(ctx, r.ref())
	if err != nil {
		logctx.From(ctx).WithError(err).WithField("instance", r.ref().String()).Warn("Failed to get instance state")
		return instance.State{Status: api.Error}
	}
	return st
}

// driverStatus asks the driver for the status only when it can tell it
// without reading usage (instance.StatusReader); an error is logged and
// shown as Error.
func (s *Service) driverStatus(ctx context.Context, r *record) api.StatusCode {
	sr, ok := s.o.Driver.(instance.StatusReader)
	if !ok {
		return s.driverState(ctx, r).Status
	}
	st, err := sr.Status(ctx, r.ref())
	if err != nil {
		logctx.From(ctx).WithError(err).WithField("instance", r.ref().String()).Warn("Failed to get instance status")
		return api.Error
	}
	return st
}

// Get returns an instance and the value of its ETag.
func (s *Service) Get(ctx context.Context, project, name string) (api.Instance, any, error) {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return api.Instance{}, nil, err
	}
	return rec.render(s.driverStatus(ctx, rec), s.o.Location()), rec.ETag(), nil
}

// GetFull returns an instance with state, snapshots and backups.
func (s *Service) GetFull(ctx context.Context, project, name string) (api.InstanceFull, any, error) {
	var rec *record
	var snaps []db.InstanceSnapshot
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if rec, err = loadRecord(ctx, tx, project, name); err != nil {
			return err
		}
		snaps, err = tx.InstanceSnapshots(ctx, rec.row.ID)
		return err
	})
	if err != nil {
		return api.InstanceFull{}, nil, err
	}
	return s.full(ctx, rec, snaps), rec.ETag(), nil
}

func (s *Service) full(ctx context.Context, rec *record, snaps []db.InstanceSnapshot) api.InstanceFull {
	st := s.driverState(ctx, rec)
	state := s.renderState(ctx, rec, st)
	out := api.InstanceFull{Instance: rec.render(st.Status, s.o.Location()), State: &state}
	for _, sn := range snaps {
		out.Snapshots = append(out.Snapshots, renderSnapshot(rec, sn))
	}
	return out
}

// ListOpts select instances for List.
type ListOpts struct {
	Project     string
	AllProjects bool
	// Projects restricts AllProjects to these projects (restricted
	// clients); nil means every project.
	Projects []string
	// NoState skips asking the driver (status left empty): for name lists.
	NoState bool
}

func (s *Service) listRecords(ctx context.Context, o ListOpts) ([]*record, error) {
	var recs []*record
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		recs, err = listRecordsTx(ctx, tx, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return allowedRecords(recs, o), nil
}

// listFilter is the database filter for o.
func (o ListOpts) listFilter() db.InstanceFilter {
	if o.AllProjects {
		return db.InstanceFilter{}
	}
	return db.InstanceFilter{Project: o.Project}
}

// listRecordsTx loads the records o selects (before the restriction to
// o.Projects); an unknown project is 404.
func listRecordsTx(ctx context.Context, tx *db.Tx, o ListOpts) ([]*record, error) {
	if !o.AllProjects {
		if _, err := tx.Project(ctx, o.Project); err != nil {
			return nil, err
		}
	}
	return loadRecords(ctx, tx, o.listFilter())
}

// allowedRecords keeps the records of the projects a restricted client
// may see.
func allowedRecords(recs []*record, o ListOpts) []*record {
	if !o.AllProjects || o.Projects == nil {
		return recs
	}
	allowed := map[string]bool{}
	for _, p := range o.Projects {
		allowed[p] = true
	}
	kept := recs[:0]
	for _, r := range recs {
		if allowed[r.row.Project] {
			kept = append(kept, r)
		}
	}
	return kept
}

// List returns the instances of a project (or of every project) with
// their status; in a cluster, the status of another member's instance
// comes from that member.
func (s *Service) List(ctx context.Context, o ListOpts) ([]api.Instance, error) {
	recs, err := s.listRecords(ctx, o)
	if err != nil {
		return nil, err
	}
	out := make([]api.Instance, 0, len(recs))
	if o.NoState {
		for _, r := range recs {
			out = append(out, r.render(0, s.o.Location()))
		}
		return out, nil
	}
	states := s.listStates(ctx, recs, false)
	for n, r := range recs {
		if states[n].Status == "" {
			out = append(out, unreachable(r))
			continue
		}
		out = append(out, r.render(states[n].StatusCode, s.o.Location()))
	}
	return out, nil
}

// ListFull is List with state and snapshots (recursion=2).
func (s *Service) ListFull(ctx context.Context, o ListOpts) ([]api.InstanceFull, error) {
	var recs []*record
	var snaps map[int64][]db.InstanceSnapshot
	err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if recs, err = listRecordsTx(ctx, tx, o); err != nil || len(recs) == 0 {
			return err
		}
		snaps, err = tx.InstanceSnapshotsOf(ctx, o.listFilter())
		return err
	})
	if err != nil {
		return nil, err
	}
	recs = allowedRecords(recs, o)
	states := s.listStates(ctx, recs, true)
	out := make([]api.InstanceFull, 0, len(recs))
	for n, r := range recs {
		if states[n].Status == "" {
			out = append(out, api.InstanceFull{Instance: unreachable(r)})
			continue
		}
		state := states[n]
		full := api.InstanceFull{Instance: r.render(state.StatusCode, s.o.Location()), State: &state}
		for _, sn := range snaps[r.row.ID] {
			full.Snapshots = append(full.Snapshots, renderSnapshot(r, sn))
		}
		out = append(out, full)
	}
	return out, nil
}

// states asks the driver for every record's state, a few at a time.
func (s *Service) states(ctx context.Context, recs []*record) []instance.State {
	out := make([]instance.State, len(recs))
	s.forEach(recs, func(n int, r *record) { out[n] = s.driverState(ctx, r) })
	return out
}

// forEach runs f for every record, a few at a time.
func (s *Service) forEach(recs []*record, f func(n int, r *record)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for n, r := range recs {
		wg.Add(1)
		sem <- struct{}{}
		go func(n int, r *record) {
			defer wg.Done()
			f(n, r)
			<-sem
		}(n, r)
	}
	wg.Wait()
}

// State returns GET /1.0/instances/<name>/state.
func (s *Service) State(ctx context.Context, project, name string) (api.InstanceState, error) {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return api.InstanceState{}, err
	}
	return s.renderState(ctx, rec, s.driverState(ctx, rec)), nil
}

// renderState turns the driver's state into LXD's, adding disk usage and
// the host side names of NICs.
func (s *Service) renderState(ctx context.Context, rec *record, st instance.State) api.InstanceState {
	out := api.InstanceState{
		Status: st.Status.String(), StatusCode: st.Status, Disk: s.diskUsage(ctx, rec),
		Memory: api.InstanceStateMemory{Usage: st.Memory.Usage, UsagePeak: st.Memory.UsagePeak,
			SwapUsage: st.Memory.SwapUsage, SwapUsagePeak: st.Memory.SwapUsagePeak},
		Pid: int64(st.Pid), Processes: st.Processes, CPU: api.InstanceStateCPU{Usage: st.CPU.Usage},
	}
	if st.Network == nil {
		return out
	}
	hostNames := nicHostNames(rec)
	out.Network = map[string]api.InstanceStateNetwork{}
	for name, n := range st.Network {
		addrs := make([]api.InstanceStateNetworkAddress, 0, len(n.Addresses))
		for _, a := range n.Addresses {
			addrs = append(addrs, api.InstanceStateNetworkAddress{Family: a.Family, Address: a.Address, Netmask: a.Netmask, Scope: a.Scope})
		}
		c := n.Counters
		host := n.HostName
		if host == "" {
			host = hostNames[name]
		}
		out.Network[name] = api.InstanceStateNetwork{
			Addresses: addrs, Hwaddr: n.Hwaddr, HostName: host, Mtu: n.Mtu, State: n.State, Type: n.Type,
			Counters: api.InstanceStateNetworkCounters{BytesReceived: c.BytesReceived, BytesSent: c.BytesSent,
				PacketsReceived: c.PacketsReceived, PacketsSent: c.PacketsSent, ErrorsReceived: c.ErrorsReceived,
				ErrorsSent: c.ErrorsSent, PacketsDroppedOutbound: c.PacketsDroppedOutbound, PacketsDroppedInbound: c.PacketsDroppedInbound},
		}
	}
	return out
}

// nicHostNames maps interface names inside to host-side names.
func nicHostNames(rec *record) map[string]string {
	out := map[string]string{}
	for dev, cfg := range rec.expDevices {
		if cfg["type"] != "nic" {
			continue
		}
		inside := cfg["name"]
		if inside == "" {
			inside = rec.expConfig["volatile."+dev+".name"]
		}
		if host := rec.expConfig["volatile."+dev+".host_name"]; inside != "" && host != "" {
			out[inside] = host
		}
	}
	return out
}

// diskUsage reports the root volume's usage when the pool can measure it.
func (s *Service) diskUsage(ctx context.Context, rec *record) map[string]api.InstanceStateDisk {
	out := map[string]api.InstanceStateDisk{}
	if rec.pool() == "" || s.o.Storage == nil {
		return out
	}
	u, err := s.o.Storage.InstanceVolumeUsage(ctx, rec.volume())
	if err != nil {
		if !errors.Is(err, drv.ErrNotSupported) {
			logctx.From(ctx).WithError(err).Debug("Failed to get root volume usage")
		}
		return out
	}
	name := "root"
	for dev, cfg := range rec.expDevices {
		if cfg["type"] == "disk" && cfg["path"] == "/" {
			name = dev
		}
	}
	out[name] = api.InstanceStateDisk{Usage: u.Used}
	return out
}

// renderSnapshot is the API view of a snapshot of rec.
func renderSnapshot(rec *record, sn db.InstanceSnapshot) api.InstanceSnapshot {
	snapRec := &record{row: rec.row, profiles: rec.profiles}
	snapRec.row.Config, snapRec.row.Devices = sn.Config, sn.Devices
	snapRec.expand()
	profiles := []string(sn.Profiles)
	if profiles == nil {
		profiles = []string{}
	}
	return api.InstanceSnapshot{
		InstanceSnapshotPut: api.InstanceSnapshotPut{ExpiresAt: sn.ExpiresAt.Time.UTC()},
		Architecture:        rec.row.Architecture, Config: nonNilMap(sn.Config), CreatedAt: sn.CreatedAt.UTC(),
		Devices: nonNilDevices(sn.Devices), Ephemeral: rec.row.Ephemeral, ExpandedConfig: snapRec.expConfig,
		ExpandedDevices: snapRec.expDevices, LastUsedAt: time.Time{}, Name: sn.Name, Profiles: profiles,
		Stateful: sn.Stateful, Size: -1,
	}
}

// sortedKeys returns the keys of m sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isVolatile reports whether k is a volatile key.
func isVolatile(k string) bool { return strings.HasPrefix(k, "volatile.") }

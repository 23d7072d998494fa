package instances

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/instconfig"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/proxy"
	"github.com/lxdng/lxd/drivers/network/nic"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
	"github.com/lxdng/lxd/shared/revert"
)

// hotplugTypes are the device types a running instance can gain or lose.
var hotplugTypes = map[string]bool{"disk": true, "unix-char": true, "unix-block": true, "nic": true, "usb": true}

// hotplug attaches added devices and detaches removed ones (a changed
// device is removed then added, as LXD does for NICs whose changed keys
// cannot be updated in place). The volatile keys this changes are set in
// next.row.Config and returned ("" = deleted) for the caller to store.
func (s *Service) hotplug(ctx context.Context, old, next *record, rev *revert.Reverter) (map[string]string, error) {
	removed, added := deviceChanges(old.expDevices, next.expDevices)
	changes := map[string]string{}
	removed, added, err := s.updateNICsInPlace(ctx, old, next, removed, added)
	if err != nil {
		return nil, err
	}
	if len(removed)+len(added) == 0 {
		return changes, nil
	}
	hp, ok := s.o.Driver.(instance.Hotplugger)
	for _, name := range append(append([]string{}, removed...), added...) {
		for _, dev := range []map[string]string{old.expDevices[name], next.expDevices[name]} {
			if dev == nil || dev["type"] == "proxy" || dev["type"] == "none" {
				continue
			}
			if !ok || !hotplugTypes[dev["type"]] || instconfig.IsRootDisk(dev) {
				return nil, api.BadRequest("Device %q cannot be changed while the instance is running", name)
			}
		}
	}
	for _, name := range removed {
		if err := s.detach(ctx, hp, old, name); err != nil {
			return nil, err
		}
		for k, v := range volatileReset(old, next, name) {
			changes[k] = v
		}
	}
	for k, v := range changes {
		setOrDelete(next.row.Config, k, v)
	}
	for _, name := range added {
		vol, err := s.attach(ctx, hp, next, name, rev)
		if err != nil {
			return nil, err
		}
		for k, v := range vol {
			changes[k] = v
			setOrDelete(next.row.Config, k, v)
		}
	}
	next.expand()
	return changes, nil
}

// updateNICsInPlace applies the changed NICs whose changed keys LXD
// updates in place (filtering, limits, routes, static addresses) and
// returns the removed and added lists without them.
func (s *Service) updateNICsInPlace(ctx context.Context, old, next *record, removed, added []string) ([]string, []string, error) {
	inPlace := map[string]bool{}
	for _, name := range removed {
		od, nd := old.expDevices[name], next.expDevices[name]
		if nd == nil || od["type"] != "nic" || nd["type"] != "nic" || od["network"] != nd["network"] {
			continue
		}
		oc, err1 := s.nicConfig(ctx, old, od)
		nc, err2 := s.nicConfig(ctx, next, nd)
		if err1 != nil || err2 != nil || !nic.CanUpdate(oc, nc) {
			continue
		}
		vol := nicVolatile(old.row.Config, name)
		no := nic.Opts{Config: nc, Volatile: vol, FirewallTable: s.o.FirewallTable}
		var err error
		if no.AllowedIPv4, no.AllowedIPv6, err = s.filterAddresses(ctx, next, nd, no); err != nil {
			return nil, nil, fmt.Errorf("Failed to update device %q: %w", name, err)
		}
		err = nic.Update(ctx, nic.Opts{Config: oc, Volatile: vol, FirewallTable: s.o.FirewallTable}, no)
		if err != nil {
			return nil, nil, fmt.Errorf("Failed to update device %q: %w", name, err)
		}
		inPlace[name] = true
	}
	keep := func(names []string) []string {
		var out []string
		for _, n := range names {
			if !inPlace[n] {
				out = append(out, n)
			}
		}
		return out
	}
	return keep(removed), keep(added), nil
}

// deviceChanges lists, sorted, the devices of old that are gone or changed
// and the devices of next that are new or changed.
func deviceChanges(old, next map[string]map[string]string) (removed, added []string) {
	for name, dev := range old {
		if nd, ok := next[name]; !ok || !reflect.DeepEqual(nd, dev) {
			removed = append(removed, name)
		}
	}
	for name, dev := range next {
		if od, ok := old[name]; !ok || !reflect.DeepEqual(od, dev) {
			added = append(added, name)
		}
	}
	sort.Strings(removed)
	sort.Strings(added)
	return removed, added
}

// volatileReset is LXD's reset of a detached device's volatile keys: all
// of them when the device is gone or changed type (or nictype); else only
// the host-side state (the MAC and name inside stay stable).
func volatileReset(old, next *record, name string) map[string]string {
	out := map[string]string{}
	pfx := "volatile." + name + "."
	od, nd := old.expDevices[name], next.expDevices[name]
	all := nd == nil || nd["type"] != od["type"] || nd["nictype"] != od["nictype"] || nd["network"] != od["network"]
	for k := range next.row.Config {
		if !strings.HasPrefix(k, pfx) {
			continue
		}
		key := strings.TrimPrefix(k, pfx)
		if all || (key != "hwaddr" && key != "name") || nd[key] != "" {
			out[k] = ""
		}
	}
	return out
}

func setOrDelete(m map[string]string, k, v string) {
	if v == "" {
		delete(m, k)
	} else {
		m[k] = v
	}
}

// hotplugProxy stops a removed proxy device or starts an added one.
func (s *Service) hotplugProxy(ctx context.Context, rec *record, name string, add bool, rev *revert.Reverter) error {
	if !add {
		return proxy.Stop(ctx, s.proxyDirs().Ref(rec.row.Project, rec.row.Name, name))
	}
	st := s.driverState(ctx, rec)
	spec, err := s.proxySpec(rec, name, st.Pid, nil)
	if err != nil {
		return err
	}
	markCloseOnExec()
	if _, err := proxy.Start(ctx, spec); err != nil {
		return fmt.Errorf("Failed to start device %q: %w", name, err)
	}
	rev.Add(func() { _ = proxy.Stop(context.WithoutCancel(ctx), spec.Ref) })
	return nil
}

func (s *Service) detach(ctx context.Context, hp instance.Hotplugger, rec *record, name string) error {
	switch rec.expDevices[name]["type"] {
	case "proxy":
		return s.hotplugProxy(ctx, rec, name, false, nil)
	case "nic":
		return s.detachNIC(ctx, hp, rec, name)
	}
	var tmp preparedDevices
	spec, err := s.deviceSpec(ctx, rec, name, rec.expDevices[name], &tmp)
	tmp.undo(ctx)
	if err != nil || spec == nil {
		return nil // nothing was attached for it
	}
	if err := hp.DetachDevice(ctx, rec.ref(), *spec); err != nil {
		return fmt.Errorf("Failed to detach device %q: %w", name, err)
	}
	s.releaseDevice(rec.ref(), name)
	return nil
}

// detachNIC moves a NIC out of the running instance and removes its host
// side, from what its volatile keys recorded at start or attach.
func (s *Service) detachNIC(ctx context.Context, hp instance.Hotplugger, rec *record, name string) error {
	dev := rec.expDevices[name]
	cfg, err := s.nicConfig(ctx, rec, dev)
	if err != nil {
		// The network is gone: what the device itself says is enough
		// to find the interface inside and the host end.
		cfg = copyMap(dev)
	}
	vol := nicVolatile(rec.row.Config, name)
	inside := cfg["name"]
	if inside == "" {
		inside = vol["name"]
	}
	// The interface goes back to the host under a name nic.Remove finds
	// (physical: its parent; macvlan: its own) or, for a veth end, any
	// name: it dies with the host end.
	back := nic.RandomName("veth")
	switch cfg["nictype"] {
	case nic.Physical:
		back = cfg["parent"]
	case nic.Macvlan:
		if vol["host_name"] != "" {
			back = vol["host_name"]
		}
	}
	if inside != "" {
		spec := instance.DeviceSpec{Name: name, NICs: []instance.NIC{{Type: "phys", Name: inside, HostName: back}}}
		if err := hp.DetachDevice(ctx, rec.ref(), spec); err != nil {
			return fmt.Errorf("Failed to detach device %q: %w", name, err)
		}
	}
	if err := nic.Remove(ctx, nic.Opts{Config: cfg, Volatile: vol, FirewallTable: s.o.FirewallTable}); err != nil {
		return fmt.Errorf("Failed to remove device %q: %w", name, err)
	}
	logctx.From(ctx).WithField("device", name).Debug("Hot-unplugged NIC")
	return nil
}

// attach prepares and hot-plugs device name of rec; it returns the
// volatile keys the host side recorded.
func (s *Service) attach(ctx context.Context, hp instance.Hotplugger, rec *record, name string, rev *revert.Reverter) (map[string]string, error) {
	if rec.expDevices[name]["type"] == "proxy" {
		return nil, s.hotplugProxy(ctx, rec, name, true, rev)
	}
	prep := &preparedDevices{volatile: map[string]string{}}
	spec, err := s.deviceSpec(ctx, rec, name, rec.expDevices[name], prep)
	if err != nil || spec == nil {
		prep.undo(ctx)
		return nil, err
	}
	if err := hp.AttachDevice(ctx, rec.ref(), *spec); err != nil {
		prep.undo(ctx)
		return nil, fmt.Errorf("Failed to attach device %q: %w", name, err)
	}
	rev.Add(func() {
		ctx := context.WithoutCancel(ctx)
		if rec.expDevices[name]["type"] == "nic" {
			_ = s.detachNIC(ctx, hp, &record{row: withConfig(rec.row, prep.volatile), expDevices: rec.expDevices, profiles: rec.profiles}, name)
			return
		}
		_ = hp.DetachDevice(ctx, rec.ref(), *spec)
	})
	key := refKey(rec.row.Project, rec.row.Name)
	s.mu.Lock()
	s.devMnts[key] = append(s.devMnts[key], prep.releases...)
	s.mu.Unlock()
	logctx.From(ctx).WithField("device", name).Debug("Hot-plugged device")
	return prep.volatile, nil
}

// withConfig returns row with the config keys of extra set.
func withConfig(row db.Instance, extra map[string]string) db.Instance {
	cfg := copyMap(row.Config)
	for k, v := range extra {
		setOrDelete(cfg, k, v)
	}
	row.Config = cfg
	return row
}

// ProfileUpdated re-applies a changed profile to the running instances
// using it, as LXD does: limits are set again from the new expanded
// config, and devices the change added, removed or modified are
// hot-plugged. old is the profile before the change. Failures are
// reported per instance (the profile change itself is kept).
func (s *Service) ProfileUpdated(ctx context.Context, project, profile string, old api.ProfilePut) error {
	recs, err := s.memberRecords(ctx)
	if err != nil {
		return err
	}
	var failed []string
	for _, rec := range recs {
		if !usesProfile(rec, project, profile) || s.driverStatus(ctx, rec) == api.Stopped {
			continue
		}
		if err := s.reapplyProfile(ctx, rec.row.Project, rec.row.Name, project, profile, old); err != nil {
			logctx.From(ctx).WithError(err).WithField("instance", rec.ref().String()).Warn("Failed to apply profile change")
			failed = append(failed, fmt.Sprintf("%s: %v", rec.row.Name, err))
		}
	}
	if len(failed) > 0 {
		return errors.New("The following instances failed to update (profile change still saved):\n - " + strings.Join(failed, "\n - "))
	}
	return nil
}

func usesProfile(rec *record, project, profile string) bool {
	for _, p := range rec.profiles {
		if p.Project == project && p.Name == profile {
			return true
		}
	}
	return false
}

// reapplyProfile applies to one running instance the difference between
// its expansion with the old profile and with the current one.
func (s *Service) reapplyProfile(ctx context.Context, instProject, name, project, profile string, old api.ProfilePut) error {
	unlock, err := s.lockInstance(ctx, instProject, name)
	if err != nil {
		return err
	}
	defer unlock()
	next, err := s.load(ctx, instProject, name)
	if err != nil {
		return err
	}
	prev := &record{row: withConfig(next.row, nil)}
	for _, p := range next.profiles {
		if p.Project == project && p.Name == profile {
			p.Config, p.Devices = old.Config, old.Devices
		}
		prev.profiles = append(prev.profiles, p)
	}
	prev.expand()
	rev := revert.New()
	defer rev.Fail()
	changes, err := s.applyLive(ctx, prev, next, rev)
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		err := s.tx(ctx, func(ctx context.Context, tx *db.Tx) error {
			return tx.UpdateInstanceConfig(ctx, next.row.ID, changes)
		})
		if err != nil {
			return err
		}
	}
	rev.Success()
	s.refreshLeases(ctx, prev)
	s.refreshLeases(ctx, next)
	return nil
}

// OnStopNS is called (through the driver's stop hook) when an instance's
// init has died but its network namespace, at path netns, still exists:
// its physical NICs go back to the host now, under their parent's name
// (liblxc already returned those it moved in at start; hot-plugged ones
// would be destroyed or renamed by the kernel). It takes no instance lock:
// a Stop holding it is waiting for this hook to finish.
func (s *Service) OnStopNS(ctx context.Context, project, name, netns string) {
	nr, ok := s.o.Driver.(instance.NICReleaser)
	if !ok || netns == "" {
		return
	}
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return
	}
	var nics []instance.NIC
	for _, dev := range sortedKeys(rec.expDevices) {
		d := rec.expDevices[dev]
		if d["type"] != "nic" {
			continue
		}
		cfg, err := s.nicConfig(ctx, rec, d)
		if err != nil || cfg["nictype"] != nic.Physical {
			continue
		}
		inside, _ := nicName(rec, dev, nil)
		nics = append(nics, instance.NIC{Type: "phys", Name: inside, HostName: cfg["parent"]})
	}
	if len(nics) == 0 {
		return
	}
	if err := nr.ReleaseNICs(ctx, netns, nics); err != nil {
		logctx.From(ctx).WithError(err).WithField("instance", project+"/"+name).Warn("Failed to return physical NICs to the host")
	}
}

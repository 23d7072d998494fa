package instances

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/projects"
	"github.com/lxdng/lxd/daemon/storage"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/idmap"
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
)

// Storage is what the service needs from the storage service: instance
// root volumes, their snapshots and mounts, and custom volumes for disk
// devices. daemon/storage.Service implements it.
type Storage interface {
	CreateInstanceVolume(ctx context.Context, spec storage.InstanceVolumeSpec) error
	CopyInstanceVolume(ctx context.Context, dst, src storage.InstanceRef, withSnapshots bool) error
	DeleteInstanceVolume(ctx context.Context, ref storage.InstanceRef) error
	DeleteInstanceVolumeWith(ctx context.Context, ref storage.InstanceRef, inTx func(ctx context.Context, tx *db.Tx) error) error
	RenameInstanceVolume(ctx context.Context, ref storage.InstanceRef, newName string) error
	MountInstanceVolume(ctx context.Context, ref storage.InstanceRef, snap string) (string, func(), error)
	MountCustomVolume(ctx context.Context, ref storage.VolumeRef) (string, func(), error)
	CustomVolumeContentType(ctx context.Context, ref storage.VolumeRef) (string, error)
	InstanceVolumeUsage(ctx context.Context, ref storage.InstanceRef) (drv.Usage, error)
	InstanceVolumesUsage(ctx context.Context, refs []storage.InstanceRef) ([]drv.Usage, []error)
	CreateInstanceSnapshot(ctx context.Context, ref storage.InstanceRef, snap string) error
	DeleteInstanceSnapshot(ctx context.Context, ref storage.InstanceRef, snap string) error
	RenameInstanceSnapshot(ctx context.Context, ref storage.InstanceRef, snap, newName string) error
	RestoreInstanceSnapshot(ctx context.Context, ref storage.InstanceRef, snap string) error
}

// Image is what instance creation needs to know about an image.
type Image struct {
	Fingerprint  string
	Architecture string
	Type         string // "container" or "virtual-machine"
	Properties   map[string]string
	Profiles     []string
	Size         int64 // bytes of the image files, for progress
}

// Progress reports how far an unpack is: LXD's "Unpack: 42% (12.10MB/s)".
type Progress struct {
	Percent int64
	Speed   int64 // bytes per second
}

// Images is what the service needs from the image store.
type Images interface {
	// ResolveImage finds the local image an image source names (alias,
	// fingerprint or prefix) as seen from project: 404 "Image not found"
	// or "Image alias not found".
	ResolveImage(ctx context.Context, project string, src api.InstanceSource) (Image, error)
	// UnpackImage extracts the image into target, an empty volume mount:
	// metadata.yaml, templates/ and rootfs/.
	UnpackImage(ctx context.Context, fingerprint, target string, progress func(Progress)) error
}

// NICNetwork is a managed network as a nic device with network=<name>
// attaches to it.
type NICNetwork struct {
	NICType string // "bridged", "macvlan", "physical"
	Parent  string // the bridge or parent interface
	MTU     string // the network's MTU ("" = default)
	// Config is the network's config (static address rules of bridged
	// NICs read ipv4.address, ipv4.dhcp, ipv6.dhcp.stateful, ...).
	Config map[string]string
}

// Networks resolves managed networks for nic devices.
type Networks interface {
	NICNetwork(ctx context.Context, project, name string) (NICNetwork, error)
	// RefreshStaticLeases tells a network its static DHCP hosts changed.
	RefreshStaticLeases(ctx context.Context, project, name string) error
	// FilterAddresses returns (pinning them when new) the addresses the
	// network serves to MAC mac, for IP filtering of a NIC without static
	// addresses ("" when the network has none of a family).
	FilterAddresses(ctx context.Context, project, name, mac string, v4, v6 bool) (ipv4, ipv6 string, err error)
}

// Projects enforces project restrictions and limits on instances
// (daemon/projects.Service); nil skips the checks.
type Projects interface {
	AllowInstanceCreation(ctx context.Context, project string, c projects.InstanceCheck) error
	AllowInstanceUpdate(ctx context.Context, project string, c projects.InstanceCheck) error
	CheckSnapshot(ctx context.Context, project string) error
}

// Publisher receives lifecycle events (daemon/events.Hub).
type Publisher interface {
	PublishLifecycle(project string, m api.EventLifecycle)
}

// Options build a Service.
type Options struct {
	Store *db.Store
	// Self is this member's live identity: its id keys the instances of
	// this member, its name is their location ("none" standalone).
	Self cluster.Self
	// Location returns the member name events and instances carry ("none").
	Location func() string
	Driver   instance.Driver
	Storage  Storage
	Images   Images   // nil: image sources are refused
	Networks Networks // nil: nic devices with network= are refused
	Projects Projects // nil: no project restrictions or limits
	// Peers, when clustered, reports the state of other members'
	// instances (nil: every instance is asked of this member's driver).
	Peers  Peers
	Events Publisher
	// Dir is LXD_DIR; Exe is the daemon binary the driver's hooks run.
	Dir string
	Exe string
	// SubUID/SubGID are /etc/subuid and /etc/subgid (tests override).
	SubUID, SubGID string
	// DevlxdDir is the directory of the devlxd socket, mounted at /dev/lxd
	// in instances with security.devlxd enabled ("": none).
	DevlxdDir string
	// FirewallTable is the nftables table NIC filtering rules go in.
	FirewallTable string
	// SnapshotInterval is how often snapshots.schedule and
	// snapshots.expiry are checked (LXD: every minute). Zero: one minute.
	SnapshotInterval time.Duration
}

// Service is the instance service. Its methods are safe for concurrent use.
type Service struct {
	o       Options
	hostMap idmap.Set
	locks   keyedLocks

	mu      sync.Mutex
	mounts  map[string]func()          // root volume mounts held while running, by ref
	devMnts map[string][]deviceRelease // device mounts held while running
	stopped map[string]chan struct{}   // stops the daemon itself is doing
	startup time.Time
	hookCh  chan instance.Ref // unsolicited stops reported by the hook
}

// New builds the service. It reads the host's subordinate id ranges.
func New(o Options) (*Service, error) {
	if o.SubUID == "" {
		o.SubUID, o.SubGID = "/etc/subuid", "/etc/subgid"
	}
	if o.Location == nil {
		o.Location = func() string { return "none" }
	}
	if o.SnapshotInterval <= 0 {
		o.SnapshotInterval = time.Minute
	}
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("Failed to find the daemon binary: %w", err)
		}
		o.Exe = exe
	}
	host, err := idmap.HostSet(o.SubUID, o.SubGID, "root")
	if err != nil {
		return nil, fmt.Errorf("Failed to read the subordinate id ranges: %w", err)
	}
	return &Service{
		o: o, hostMap: host, locks: keyedLocks{m: map[string]*keyedLock{}},
		mounts: map[string]func(){}, devMnts: map[string][]deviceRelease{}, stopped: map[string]chan struct{}{},
		startup: time.Now(), hookCh: make(chan instance.Ref, 64),
	}, nil
}

// Driver returns the instance driver.
func (s *Service) Driver() instance.Driver { return s.o.Driver }

// keyedLocks serialises work per instance.
type keyedLocks struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	ch    chan struct{}
	users int
}

// lock takes the lock of key, waiting until ctx ends.
func (k *keyedLocks) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	l, ok := k.m[key]
	if !ok {
		l = &keyedLock{ch: make(chan struct{}, 1)}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		l.users--
		if l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

func refKey(project, name string) string { return project + "/" + name }

// lockInstance takes the per-instance lock.
func (s *Service) lockInstance(ctx context.Context, project, name string) (func(), error) {
	return s.locks.lock(ctx, refKey(project, name))
}

// tx runs fn in a database transaction.
func (s *Service) tx(ctx context.Context, fn func(ctx context.Context, tx *db.Tx) error) error {
	return s.o.Store.Tx(ctx, fn)
}

// readTx runs fn, which only reads, in a read-only transaction: it does
// not queue behind write transactions.
func (s *Service) readTx(ctx context.Context, fn func(ctx context.Context, tx *db.Tx) error) error {
	return s.o.Store.ReadTx(ctx, fn)
}

// emit publishes a lifecycle event.
func (s *Service) emit(project string, ev api.EventLifecycle) {
	if s.o.Events != nil {
		s.o.Events.PublishLifecycle(project, ev)
	}
}

// URL is an instance's API path as events name it.
func URL(project, name string) string {
	u := "/1.0/instances/" + name
	if project != "" && project != "default" {
		u += "?project=" + project
	}
	return u
}

// snapshotURL is a snapshot's API path.
func snapshotURL(project, name, snap string) string {
	u := "/1.0/instances/" + name + "/snapshots/" + snap
	if project != "" && project != "default" {
		u += "?project=" + project
	}
	return u
}

// MountVolume mounts an instance's root volume for the per-instance
// endpoints (files, metadata, templates); release must be called.
func (s *Service) MountVolume(ctx context.Context, project, name string) (string, func(), error) {
	rec, err := s.load(ctx, project, name)
	if err != nil {
		return "", nil, err
	}
	return s.o.Storage.MountInstanceVolume(ctx, rec.volume(), "")
}

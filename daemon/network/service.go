package network

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// Publisher receives lifecycle events (the daemon's event hub).
type Publisher interface {
	PublishLifecycle(project string, e api.EventLifecycle)
}

// Options is what the daemon hands the service.
type Options struct {
	Store   *db.Store
	Drivers map[string]netdriver.Driver // by type: bridge, macvlan, physical
	// Dir is $LXD_DIR/networks; each network's StateDir is Dir/<name>.
	Dir string
	// FirewallTable is this daemon's own nftables table (inet family).
	FirewallTable string
	// Self is this member's live identity: its id keys the member rows,
	// its name ("none" when not clustered) is the leases' location.
	Self   cluster.Self
	Events Publisher
	// Peers reaches the other cluster members (nil: standalone).
	Peers Peers
}

// Service manages networks. Changes are serialised by one mutex: they are
// rare, and overlap checks must see a stable set of networks.
type Service struct {
	o  Options
	mu sync.Mutex
}

// New returns the network service.
func New(o Options) *Service {
	if o.Events == nil {
		o.Events = nopPublisher{}
	}
	return &Service{o: o}
}

type nopPublisher struct{}

func (nopPublisher) PublishLifecycle(string, api.EventLifecycle) {}

// record is one managed network as stored: its row and this member's row.
type record struct {
	row    db.Network
	local  db.NetworkMember
	hasRow bool // local is a real row
	names  []string
}

// config merges the cluster-wide and this member's keys.
func (r record) config() map[string]string {
	out := make(map[string]string, len(r.row.Config)+len(r.local.Config))
	for k, v := range r.row.Config {
		out[k] = v
	}
	for k, v := range r.local.Config {
		out[k] = v
	}
	return out
}

// loadRecord reads one network with its member rows.
func (s *Service) loadRecord(ctx context.Context, tx *db.Tx, project, name string) (record, error) {
	row, err := tx.Network(ctx, project, name)
	if err != nil {
		return record{}, err
	}
	return s.completeRecord(ctx, tx, row)
}

func (s *Service) completeRecord(ctx context.Context, tx *db.Tx, row db.Network) (record, error) {
	rec := record{row: row}
	members, err := tx.NetworkMembers(ctx, row.ID)
	if err != nil {
		return rec, err
	}
	for _, m := range members {
		rec.names = append(rec.names, m.MemberName)
		if m.MemberID == s.o.Self.ID() {
			rec.local, rec.hasRow = m, true
		}
	}
	return rec, nil
}

// loadAll reads every network of every project.
func (s *Service) loadAll(ctx context.Context, tx *db.Tx) ([]record, error) {
	rows, err := tx.Networks(ctx, db.NetworkFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]record, 0, len(rows))
	for _, row := range rows {
		rec, err := s.completeRecord(ctx, tx, row)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// driverFor returns the driver of a stored type.
func (s *Service) driverFor(typ string) (netdriver.Driver, error) {
	d, ok := s.o.Drivers[typ]
	if !ok {
		return nil, api.InternalError("Network type %q has no driver on this server", typ)
	}
	return d, nil
}

// stateDir is where a network's driver keeps its files.
func (s *Service) stateDir(name string) string { return filepath.Join(s.o.Dir, name) }

// toDriver builds the driver's view of a record: all is every network of
// this member (for overlap checks), u gives the static leases. The drivers
// rewrite dnsmasq's hosts from StaticLeases on every Start/Update, so they
// must always be complete.
func (s *Service) toDriver(rec record, all []record, u usage) netdriver.Network {
	n := s.blank(rec.row.Name, rec.row.Type)
	n.Description = rec.row.Description
	n.Config = rec.config()
	n.Others = others(all, rec.row.ID)
	n.StaticLeases = u.staticLeases(s.o.Self.ID(), rec.row.Project, rec.row.Name)
	return s.withPins(n)
}

// others is the driver view of every network but the one with id skip.
func others(all []record, skip int64) []netdriver.Network {
	var out []netdriver.Network
	for _, o := range all {
		if o.row.ID != skip {
			out = append(out, netdriver.Network{Name: o.row.Name, Type: o.row.Type, Config: o.config()})
		}
	}
	return out
}

func (s *Service) blank(name, typ string) netdriver.Network {
	return netdriver.Network{
		Name:          name,
		Type:          typ,
		Config:        map[string]string{},
		StateDir:      s.stateDir(name),
		FirewallTable: s.o.FirewallTable,
		Member:        s.o.Self.Name(),
	}
}

// splitConfig separates member-specific keys (Scope Member in the driver's
// table) from the cluster-wide ones.
func splitConfig(keys config.Schema, cfg map[string]string) (global, member db.JSONMap) {
	global, member = db.JSONMap{}, db.JSONMap{}
	for k, v := range cfg {
		if key, ok := keys.Lookup(k); ok && key.Scope == config.Member {
			member[k] = v
			continue
		}
		global[k] = v
	}
	return global, member
}

// networkProject is the project a request's networks live in: the project
// itself when it has features.networks=true, otherwise "default".
func networkProject(ctx context.Context, tx *db.Tx, project string) (string, error) {
	if project == "" || project == "default" {
		return "default", nil
	}
	p, err := tx.Project(ctx, project)
	if err != nil {
		if api.IsStatus(err, 404) {
			return "", api.NotFound("Failed to load project %q: %w", project, err)
		}
		return "", err
	}
	if config.ParseBool(p.Config["features.networks"]) {
		return project, nil
	}
	return "default", nil
}

// sourceURL is a network's URL in events and used_by lists.
func sourceURL(project, name string) string {
	u := "/1.0/networks/" + name
	if project != "default" {
		u += "?project=" + project
	}
	return u
}

var nameChars = regexp.MustCompile(`^[-_a-zA-Z0-9.]+$`)

// validName checks a network name with LXD's wording (every type: a
// network's name may become an interface name).
func validName(name string) error {
	switch {
	case len(name) < 2:
		return api.BadRequest("Network interface is too short (minimum 2 characters)")
	case len(name) > 15:
		return api.BadRequest("Network interface is too long (maximum 15 characters)")
	case !nameChars.MatchString(name) || name == "." || name == "..":
		return api.BadRequest("Network interface contains invalid characters")
	}
	return nil
}

// notLoaded turns a 404 into LXD's "Failed loading network" wording used by
// every endpoint but GET.
func notLoaded(err error) error {
	if api.IsStatus(err, 404) {
		return api.NotFound("Failed loading network: %w", err)
	}
	return err
}

// publish sends a lifecycle event for a network.
func (s *Service) publish(ctx context.Context, project, name, action string, extra map[string]any) {
	s.o.Events.PublishLifecycle(project, api.EventLifecycle{
		Action:    action,
		Source:    sourceURL(project, name),
		Context:   extra,
		Requestor: request.From(ctx).Lifecycle(),
	})
}

// errInUse is LXD's refusal to delete a network something uses.
var errInUse = errors.New("The network is currently in use")

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

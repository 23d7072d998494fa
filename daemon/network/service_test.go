package network

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// fakeDriver records calls and fails where told; it stands in for a real
// driver to unit-test orchestration and revert paths only.
type fakeDriver struct {
	typ      string
	calls    []string
	startErr func(n netdriver.Network) error
	updErr   func(old, new netdriver.Network) error
}

func (f *fakeDriver) Type() string { return f.typ }
func (f *fakeDriver) Keys() config.Schema {
	return config.Schema{"ipv4.address": {}, "parent": {Scope: config.Member}, "user.*": {}}
}
func (f *fakeDriver) Validate(ctx context.Context, n netdriver.Network) error {
	if err := f.Keys().Validate(n.Config); err != nil {
		return netdriver.KeyError(n.Name, err)
	}
	return nil
}
func (f *fakeDriver) FillDefaults(ctx context.Context, n *netdriver.Network) error { return nil }
func (f *fakeDriver) Start(ctx context.Context, n netdriver.Network) error {
	f.calls = append(f.calls, "start "+n.Name)
	if f.startErr != nil {
		return f.startErr(n)
	}
	return nil
}
func (f *fakeDriver) Stop(ctx context.Context, n netdriver.Network) error {
	f.calls = append(f.calls, "stop "+n.Name)
	return nil
}
func (f *fakeDriver) Update(ctx context.Context, old, new netdriver.Network) error {
	f.calls = append(f.calls, "update "+new.Config["ipv4.address"])
	if f.updErr != nil {
		return f.updErr(old, new)
	}
	return nil
}
func (f *fakeDriver) Delete(ctx context.Context, n netdriver.Network) error {
	f.calls = append(f.calls, "delete "+n.Name)
	return nil
}
func (f *fakeDriver) State(ctx context.Context, n netdriver.Network) (api.NetworkState, error) {
	return api.NetworkState{}, nil
}
func (f *fakeDriver) Leases(ctx context.Context, n netdriver.Network) ([]api.NetworkLease, error) {
	return nil, nil
}

type recorder struct{ actions []string }

func (r *recorder) PublishLifecycle(project string, e api.EventLifecycle) {
	r.actions = append(r.actions, e.Action+" "+e.Source)
}

func newTestService(t *testing.T) (*Service, *fakeDriver, *recorder, context.Context) {
	t.Helper()
	ctx := request.With(context.Background(), &request.Requestor{Trusted: true, Protocol: "unix"})
	store, err := db.Open(ctx, t.TempDir(), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var member int64
	err = store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		member, err = tx.CreateMember(ctx, db.Member{Name: "none", Address: "0.0.0.0", Architecture: "x86_64"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A type name the host check (for bridges) does not apply to.
	f := &fakeDriver{typ: netdriver.TypeMacvlan}
	rec := &recorder{}
	s := New(Options{Store: store, Drivers: map[string]netdriver.Driver{netdriver.TypeMacvlan: f}, Dir: t.TempDir(),
		FirewallTable: "lxdng_test", Self: cluster.StaticSelf(db.Member{ID: member, Name: "none"}), Events: rec})
	return s, f, rec, ctx
}

func create(t *testing.T, s *Service, ctx context.Context, name string, cfg map[string]string) error {
	t.Helper()
	return s.Create(ctx, "default", api.NetworksPost{Name: name, Type: netdriver.TypeMacvlan, NetworkPut: api.NetworkPut{Config: cfg}})
}

func TestCreateRevertsOnStartFailure(t *testing.T) {
	s, f, rec, ctx := newTestService(t)
	f.startErr = func(netdriver.Network) error { return errors.New("boom") }
	if err := create(t, s, ctx, "mv0", map[string]string{"parent": "eth0"}); err == nil || err.Error() != "boom" {
		t.Fatalf("create: %v", err)
	}
	if !slices.Equal(f.calls, []string{"start mv0", "delete mv0"}) {
		t.Fatalf("driver calls: %v", f.calls)
	}
	if _, err := s.Get(ctx, "default", "mv0"); !api.IsStatus(err, 404) {
		t.Fatalf("row left behind: %v", err)
	}
	if len(rec.actions) != 0 {
		t.Fatalf("events for a failed create: %v", rec.actions)
	}
}

func TestCreateStoresMemberKeysApart(t *testing.T) {
	s, _, rec, ctx := newTestService(t)
	if err := create(t, s, ctx, "mv0", map[string]string{"parent": "eth0", "user.a": "1", "user.b": ""}); err != nil {
		t.Fatal(err)
	}
	wantStatusMsg(t, create(t, s, ctx, "mv0", nil), 400, "The network already exists")
	var row db.Network
	var m db.NetworkMember
	_ = s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		row, _ = tx.Network(ctx, "default", "mv0")
		m, _ = tx.NetworkMember(ctx, row.ID, s.o.Self.ID())
		return nil
	})
	if row.Config["parent"] != "" || m.Config["parent"] != "eth0" || row.Config["user.a"] != "1" || row.State != db.NetworkCreated {
		t.Fatalf("rows: %+v %+v", row, m)
	}
	n, err := s.Get(ctx, "default", "mv0")
	if err != nil || n.Config["parent"] != "eth0" || len(n.Config) != 2 || n.Status != "Created" || !slices.Equal(n.Locations, []string{"none"}) {
		t.Fatalf("get: %+v %v", n, err)
	}
	if !slices.Equal(rec.actions, []string{"network-created /1.0/networks/mv0"}) {
		t.Fatalf("events: %v", rec.actions)
	}
}

func TestUpdateRevertsAndChecksETag(t *testing.T) {
	s, f, _, ctx := newTestService(t)
	if err := create(t, s, ctx, "mv0", map[string]string{"ipv4.address": "a"}); err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	f.updErr = func(old, new netdriver.Network) error {
		if new.Config["ipv4.address"] == "b" {
			return api.BadRequest("cannot")
		}
		return nil
	}
	err := s.Update(ctx, "default", "mv0", UpdateRequest{Put: api.NetworkPut{Config: map[string]string{"ipv4.address": "b"}}, Patch: true})
	wantStatusMsg(t, err, 400, "cannot")
	if !slices.Equal(f.calls, []string{"update b", "update a"}) {
		t.Fatalf("driver calls: %v", f.calls)
	}
	refused := errors.New("etag")
	err = s.Update(ctx, "default", "mv0", UpdateRequest{Check: func(api.Network) error { return refused }})
	if !errors.Is(err, refused) {
		t.Fatalf("check not applied: %v", err)
	}
	wantStatusMsg(t, s.Update(ctx, "default", "nosuch", UpdateRequest{}), 404, "Failed loading network: Network not found")
	err = s.Update(ctx, "default", "mv0", UpdateRequest{Put: api.NetworkPut{Config: map[string]string{"bogus": "1"}}})
	wantStatusMsg(t, err, 400, `Invalid option for network "mv0" option "bogus"`)
	if n, _ := s.Get(ctx, "default", "mv0"); n.Config["ipv4.address"] != "a" {
		t.Fatalf("refused updates changed the config: %v", n.Config)
	}
}

func TestRenameMovesStateAndRefusesInUse(t *testing.T) {
	s, f, rec, ctx := newTestService(t)
	if err := create(t, s, ctx, "mv0", nil); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.o.Dir, "mv0"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	f.startErr = func(n netdriver.Network) error {
		if n.Name == "mv1" {
			return errors.New("no")
		}
		return nil
	}
	if err := s.Rename(ctx, "default", "mv0", "mv1"); err == nil {
		t.Fatal("failed rename reported success")
	}
	if !slices.Equal(f.calls, []string{"stop mv0", "start mv1", "stop mv1", "start mv0"}) {
		t.Fatalf("revert calls: %v", f.calls)
	}
	if _, err := os.Stat(filepath.Join(s.o.Dir, "mv0")); err != nil {
		t.Fatalf("state dir not moved back: %v", err)
	}
	f.startErr = nil
	if err := s.Rename(ctx, "default", "mv0", "mv1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.o.Dir, "mv1")); err != nil {
		t.Fatalf("state dir not moved: %v", err)
	}
	if got := rec.actions[len(rec.actions)-1]; got != "network-renamed /1.0/networks/mv1" {
		t.Fatalf("event: %s", got)
	}
	_ = s.o.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE profiles SET devices = '{"e":{"type":"nic","network":"mv1"}}' WHERE name = 'default'`)
		return err
	})
	wantStatusMsg(t, s.Rename(ctx, "default", "mv1", "mv2"), 400, "Network is currently in use")
	wantStatusMsg(t, s.Delete(ctx, "default", "mv1"), 400, "The network is currently in use")
	if n, _ := s.Get(ctx, "default", "mv1"); !slices.Equal(n.UsedBy, []string{"/1.0/profiles/default"}) {
		t.Fatalf("used_by: %v", n.UsedBy)
	}
}

func TestStartupMarksErrored(t *testing.T) {
	s, f, _, ctx := newTestService(t)
	for _, name := range []string{"mv0", "mv1"} {
		if err := create(t, s, ctx, name, nil); err != nil {
			t.Fatal(err)
		}
	}
	f.startErr = func(n netdriver.Network) error {
		if n.Name == "mv1" {
			return errors.New("parent gone")
		}
		return nil
	}
	if err := s.Startup(ctx); err != nil {
		t.Fatal(err)
	}
	n0, _ := s.Get(ctx, "default", "mv0")
	n1, _ := s.Get(ctx, "default", "mv1")
	if n0.Status != "Created" || n1.Status != "Errored" {
		t.Fatalf("statuses: %s %s", n0.Status, n1.Status)
	}
	f.startErr = nil
	if err := s.Startup(ctx); err != nil {
		t.Fatal(err)
	}
	if n1, _ = s.Get(ctx, "default", "mv1"); n1.Status != "Created" {
		t.Fatalf("recovered network still %s", n1.Status)
	}
}

func wantStatusMsg(t *testing.T, err error, status int, msg string) {
	t.Helper()
	if err == nil || api.StatusOf(err) != status || !strings.Contains(err.Error(), msg) {
		t.Fatalf("got %v (%d), want %d %q", err, api.StatusOf(err), status, msg)
	}
}

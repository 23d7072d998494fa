//go:build integration

package migration

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/tlsutil"
)

func TestMain(m *testing.M) {
	HelperMain()
	os.Exit(m.Run())
}

// writeTree writes files (relative path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree returns relative path -> content of every regular file.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pair runs a listener behind a TLS server and dials it: the source
// listens (pull mode) and the sink dials.
func pair(t *testing.T) (src func(context.Context) (Channels, error), sink func(context.Context) (Channels, error), secrets map[string]string) {
	l, err := NewListener()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := l.Connect(nil, w, r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
		}
	}))
	t.Cleanup(srv.Close)
	cert := string(tlsutil.EncodePEM(srv.Certificate()))
	peer := Peer{Operation: srv.URL + "/1.0/operations/x", Certificate: cert, Secrets: l.Secrets()}
	return l.Wait, func(ctx context.Context) (Channels, error) { return Dial(ctx, peer) }, l.Secrets()
}

func TestMigrationTransfer(t *testing.T) {
	if _, err := exec.LookPath("rsync"); err != nil {
		t.Fatal("rsync is missing: apt-get install rsync")
	}
	base := t.TempDir()
	snaps := map[string]map[string]string{
		"s1": {"a": "one", "dir/b": "two"},
		"s2": {"a": "one-changed", "c": "three"},
	}
	for name, files := range snaps {
		writeTree(t, filepath.Join(base, "src-snap", name), files)
	}
	writeTree(t, filepath.Join(base, "src"), map[string]string{"a": "now", "big": strings.Repeat("x", 3<<20)})
	dst := filepath.Join(base, "dst")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	listen, dial, _ := pair(t)
	var progress []string
	var mu sync.Mutex
	source := Source{
		Name:  "v1",
		Offer: Header{SnapshotNames: []string{"s1", "s2"}, Snapshots: []Snapshot{{Name: "s1", CreationDate: 5}, {Name: "s2"}}},
		Mount: func(_ context.Context, snap string) (string, func(), error) {
			if snap == "" {
				return filepath.Join(base, "src"), func() {}, nil
			}
			return filepath.Join(base, "src-snap", snap), func() {}, nil
		},
		Progress: func(s string) { mu.Lock(); progress = append(progress, s); mu.Unlock() },
	}
	got := map[string]map[string]string{}
	sink := Sink{Name: "v1", Prepare: func(_ context.Context, offer Header) (Plan, error) {
		if offer.Rsync == nil || !offer.Rsync.Delete || len(offer.Snapshots) != 2 || offer.Snapshots[0].CreationDate != 5 {
			t.Errorf("offer: %+v", offer)
		}
		return Plan{Snapshots: OfferedSnapshots(offer), Path: dst, Snapshot: func(_ context.Context, s Snapshot) error {
			got[s.Name] = readTree(t, dst)
			return nil
		}}, nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srcErr := make(chan error, 1)
	go func() {
		ch, err := listen(ctx)
		if err == nil {
			err = source.Run(ctx, ch)
			ch.Close()
		}
		srcErr <- err
	}()
	ch, err := dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Run(ctx, ch); err != nil {
		t.Fatalf("sink: %v (source: %v)", err, <-srcErr)
	}
	ch.Close()
	if err := <-srcErr; err != nil {
		t.Fatal(err)
	}
	for name, want := range snaps {
		if !equalMaps(got[name], want) {
			t.Errorf("snapshot %s: got %v", name, got[name])
		}
	}
	if final := readTree(t, dst); final["a"] != "now" || len(final["big"]) != 3<<20 || len(final) != 2 {
		t.Errorf("volume: %d files, a=%q", len(final), final["a"])
	}
	if len(progress) == 0 || !strings.HasPrefix(progress[0], "v1/s1: ") || !strings.HasSuffix(progress[0], "/s)") {
		t.Errorf("progress: %q", progress)
	}
}

// TestMigrationSinkFailure: a target that refuses the offer reports it and
// the source fails with its message.
func TestMigrationSinkFailure(t *testing.T) {
	listen, dial, _ := pair(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srcErr := make(chan error, 1)
	go func() {
		ch, err := listen(ctx)
		if err == nil {
			err = Source{Name: "v", Mount: func(context.Context, string) (string, func(), error) { return t.TempDir(), func() {}, nil }}.Run(ctx, ch)
			ch.Close()
		}
		srcErr <- err
	}()
	ch, err := dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = Sink{Prepare: func(context.Context, Header) (Plan, error) { return Plan{}, errAlready }}.Run(ctx, ch)
	ch.Close()
	if err != errAlready {
		t.Fatalf("sink: %v", err)
	}
	if err := <-srcErr; err == nil || err.Error() != errAlready.Error() {
		t.Fatalf("source: %v", err)
	}
}

var errAlready = &testError{"Volume by that name already exists"}

type testError struct{ s string }

func (e *testError) Error() string { return e.s }

// TestMigrationWrongSecret: a wrong secret is refused with 403.
func TestMigrationWrongSecret(t *testing.T) {
	l, err := NewListener()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := l.Connect(nil, w, r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
		}
	}))
	defer srv.Close()
	peer := Peer{Operation: srv.URL + "/1.0/operations/x", Certificate: string(tlsutil.EncodePEM(srv.Certificate())),
		Secrets: map[string]string{WSControl: "nope", WSFilesystem: "nope"}}
	if _, err := Dial(context.Background(), peer); err == nil || err.Error() != "websocket: bad handshake" {
		t.Fatalf("dial with a wrong secret: %v", err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

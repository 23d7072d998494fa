//go:build integration

package migration

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// referenceEndpoint enables HTTPS on a daemon and returns its URL and
// certificate.
func referenceEndpoint(t *testing.T, d *daemontest.Daemon) (string, string) {
	addr := fmt.Sprintf("127.0.0.1:%d", daemontest.FreePort(t))
	d.MustLXC(t, "config", "set", "core.https_address", addr)
	var srv api.Server
	if _, err := d.Client.Get(context.Background(), "/1.0", &srv); err != nil {
		t.Fatal(err)
	}
	return "https://" + addr, srv.Environment.Certificate
}

// TestInteropSinkFromReference runs our sink against a real LXD 5.0.2
// source (pull): the offer decodes, the content and snapshots arrive.
func TestInteropSinkFromReference(t *testing.T) {
	ref := daemontest.StartReference(t)
	url, cert := referenceEndpoint(t, ref)
	ref.MustLXC(t, "storage", "create", "p1", "dir")
	t.Cleanup(func() { ref.LXC(t, "storage", "volume", "delete", "p1", "v1"); ref.LXC(t, "storage", "delete", "p1") })
	ref.MustLXC(t, "storage", "volume", "create", "p1", "v1")
	volDir := filepath.Join(ref.Dir, "storage-pools", "p1", "custom", "default_v1")
	writeTree(t, volDir, map[string]string{"f": "snap-content"})
	ref.MustLXC(t, "storage", "volume", "snapshot", "p1", "v1", "s1")
	writeTree(t, volDir, map[string]string{"f": "now", "g": "new"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op, err := ref.Client.Do(ctx, http.MethodPost, "/1.0/storage-pools/p1/volumes/custom/v1", api.StorageVolumePost{Name: "v1", Migration: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for k, v := range op.Metadata {
		secrets[k], _ = v.(string)
	}
	ch, err := Dial(ctx, Peer{Operation: url + "/1.0/operations/" + op.ID, Certificate: cert, Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	dst := t.TempDir()
	got := map[string]map[string]string{}
	sink := Sink{Name: "v1", Prepare: func(_ context.Context, offer Header) (Plan, error) {
		t.Logf("offer: %+v rsync=%+v", offer, offer.Rsync)
		return Plan{Snapshots: OfferedSnapshots(offer), Path: dst, Snapshot: func(_ context.Context, s Snapshot) error {
			got[s.Name] = readTree(t, dst)
			return nil
		}}, nil
	}, Progress: func(s string) { t.Log("progress", s) }}
	if err := sink.Run(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if err := op.Wait(ctx); err != nil {
		t.Fatalf("source operation: %v", err)
	}
	if got["s1"]["f"] != "snap-content" {
		t.Errorf("snapshot: %v", got)
	}
	if final := readTree(t, dst); final["f"] != "now" || final["g"] != "new" {
		t.Errorf("volume: %v", final)
	}
}

// TestInteropSourceToReference runs our source against a real LXD 5.0.2
// target in push mode: the volume and its snapshot appear there.
func TestInteropSourceToReference(t *testing.T) {
	ref := daemontest.StartReference(t)
	url, cert := referenceEndpoint(t, ref)
	ref.MustLXC(t, "storage", "create", "p1", "dir")
	t.Cleanup(func() { ref.LXC(t, "storage", "volume", "delete", "p1", "v1"); ref.LXC(t, "storage", "delete", "p1") })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := api.StorageVolumesPost{Name: "v1", Type: "custom", ContentType: "filesystem",
		Source: api.StorageVolumeSource{Type: "migration", Mode: "push", Name: "v1"}}
	op, err := ref.Client.Do(ctx, http.MethodPost, "/1.0/storage-pools/p1/volumes/custom", req, "")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for k, v := range op.Metadata {
		secrets[k], _ = v.(string)
	}
	ch, err := Dial(ctx, Peer{Operation: url + "/1.0/operations/" + op.ID, Certificate: cert, Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	writeTree(t, filepath.Join(base, "s1"), map[string]string{"f": "snap-content"})
	writeTree(t, filepath.Join(base, "vol"), map[string]string{"f": "now", "g": "new"})
	src := Source{Name: "v1",
		Offer: Header{SnapshotNames: []string{"s1"}, Snapshots: []Snapshot{{Name: "s1", CreationDate: time.Now().Unix()}}},
		Mount: func(_ context.Context, snap string) (string, func(), error) {
			if snap == "" {
				snap = "vol"
			}
			return filepath.Join(base, snap), func() {}, nil
		}}
	err = src.Run(ctx, ch)
	ch.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Wait(ctx); err != nil {
		t.Fatalf("target operation: %v", err)
	}
	volDir := filepath.Join(ref.Dir, "storage-pools", "p1", "custom", "default_v1")
	if final := readTree(t, volDir); final["f"] != "now" || final["g"] != "new" {
		t.Errorf("volume: %v", final)
	}
	snapDir := filepath.Join(ref.Dir, "storage-pools", "p1", "custom-snapshots", "default_v1", "s1")
	if snap := readTree(t, snapDir); snap["f"] != "snap-content" {
		t.Errorf("snapshot: %v", snap)
	}
	out := ref.MustLXC(t, "storage", "volume", "list", "p1", "--format", "csv")
	if !strings.Contains(out, "v1/s1") {
		t.Errorf("snapshot not listed on the reference:\n%s", out)
	}
}

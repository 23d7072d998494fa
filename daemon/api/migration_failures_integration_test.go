//go:build integration

package api_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// migrateEndpoint enables HTTPS and returns the daemon's URL and
// certificate, as a client hands them to the other end.
func migrateEndpoint(t *testing.T, d *daemontest.Daemon) (string, string) {
	t.Helper()
	url := enableHTTPS(t, d)
	var srv api.Server
	if _, err := d.Client.Get(context.Background(), "/1.0", &srv); err != nil {
		t.Fatal(err)
	}
	return url, srv.Environment.Certificate
}

// migrateStartSource starts the source side of a volume migration (pull)
// and returns its operation and secrets.
func migrateStartSource(t *testing.T, d *daemontest.Daemon, pool, vol string) (*client.Operation, map[string]string) {
	t.Helper()
	op, err := d.Client.Do(context.Background(), http.MethodPost, "/1.0/storage-pools/"+pool+"/volumes/custom/"+vol,
		api.StorageVolumePost{Name: vol, Migration: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for k, v := range op.Metadata {
		secrets[k], _ = v.(string)
	}
	if op.Class != "websocket" || op.Description != "Migrating storage volume" || len(secrets["control"]) != 64 || len(secrets["fs"]) != 64 {
		t.Fatalf("source operation: %+v", op.Operation)
	}
	return op, secrets
}

// migrateTargetRequest is what `lxc storage volume copy` sends the target.
func migrateTargetRequest(vol, url, cert, opID string, secrets map[string]string) api.StorageVolumesPost {
	return api.StorageVolumesPost{Name: vol, Type: "custom", ContentType: "filesystem",
		Source: api.StorageVolumeSource{Type: "migration", Mode: "pull", Name: vol, Certificate: cert,
			Operation: url + "/1.0/operations/" + opID, Websockets: secrets}}
}

// migrateNoVolume checks that the target kept nothing: no record, no
// directory.
func migrateNoVolume(t *testing.T, d *daemontest.Daemon, pool, vol string) {
	t.Helper()
	if _, _, err := d.Client.GetStorageVolume(context.Background(), pool, "custom", vol); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("volume %s left on the target: %v", vol, err)
	}
	if _, err := os.Stat(migrateVolumeDir(d, pool, vol, "")); !os.IsNotExist(err) {
		t.Errorf("volume directory left on the target: %v", err)
	}
}

// scenarioMigrateWrongSecret: a target presenting wrong secrets is refused
// (403 on the websocket); its operation fails and leaves no volume; the
// source keeps waiting for the right peer, which then succeeds.
func scenarioMigrateWrongSecret(t *testing.T, a, b *daemontest.Daemon) {
	url, cert := migrateEndpoint(t, a)
	pool := migratePools(t, a, b)
	a.MustLXC(t, "storage", "volume", "create", pool, "v1")
	op, secrets := migrateStartSource(t, a, pool, "v1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bad := map[string]string{"control": strings.Repeat("0", 64), "fs": strings.Repeat("1", 64)}
	top, err := b.Client.CreateStorageVolume(ctx, pool, migrateTargetRequest("v1", url, cert, op.ID, bad))
	if err != nil {
		t.Fatal(err)
	}
	if err := top.Wait(ctx); err == nil {
		t.Fatal("target with wrong secrets succeeded")
	} else if err.Error() != "Error transferring storage volume: websocket: bad handshake" {
		t.Errorf("wrong secret error: %v", err)
	}
	migrateNoVolume(t, b, pool, "v1")
	top, err = b.Client.CreateStorageVolume(ctx, pool, migrateTargetRequest("v1", url, cert, op.ID, secrets))
	if err != nil {
		t.Fatal(err)
	}
	if err := top.Wait(ctx); err != nil {
		t.Fatalf("target with the right secrets: %v", err)
	}
	if err := op.Wait(ctx); err != nil {
		t.Fatalf("source: %v", err)
	}
}

func TestMigrateWrongSecret(t *testing.T) {
	scenarioMigrateWrongSecret(t, daemontest.Start(t), daemontest.Start(t))
}

func TestReferenceMigrateWrongSecret(t *testing.T) {
	scenarioMigrateWrongSecret(t, daemontest.StartReference(t), daemontest.StartReference(t))
}

// TestMigrateSourceVanishes kills the source daemon in the middle of a
// (bandwidth limited) transfer: the target operation fails, reported
// progress first, and leaves no volume, record or directory behind.
func TestMigrateSourceVanishes(t *testing.T) {
	a, b := daemontest.Start(t), daemontest.Start(t)
	url, cert := migrateEndpoint(t, a)
	pool := migratePools(t, a, b)
	a.MustLXC(t, "storage", "set", pool, "rsync.bwlimit", "1000")
	a.MustLXC(t, "storage", "volume", "create", pool, "v1")
	data := make([]byte, 16<<20)
	_, _ = rand.Read(data)
	migrateWrite(t, migrateVolumeDir(a, pool, "v1", ""), map[string]string{"random": string(data)})
	op, secrets := migrateStartSource(t, a, pool, "v1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	top, err := b.Client.CreateStorageVolume(ctx, pool, migrateTargetRequest("v1", url, cert, op.ID, secrets))
	if err != nil {
		t.Fatal(err)
	}
	if top.Description != "Copying storage volume" || top.Class != "task" {
		t.Errorf("target operation: %+v", top.Operation)
	}
	progress := ""
	daemontest.Eventually(t, 30*time.Second, "no fs_progress on the target operation", func() bool {
		if err := top.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		progress, _ = top.Metadata["fs_progress"].(string)
		return progress != ""
	})
	if !strings.HasPrefix(progress, "v1: ") || !strings.HasSuffix(progress, "/s)") {
		t.Errorf("fs_progress: %q", progress)
	}
	if _, _, err := b.Client.GetStorageVolume(ctx, pool, "custom", "v1"); err != nil {
		t.Errorf("volume not visible during the transfer: %v", err)
	}
	a.Kill()
	if err := top.Wait(ctx); err == nil {
		t.Fatal("target succeeded without its source")
	}
	migrateNoVolume(t, b, pool, "v1")
	a.Restart() // so that the cleanups can talk to it
}

// TestMigrateInstanceSourceVanishes kills the source daemon in the middle
// of an instance transfer (the pool's rsync.bwlimit slows it down): the
// target operation fails after reporting progress and leaves no instance,
// record, volume or directory behind.
func TestMigrateInstanceSourceVanishes(t *testing.T) {
	a, b := daemontest.Start(t), daemontest.Start(t)
	url, cert := migrateEndpoint(t, a)
	ea, eb := migrateInstEnvs(t, a, b)
	a.MustLXC(t, "storage", "set", ea.pool, "rsync.bwlimit", "1000")
	ea.newBusybox(t, "c1")
	data := make([]byte, 16<<20)
	_, _ = rand.Read(data)
	migrateWriteRootfs(t, ea, "c1", "random", string(data))
	eb.cleanupInstance(t, "c2")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op, err := a.Client.Do(ctx, http.MethodPost, "/1.0/instances/c1", map[string]any{"migration": true, "target": nil}, "")
	if err != nil {
		t.Fatal(err)
	}
	if op.Class != "websocket" || op.Description != "Migrating instance" {
		t.Errorf("source operation: %+v", op.Operation)
	}
	body := map[string]any{"name": "c2", "type": "container", "profiles": []string{},
		"devices": map[string]any{"root": map[string]string{"type": "disk", "path": "/", "pool": eb.pool}},
		"source": map[string]any{"type": "migration", "mode": "pull", "certificate": cert,
			"operation": url + "/1.0/operations/" + op.ID, "secrets": op.Metadata}}
	top, err := b.Client.Do(ctx, http.MethodPost, "/1.0/instances", body, "")
	if err != nil {
		t.Fatal(err)
	}
	daemontest.Eventually(t, 30*time.Second, "no fs_progress on the target operation", func() bool {
		if err := top.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		p, _ := top.Metadata["fs_progress"].(string)
		return strings.HasPrefix(p, "c2: ")
	})
	a.Kill()
	if err := top.Wait(ctx); err == nil || !strings.HasPrefix(err.Error(), "Error transferring instance data: ") {
		t.Fatalf("target without its source: %v", err)
	}
	if _, _, err := b.Client.Query(ctx, http.MethodGet, "/1.0/instances/c2", nil, ""); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("instance left on the target: %v", err)
	}
	if _, err := os.Stat(eb.volumePath("c2")); !os.IsNotExist(err) {
		t.Errorf("volume directory left on the target: %v", err)
	}
	var vols []api.StorageVolume
	if _, err := b.Client.Get(ctx, "/1.0/storage-pools/"+eb.pool+"/volumes?recursion=1", &vols); err != nil || len(vols) != 0 {
		t.Errorf("volume records left on the target: %+v %v", vols, err)
	}
	a.Restart()
}

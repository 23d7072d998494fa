//go:build integration

package api_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// Helpers shared by the storage scenarios. They work on our daemon and on
// the reference LXD alike: both lay pools out the same way on disk
// ($LXD_DIR/storage-pools/<pool>/custom/<project>_<volume>).

// newPool creates a pool with the real lxc and deletes it (with its custom
// volumes) at cleanup; a btrfs pool left mounted is unmounted by force.
func newPool(t *testing.T, d *daemontest.Daemon, driver string, cfg ...string) string {
	t.Helper()
	name := daemontest.Name(t, "lxdngsv-")
	d.MustLXC(t, append([]string{"storage", "create", name, driver}, cfg...)...)
	t.Cleanup(func() { cleanupPool(t, d, name) })
	return name
}

func cleanupPool(t *testing.T, d *daemontest.Daemon, pool string) {
	ctx := context.Background()
	var vols []api.StorageVolume
	if _, err := d.Client.Get(ctx, "/1.0/storage-pools/"+pool+"/volumes?recursion=1&all-projects=true", &vols); err == nil {
		for _, v := range vols {
			if v.Type == "custom" && !strings.Contains(v.Name, "/") {
				_ = d.Client.WithProject(v.Project).DeleteStorageVolume(ctx, pool, "custom", v.Name)
			}
		}
	}
	if err := d.Client.DeleteStoragePool(ctx, pool); err != nil && !strings.Contains(err.Error(), "not found") {
		t.Logf("cleanup: delete pool %s: %v", pool, err)
	}
	forceUnmount(t, filepath.Join(d.Dir, "storage-pools", pool))
	detachLoops(t, filepath.Join(d.Dir, "disks", pool+".img"))
}

// forceUnmount lazily unmounts path if something is still mounted there.
func forceUnmount(t *testing.T, path string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && fields[4] == path {
			t.Logf("cleanup: %s still mounted, unmounting", path)
			_ = exec.Command("umount", "-l", path).Run()
		}
	}
}

// detachLoops detaches loop devices still backed by file.
func detachLoops(t *testing.T, file string) {
	out, err := exec.Command("losetup", "-j", file).Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if dev, _, ok := strings.Cut(line, ":"); ok && dev != "" {
			t.Logf("cleanup: detaching %s", dev)
			_ = exec.Command("losetup", "-d", dev).Run()
		}
	}
}

// isMounted reports whether path is a mount point.
func isMounted(t *testing.T, path string) bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if fields := strings.Fields(line); len(fields) > 4 && fields[4] == path {
			return true
		}
	}
	return false
}

// volumeDir is where a custom volume's content lives on the host.
func volumeDir(d *daemontest.Daemon, pool, project, volume string) string {
	return filepath.Join(d.Dir, "storage-pools", pool, "custom", project+"_"+volume)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(data)
}

// etagOf computes LXD's ETag of a value.
func etagOf(t *testing.T, v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(data, '\n'))
	return hex.EncodeToString(sum[:])
}

// expectError checks an API answer's status and message.
func expectError(t *testing.T, d *daemontest.Daemon, method, path, body string, status int, msg string) {
	t.Helper()
	got, r := rawQuery(t, d, method, path, body, nil)
	if got != status || r.Error != msg {
		t.Errorf("%s %s %s: got %d %q, want %d %q", method, path, body, got, r.Error, status, msg)
	}
}

// mustAsync sends a request that must start an operation which succeeds.
func mustAsync(t *testing.T, d *daemontest.Daemon, method, path, body string) api.Operation {
	t.Helper()
	status, r := rawQuery(t, d, method, path, body, nil)
	if status != 202 {
		t.Fatalf("%s %s: status %d (%s)", method, path, status, r.Error)
	}
	op := d.WaitOp(t, r)
	if op.StatusCode != api.Success {
		t.Fatalf("%s %s: operation %s: %s", method, path, op.Status, op.Err)
	}
	return op
}

// mustSync sends a request that must succeed synchronously.
func mustSync(t *testing.T, d *daemontest.Daemon, method, path, body string) api.Response {
	t.Helper()
	status, r := rawQuery(t, d, method, path, body, nil)
	if status >= 300 {
		t.Fatalf("%s %s %s: status %d (%s)", method, path, body, status, r.Error)
	}
	return r
}

// createProfile creates a profile with devices through the API, or through
// SQL on a daemon without the profiles endpoints yet.
func createProfile(t *testing.T, d *daemontest.Daemon, name string, devices map[string]map[string]string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "devices": devices})
	status, _ := rawQuery(t, d, "POST", "/1.0/profiles", string(body), nil)
	if status >= 300 {
		devJSON, _ := json.Marshal(devices)
		runSQL(t, d, fmt.Sprintf("INSERT INTO profiles (project_id, name, devices) VALUES (1, '%s', '%s')", name, devJSON))
	}
	t.Cleanup(func() { deleteProfile(t, d, name) })
}

func deleteProfile(t *testing.T, d *daemontest.Daemon, name string) {
	if status, _ := rawQuery(t, d, "DELETE", "/1.0/profiles/"+name, "", nil); status >= 300 {
		runSQL(t, d, fmt.Sprintf("DELETE FROM profiles WHERE name = '%s'", name))
	}
}

func runSQL(t *testing.T, d *daemontest.Daemon, query string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"database": "global", "query": query})
	if status, r := rawQuery(t, d, "POST", "/internal/sql", string(body), nil); status != 200 {
		t.Fatalf("SQL %q: %d %s", query, status, r.Error)
	}
}

// runEdit runs an `lxc ... edit` command of the real client with yaml on
// its standard input (not a terminal, so no editor is started).
func runEdit(t *testing.T, d *daemontest.Daemon, yaml string, args ...string) {
	t.Helper()
	cmd := exec.Command("lxc", args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	cmd.Stdin = strings.NewReader(yaml)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lxc %v: %v\n%s", args, err, out)
	}
}

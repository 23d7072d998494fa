//go:build integration

package resources

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// updateEnv, when set to 1, makes TestResourcesRecordHost rewrite
// testdata/host from this machine (and the reference LXD's answer on it).
const updateEnv = "LXDNG_UPDATE_TESTDATA"

// recordingEthtool asks the kernel and remembers the answers.
type recordingEthtool struct {
	mu    sync.Mutex
	inner Ethtool
	facts *hostFacts
}

func (r *recordingEthtool) PortInfo(name string, port *api.ResourcesNetworkCardPort) error {
	err := r.inner.PortInfo(name, port)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.facts.Ports[name] = nil
	if err == nil {
		p := *port
		r.facts.Ports[name] = &p
	}
	return err
}

func (r *recordingEthtool) FirmwareVersion(name string) (string, error) {
	fw, err := r.inner.FirmwareVersion(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.facts.Firmware[name] = fw
	return fw, err
}

// recordHost probes the live machine and copies every path the probe looked
// at (following symlinks) under dst; it returns the live answer and the
// non-file facts.
func recordHost(t *testing.T, dst string) (api.Resources, hostFacts) {
	t.Helper()
	facts := hostFacts{BlockSizes: map[string]uint64{}, Ports: map[string]*api.ResourcesNetworkCardPort{},
		Firmware: map[string]string{}}
	rec := &recordingEthtool{inner: ioctlEthtool{}, facts: &facts}
	s, err := New(Options{Ethtool: rec})
	mustDo(t, err)
	var paths []string
	s.fs.trace = func(p string) { paths = append(paths, p) }
	s.blockSize = func(dev string) uint64 {
		size := physicalBlockSize(dev)
		facts.BlockSizes[dev] = size
		return size
	}
	live, err := s.Resources(context.Background())
	mustDo(t, err)
	facts.Uname, facts.SystemType = s.uname, s.systemType
	sort.Strings(paths)
	for _, p := range paths {
		mustDo(t, materialize(dst, p, 0))
	}
	return live, facts
}

// materialize recreates host path p under dst: directories, symlinks (and
// what they point to) and the content of regular files; device nodes become
// empty files. A missing path is left missing: its absence is the fact.
func materialize(dst, p string, depth int) error {
	if depth > 40 {
		return fmt.Errorf("too many symlinks resolving %q", p)
	}
	parts := strings.Split(strings.TrimPrefix(filepath.Clean(p), "/"), "/")
	cur := "/"
	for i, part := range parts {
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if err != nil {
			return nil
		}
		out := filepath.Join(dst, next)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(next)
			if err != nil {
				return err
			}
			resolved := filepath.Join(cur, target)
			if filepath.IsAbs(target) {
				resolved = filepath.Clean(target)
				if target, err = filepath.Rel(cur, resolved); err != nil {
					return err
				}
			}
			if _, err := os.Lstat(out); err != nil {
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					return err
				}
				if err := os.Symlink(target, out); err != nil {
					return err
				}
			}
			return materialize(dst, filepath.Join(append([]string{resolved}, parts[i+1:]...)...), depth+1)
		case fi.IsDir():
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
		default:
			if _, err := os.Lstat(out); err == nil {
				break
			}
			var data []byte
			if fi.Mode().IsRegular() {
				data, _ = os.ReadFile(next) // unreadable attributes become empty
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return err
			}
		}
		cur = next
	}
	return nil
}

// TestResourcesRecordHost records this machine into a fixture tree and
// proves the recording complete: probing the copy gives what probing the
// machine gave (so every path the probe reads goes through the injectable
// root). With LXDNG_UPDATE_TESTDATA=1 it also refreshes testdata/host and
// stores the real LXD 5.0.2's answer on this machine next to it.
func TestResourcesRecordHost(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	live, facts := recordHost(t, root)
	replayed, err := serviceFor(t, root, facts).Resources(context.Background())
	mustDo(t, err)
	assertJSON(t, stripVolatile(t, replayed), stripVolatile(t, live))
	if os.Getenv(updateEnv) != "1" {
		return
	}
	ref := daemontest.StartReference(t)
	var reference json.RawMessage
	_, err = ref.Client.Get(context.Background(), "/1.0/resources", &reference)
	mustDo(t, err)
	dir := filepath.Join("testdata", "host")
	mustDo(t, os.RemoveAll(dir))
	mustDo(t, os.MkdirAll(dir, 0o755))
	mustDo(t, os.Rename(root, filepath.Join(dir, "root")))
	for name, v := range map[string]any{"facts.json": facts, "reference.json": reference} {
		data, err := json.MarshalIndent(v, "", "\t")
		mustDo(t, err)
		mustDo(t, os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o644))
	}
}

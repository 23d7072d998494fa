package resources

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// tree describes a fixture filesystem: host path -> file content. A value
// starting with "->" makes a symlink to the rest; a path ending in "/" is
// an empty directory.
type tree map[string]string

// link is a symlink value for a tree.
func link(target string) string { return "->" + target }

// write creates the tree under a temp root and returns the root.
func (tr tree) write(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	paths := make([]string, 0, len(tr))
	for p := range tr {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(root, p)
		if strings.HasSuffix(p, "/") {
			mustDo(t, os.MkdirAll(full, 0o755))
			continue
		}
		mustDo(t, os.MkdirAll(filepath.Dir(full), 0o755))
		if target, ok := strings.CutPrefix(tr[p], "->"); ok {
			mustDo(t, os.Symlink(target, full))
			continue
		}
		mustDo(t, os.WriteFile(full, []byte(tr[p]), 0o644))
	}
	return root
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// merge returns the union of trees (later ones win).
func merge(trees ...tree) tree {
	out := tree{}
	for _, tr := range trees {
		for k, v := range tr {
			out[k] = v
		}
	}
	return out
}

// fakeEthtool answers from a table; an interface not in it fails, which
// drops the port like an ethtool error does on a real host.
type fakeEthtool struct {
	ports    map[string]api.ResourcesNetworkCardPort
	firmware map[string]string
}

func (f fakeEthtool) PortInfo(name string, port *api.ResourcesNetworkCardPort) error {
	p, ok := f.ports[name]
	if !ok {
		return errors.New("no such device")
	}
	if p.Address != "" {
		port.Address = p.Address
	}
	port.SupportedModes, port.SupportedPorts = p.SupportedModes, p.SupportedPorts
	port.PortType, port.TransceiverType = p.PortType, p.TransceiverType
	port.AutoNegotiation, port.LinkDetected = p.AutoNegotiation, p.LinkDetected
	port.LinkSpeed, port.LinkDuplex = p.LinkSpeed, p.LinkDuplex
	return nil
}

func (f fakeEthtool) FirmwareVersion(name string) (string, error) { return f.firmware[name], nil }

const testKernel = "6.1.0-test"

// newTestService probes the tree at root with fixed non-file facts.
func newTestService(t *testing.T, root string, eth Ethtool) *Service {
	t.Helper()
	if eth == nil {
		eth = fakeEthtool{}
	}
	s, err := New(Options{
		Root:       root,
		Uname:      &Uname{Machine: "x86_64", Release: testKernel},
		SystemType: func() string { return "physical" },
		BlockSize:  func(dev string) uint64 { return 512 },
		Ethtool:    eth,
	})
	mustDo(t, err)
	return s
}

// assertJSON compares got and want as JSON, the form clients see.
func assertJSON(t *testing.T, got, want any) {
	t.Helper()
	g, err := json.MarshalIndent(got, "", "  ")
	mustDo(t, err)
	w, err := json.MarshalIndent(want, "", "  ")
	mustDo(t, err)
	if string(g) != string(w) {
		t.Errorf("got:\n%s\nwant:\n%s", g, w)
	}
}

// resourcesOf probes everything (the way the handler does).
func resourcesOf(t *testing.T, s *Service) api.Resources {
	t.Helper()
	res, err := s.Resources(context.Background())
	mustDo(t, err)
	return res
}

package resources

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// hostFacts are the non-file answers recorded with a host fixture.
type hostFacts struct {
	Uname      Uname                                    `json:"uname"`
	SystemType string                                   `json:"system_type"`
	BlockSizes map[string]uint64                        `json:"block_sizes"`
	Ports      map[string]*api.ResourcesNetworkCardPort `json:"ethtool_ports"` // nil: ethtool failed
	Firmware   map[string]string                        `json:"ethtool_firmware"`
}

// replayEthtool answers from recorded facts.
type replayEthtool hostFacts

func (r replayEthtool) PortInfo(name string, port *api.ResourcesNetworkCardPort) error {
	p := r.Ports[name]
	if p == nil {
		return errors.New("ethtool failed when recorded")
	}
	*port = *p
	return nil
}

func (r replayEthtool) FirmwareVersion(name string) (string, error) { return r.Firmware[name], nil }

// serviceFor probes a recorded fixture root with its recorded facts.
func serviceFor(t *testing.T, root string, f hostFacts) *Service {
	t.Helper()
	s, err := New(Options{
		Root: root, Uname: &f.Uname, SystemType: func() string { return f.SystemType },
		BlockSize: func(dev string) uint64 { return f.BlockSizes[dev] }, Ethtool: replayEthtool(f),
	})
	mustDo(t, err)
	return s
}

// stripVolatile turns resources into generic JSON without the values that
// change from one probe to the next (memory in use, current frequencies).
func stripVolatile(t *testing.T, res any) map[string]any {
	t.Helper()
	data, err := json.Marshal(res)
	mustDo(t, err)
	var m map[string]any
	mustDo(t, json.Unmarshal(data, &m))
	mem := m["memory"].(map[string]any)
	delete(mem, "used")
	if nodes, ok := mem["nodes"].([]any); ok {
		for _, n := range nodes {
			delete(n.(map[string]any), "used")
		}
	}
	for _, s := range m["cpu"].(map[string]any)["sockets"].([]any) {
		socket := s.(map[string]any)
		delete(socket, "frequency")
		for _, c := range socket["cores"].([]any) {
			delete(c.(map[string]any), "frequency")
		}
	}
	return m
}

// TestResourcesHostFixture probes the tree recorded from the development
// machine (testdata/host, see TestResourcesRecordHost) and compares it with
// what the real LXD 5.0.2 answered on that machine at recording time.
func TestResourcesHostFixture(t *testing.T) {
	dir := filepath.Join("testdata", "host")
	var facts hostFacts
	data, err := os.ReadFile(filepath.Join(dir, "facts.json"))
	mustDo(t, err)
	mustDo(t, json.Unmarshal(data, &facts))
	var reference api.Resources
	data, err = os.ReadFile(filepath.Join(dir, "reference.json"))
	mustDo(t, err)
	mustDo(t, json.Unmarshal(data, &reference))

	got, err := serviceFor(t, filepath.Join(dir, "root"), facts).Resources(context.Background())
	mustDo(t, err)
	assertJSON(t, stripVolatile(t, got), stripVolatile(t, reference))
}

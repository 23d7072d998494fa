//go:build integration

package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/report"
	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/testimage"
)

// TestReferenceBenchmarkLaunchDelete runs the built lxd-benchmark against
// the real LXD 5.0.2: launch 3 containers, delete them, and check the CSV
// report and that nothing is left.
func TestReferenceBenchmarkLaunchDelete(t *testing.T) {
	scenarioLaunchDelete(t, daemontest.StartReference(t))
}

func scenarioLaunchDelete(t *testing.T, d *daemontest.Daemon) {
	bin := daemontest.Binary(t, "lxd-benchmark")
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d.MustLXC(t, "storage", "create", "default", "dir")
	d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool=default")
	d.MustLXC(t, "image", "import", img.Unified, "--alias", "busybox")
	t.Cleanup(func() {
		// Leaves nothing behind even when the tool failed half-way.
		out := d.LXC(t, "list", "--format", "csv", "-c", "n").Stdout
		for _, name := range strings.Fields(out) {
			d.LXC(t, "delete", "--force", name)
		}
	})

	csvPath := filepath.Join(t.TempDir(), "report.csv")
	run := func(args ...string) string {
		cmd := exec.Command(bin, append(args, "--report-file", csvPath)...)
		cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("lxd-benchmark %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("launch", "--count", "3", "--parallel", "2", "--report-label", "launch-3")
	if !strings.Contains(out, "launch: 3 in") || !strings.Contains(out, "0 failed") {
		t.Errorf("launch output:\n%s", out)
	}
	running := d.MustLXC(t, "list", "--format", "csv", "-c", "ns")
	if strings.Count(running, "RUNNING") != 3 {
		t.Fatalf("after launch:\n%s", running)
	}
	if got := strings.TrimSpace(d.MustLXC(t, "config", "get", "benchmark-0001", markerKey)); got != "true" {
		t.Errorf("%s = %q", markerKey, got)
	}
	run("delete")
	if left := strings.TrimSpace(d.MustLXC(t, "list", "--format", "csv", "-c", "n")); left != "" {
		t.Errorf("left after delete: %q", left)
	}
	checkCSV(t, csvPath, []string{"launch-3", "delete"})
}

// checkCSV checks the report has the header and one row per label with
// 3 items, no failure and consistent times.
func checkCSV(t *testing.T, path string, labels []string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(labels) || strings.Join(recs[0], ",") != strings.Join(report.CSVHeader, ",") {
		t.Fatalf("report:\n%v", recs)
	}
	for i, label := range labels {
		row := recs[i+1]
		num := func(col int) float64 {
			v, err := strconv.ParseFloat(row[col], 64)
			if err != nil {
				t.Fatalf("row %v column %d: %v", row, col, err)
			}
			return v
		}
		if row[0] != label || row[1] != "3" || row[6] != "0" {
			t.Errorf("row %d = %v, want label %s, count 3, no failure", i+1, row, label)
		}
		total, median, lo, hi := num(2), num(3), num(4), num(5)
		if !(lo > 0 && lo <= median && median <= hi && hi <= total) {
			t.Errorf("row %v: want 0 < min <= median <= max <= total", row)
		}
	}
}

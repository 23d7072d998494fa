package report

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/stats"
)

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		u    Unit
		want string
	}{
		{0.0523, Seconds, "52.3 ms"},
		{6.8, Seconds, "6.80 s"},
		{95.25, MiB, "95.2 MiB"},
		{1234.6, PerSecond, "1235/s"},
		{0, Count, "0"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v, tt.u); got != tt.want {
			t.Errorf("FormatValue(%v, %s) = %q, want %q", tt.v, tt.u, got, tt.want)
		}
	}
}

func TestCell(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		u    Unit
		want string
	}{
		{"not run", Result{}, Seconds, "not run"},
		{"failed", Result{Err: "boom | bang"}, Seconds, `failed: boom \| bang`},
		{"single", Result{Summary: stats.Summary{N: 1, Median: 0.36, Min: 0.36, Max: 0.36}}, Seconds, "360.0 ms"},
		{"spread same unit", Result{Summary: stats.Summary{N: 3, Median: 0.12, Min: 0.11, Max: 0.13}}, Seconds, "120.0 ms (110.0–130.0 ms)"},
		{"spread across units", Result{Summary: stats.Summary{N: 3, Median: 0.95, Min: 0.9, Max: 1.2}}, Seconds, "950.0 ms (900.0 ms–1.20 s)"},
		{"count", Result{Summary: stats.Summary{N: 3}}, Count, "0 (0–0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Cell(tt.u); got != tt.want {
				t.Errorf("Cell = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMarkdown(t *testing.T) {
	sum := func(v float64) stats.Summary { return stats.Summary{N: 3, Median: v, Min: v, Max: v} }
	p := Page{
		Date:    time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Machine: Machine{CPU: "Test CPU", Cores: 2, MemoryMiB: 24105, Kernel: "6.18.0"},
		Command: "lxd-benchmark suite", Repeats: 3,
		Setup: []string{"dir pool"},
		Figures: []Figure{
			{Name: "sequential launch", Unit: Seconds, Target: "ratio ≤ 0.5",
				Ours: Result{Summary: sum(0.1)}, Reference: Result{Summary: sum(0.4)}},
			{Name: "daemon RSS", Unit: MiB, Ours: Result{Err: "no pid"}, Reference: Result{Summary: sum(95)}},
		},
		Dominates: []Section{{Title: "launch", Body: "liblxc start\n"}},
		Notes:     []string{"cluster left out"},
	}
	md := p.Markdown()
	for _, want := range []string{
		"# Benchmarks", "2026-03-01 12:00 UTC", "- CPU: Test CPU, 2 cores", "- RAM: 24105 MiB", "- Kernel: 6.18.0",
		"measured 3 times", "- dir pool",
		"| figure | ours | LXD 5.0.2 | ratio ours/LXD | target |",
		"| sequential launch | 100.0 ms (100.0–100.0 ms) | 400.0 ms (400.0–400.0 ms) | 0.25 | ratio ≤ 0.5 |",
		"| daemon RSS | failed: no pid | 95.0 MiB (95.0–95.0 MiB) | – |  |",
		"## What dominates each figure", "### launch\n\nliblxc start\n", "- cluster left out",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestAppendCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	row := CSVRow{Label: "launch", Count: 3, Elapsed: 1500 * time.Millisecond,
		PerItem: stats.Summary{N: 3, Median: 0.5, Min: 0.4, Max: 0.6}, At: at}
	if err := AppendCSV(path, row); err != nil {
		t.Fatal(err)
	}
	row.Label = "delete"
	if err := AppendCSV(path, row); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		CSVHeader,
		{"launch", "3", "1.500000", "0.500000", "0.400000", "0.600000", "0", "2026-03-01T12:00:00Z"},
		{"delete", "3", "1.500000", "0.500000", "0.400000", "0.600000", "0", "2026-03-01T12:00:00Z"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records: %v", len(recs), recs)
	}
	for i := range want {
		if strings.Join(recs[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("record %d = %v, want %v", i, recs[i], want[i])
		}
	}
}

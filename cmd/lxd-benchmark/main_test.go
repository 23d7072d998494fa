package main

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/ops"
	"github.com/lxdng/lxd/shared/api"
)

// parse runs the command line through the real command tree with runners
// that only record what they were given.
func parse(args ...string) (globalOpts, job, suiteOpts, error) {
	var g globalOpts
	var j job
	var s suiteOpts
	root := newRootCmd(runners{
		job:   func(_ context.Context, gg globalOpts, jj job) error { g, j = gg, jj; return nil },
		suite: func(_ context.Context, o suiteOpts) error { s = o; return nil },
	})
	root.SetArgs(args)
	root.SetOut(new(strings.Builder))
	err := root.ExecuteContext(context.Background())
	return g, j, s, err
}

func TestParseJobs(t *testing.T) {
	cpus := runtime.NumCPU()
	tests := []struct {
		name    string
		args    []string
		wantG   globalOpts
		wantJ   job
		wantErr string
	}{
		{"launch defaults", []string{"launch"}, globalOpts{Project: "default"},
			job{Action: "launch", Count: 100, Parallel: cpus, Image: "busybox"}, ""},
		{"launch with everything",
			[]string{"launch", "--count", "3", "--parallel", "2", "--image", "abc", "--privileged", "--freeze",
				"--project", "p1", "--report-file", "r.csv", "--report-label", "l", "--socket", "/s"},
			globalOpts{Socket: "/s", Project: "p1", ReportFile: "r.csv", ReportLabel: "l"},
			job{Action: "launch", Count: 3, Parallel: 2, Image: "abc", Privileged: true, Freeze: true}, ""},
		{"init short flags", []string{"init", "-C", "5", "-P", "1"}, globalOpts{Project: "default"},
			job{Action: "init", Count: 5, Parallel: 1, Image: "busybox"}, ""},
		{"delete forces by default", []string{"delete"}, globalOpts{Project: "default"},
			job{Action: "delete", Parallel: cpus, Force: true}, ""},
		{"stop without force", []string{"stop", "--force=false"}, globalOpts{Project: "default"},
			job{Action: "stop", Parallel: cpus}, ""},
		{"start freeze", []string{"start", "--freeze"}, globalOpts{Project: "default"},
			job{Action: "start", Parallel: cpus, Freeze: true}, ""},
		{"exec names an instance", []string{"exec", "c1", "--count", "7"}, globalOpts{Project: "default"},
			job{Action: "exec", Count: 7, Instance: "c1"}, ""},
		{"list via lxc", []string{"list", "--lxc", "-C", "2"}, globalOpts{Project: "default"},
			job{Action: "list", Count: 2, LXC: true}, ""},
		{"zero count", []string{"launch", "--count", "0"}, globalOpts{}, job{}, "--count must be at least 1"},
		{"negative parallel", []string{"stop", "--parallel", "-1"}, globalOpts{}, job{}, "--parallel must not be negative"},
		{"empty image", []string{"init", "--image", ""}, globalOpts{}, job{}, "--image is required"},
		{"freeze is not an init flag", []string{"init", "--freeze"}, globalOpts{}, job{}, "unknown flag: --freeze"},
		{"no args to launch", []string{"launch", "c1"}, globalOpts{}, job{}, "unknown command"},
		{"exec takes one instance", []string{"exec", "a", "b"}, globalOpts{}, job{}, "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, j, _, err := parse(tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g != tt.wantG || j != tt.wantJ {
				t.Errorf("got %+v %+v\nwant %+v %+v", g, j, tt.wantG, tt.wantJ)
			}
		})
	}
}

func TestParseSuite(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(suiteOpts) bool
		wantErr string
	}{
		{"defaults", []string{"suite"}, func(o suiteOpts) bool {
			return o.Report == "docs/benchmarks.md" && o.Repeats == 3 && !o.Quick && o.Reference == "/usr/bin/lxd" &&
				reflect.DeepEqual(o.Phases, allPhases) && strings.HasSuffix(o.Ours, "/lxd")
		}, ""},
		{"quick means one repeat", []string{"suite", "--quick"}, func(o suiteOpts) bool { return o.Quick && o.Repeats == 1 }, ""},
		{"quick keeps an explicit repeat count", []string{"suite", "--quick", "-R", "2"}, func(o suiteOpts) bool { return o.Repeats == 2 }, ""},
		{"phases", []string{"suite", "--phases", "single,scale", "--reference", ""}, func(o suiteOpts) bool {
			return reflect.DeepEqual(o.Phases, []string{"single", "scale"}) && o.Reference == "" && o.runs("scale") && !o.runs("forty")
		}, ""},
		{"unknown phase", []string{"suite", "--phases", "bogus"}, nil, `Unknown phase "bogus"`},
		{"zero repeats", []string{"suite", "--repeats", "0"}, nil, "--repeats must be at least 1"},
		{"empty report", []string{"suite", "--report", ""}, nil, "--report is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, o, err := parse(tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(o) {
				t.Errorf("got %+v, %v", o, err)
			}
		})
	}
}

func TestSocketPath(t *testing.T) {
	none := func(string) bool { return false }
	snap := func(p string) bool { return strings.HasPrefix(p, "/var/snap") }
	tests := []struct {
		name, flag, lxdDir string
		exists             func(string) bool
		want               string
	}{
		{"flag wins", "/x.sock", "/d", none, "/x.sock"},
		{"LXD_DIR", "", "/tmp/lxd", none, "/tmp/lxd/unix.socket"},
		{"snap", "", "", snap, "/var/snap/lxd/common/lxd/unix.socket"},
		{"debian default", "", "", none, "/var/lib/lxd/unix.socket"},
	}
	for _, tt := range tests {
		if got := socketPath(tt.flag, tt.lxdDir, tt.exists); got != tt.want {
			t.Errorf("%s: socketPath = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFreeNames(t *testing.T) {
	existing := []ops.Instance{{Name: "benchmark-0001"}, {Name: "benchmark-0003"}, {Name: "other"}}
	tests := []struct {
		name     string
		existing []ops.Instance
		n        int
		want     []string
	}{
		{"empty", nil, 3, []string{"benchmark-0001", "benchmark-0002", "benchmark-0003"}},
		{"skips used", existing, 2, []string{"benchmark-0002", "benchmark-0004"}},
		{"wide counts", nil, 10000, nil},
	}
	for _, tt := range tests {
		got := freeNames("benchmark-", tt.existing, tt.n)
		if tt.want == nil {
			if len(got) != tt.n || got[0] != "benchmark-00001" {
				t.Errorf("%s: %d names, first %q", tt.name, len(got), got[0])
			}
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: freeNames = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWants(t *testing.T) {
	tests := []struct {
		action, status string
		want           bool
	}{
		{"start", "Stopped", true}, {"start", "Running", false},
		{"stop", "Running", true}, {"stop", "Frozen", true}, {"stop", "Stopped", false},
		{"delete", "Running", true}, {"delete", "Stopped", true},
	}
	for _, tt := range tests {
		if got := wants(tt.action, tt.status); got != tt.want {
			t.Errorf("wants(%s, %s) = %v", tt.action, tt.status, got)
		}
	}
}

func TestRunBatch(t *testing.T) {
	var running, peak atomic.Int32
	items := counter(20)
	b := runBatch(context.Background(), items, 4, func(_ context.Context, item string) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer running.Add(-1)
		if item == "3" || item == "7" {
			return errors.New("boom")
		}
		return nil
	})
	if b.Count != 20 || len(b.Durations) != 18 || len(b.Errors) != 2 {
		t.Fatalf("count %d, %d ok, %d failed", b.Count, len(b.Durations), len(b.Errors))
	}
	if peak.Load() > 4 {
		t.Errorf("%d ran at once, parallel was 4", peak.Load())
	}
	var msgs []string
	for _, e := range b.Errors {
		msgs = append(msgs, e.Error())
	}
	sort.Strings(msgs)
	if msgs[0] != "3: boom" || msgs[1] != "7: boom" {
		t.Errorf("errors = %v", msgs)
	}
	if row := b.CSVRow("x"); row.Failures != 2 || row.Count != 20 || row.Label != "x" {
		t.Errorf("CSV row = %+v", row)
	}
	if !strings.Contains(b.String(), "2 failed") {
		t.Errorf("summary = %q", b.String())
	}
}

func TestIsUpdateOf(t *testing.T) {
	ev := func(typ, action, source string) api.Event {
		md, _ := json.Marshal(api.EventLifecycle{Action: action, Source: source})
		return api.Event{Type: typ, Metadata: md}
	}
	tests := []struct {
		name string
		e    api.Event
		want bool
	}{
		{"match", ev("lifecycle", "instance-updated", "/1.0/instances/c1"), true},
		{"with project", ev("lifecycle", "instance-updated", "/1.0/instances/c1?project=p"), true},
		{"other instance", ev("lifecycle", "instance-updated", "/1.0/instances/c11"), false},
		{"other action", ev("lifecycle", "instance-started", "/1.0/instances/c1"), false},
		{"not lifecycle", ev("operation", "instance-updated", "/1.0/instances/c1"), false},
	}
	for _, tt := range tests {
		if got := isUpdateOf(tt.e, "c1"); got != tt.want {
			t.Errorf("%s: isUpdateOf = %v", tt.name, got)
		}
	}
}

const pprofOutput = `File: lxd
Type: cpu
Time: 2026-11-27 10:00:00 UTC
Duration: 3.01s, Total samples = 1.20s (39.87%)
Showing nodes accounting for 1.20s, 100% of 1.20s total
      flat  flat%   sum%        cum   cum%
         0     0%     0%      1.10s 91.67%  runtime.goexit
     0.01s  0.83%  0.83%      0.90s 75.00%  net/http.(*conn).serve
     0.02s  1.67%  2.50%      0.80s 66.67%  github.com/lxdng/lxd/daemon/instances.(*Service).Start
     0.50s 41.67% 44.17%      0.50s 41.67%  syscall.Syscall6
`

func TestPprofSummary(t *testing.T) {
	table := trimPprof(pprofOutput)
	if strings.Contains(table, "File: lxd") || !strings.HasPrefix(table, "Duration: 3.01s") || !strings.Contains(table, "syscall.Syscall6") {
		t.Errorf("trimPprof kept:\n%s", table)
	}
	tests := []struct {
		n    int
		flat bool
		want []string
	}{
		{1, false, []string{"github.com/lxdng/lxd/daemon/instances.(*Service).Start (66.67% cum)"}},
		{5, false, []string{"github.com/lxdng/lxd/daemon/instances.(*Service).Start (66.67% cum)", "syscall.Syscall6 (41.67% cum)"}},
		{2, true, []string{"github.com/lxdng/lxd/daemon/instances.(*Service).Start (1.67%)", "syscall.Syscall6 (41.67%)"}},
	}
	for _, tt := range tests {
		if got := topFunctions(table, tt.n, tt.flat); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("topFunctions(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

func TestFigureDefs(t *testing.T) {
	tests := []struct {
		quick    bool
		rows     int
		lastName string
	}{
		{false, 11 + 2 + 3 + 3, "3-member cluster: kill -9 of the leader until a write through a survivor succeeds"},
		{true, 11 + 1 + 3, "3-member cluster: kill -9 of the leader until a write through a survivor succeeds"},
	}
	for _, tt := range tests {
		defs := figureDefs(sizesFor(tt.quick))
		keys := map[string]bool{}
		for _, d := range defs {
			if keys[d.Key] {
				t.Errorf("duplicate key %s", d.Key)
			}
			keys[d.Key] = true
		}
		if len(defs) != tt.rows || defs[len(defs)-1].Name != tt.lastName {
			t.Errorf("quick=%v: %d rows, last %q", tt.quick, len(defs), defs[len(defs)-1].Name)
		}
	}
}

func TestResults(t *testing.T) {
	r := newResults()
	r.add("f", "ours", 3)
	r.add("f", "ours", 1)
	r.add("f", "ours", 2)
	r.fail("f", "LXD 5.0.2", errors.New("first"))
	r.fail("f", "LXD 5.0.2", errors.New("second"))
	if got := r.result("f", "ours"); got.Summary.Median != 2 || got.Summary.Min != 1 || got.Summary.Max != 3 || got.Err != "" {
		t.Errorf("ours = %+v", got)
	}
	if got := r.result("f", "LXD 5.0.2"); got.Summary.Valid() || got.Err != "first" {
		t.Errorf("reference = %+v", got)
	}
}

func TestMemoryParsers(t *testing.T) {
	status := "Name:\tlxd\nVmRSS:\t   40960 kB\nRssAnon:\t   30720 kB\nRssFile:\t   10240 kB\nRssShmem:\t       0 kB\n"
	got := kbFields(status, ":", "VmRSS", "RssAnon", "RssFile", "RssShmem")
	if got["VmRSS"] != 40960 || got["RssAnon"] != 30720 || got["RssFile"] != 10240 || got["RssShmem"] != 0 {
		t.Errorf("kbFields = %v", got)
	}
	heap := "heap profile: 1: 2 [3: 4] @ heap/1048576\n# runtime.MemStats\n# Alloc = 1000\n# Sys = 20971520\n# HeapInuse = 4194304\n# Stack = 1048576 / 1048576\n"
	ms := memStats(heap)
	if ms["Sys"] != 20971520 || ms["HeapInuse"] != 4194304 || ms["StackInuse"] != 1048576 {
		t.Errorf("memStats = %v", ms)
	}
	if mib(2048) != "2.0" {
		t.Errorf("mib = %s", mib(2048))
	}
}

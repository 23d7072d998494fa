package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// profiler collects back-to-back one-second CPU profiles from a daemon's
// pprof listener (core.debug_address) while a workload runs; pprof merges
// them when summarised, so the profile covers the workload however long it
// takes.
type profiler struct {
	prefix string
	files  []string
	cancel context.CancelFunc
	done   chan struct{}
}

func startProfiler(ctx context.Context, addr, prefix string) *profiler {
	return startSampler(ctx, "http://"+addr+"/debug/pprof/profile?seconds=1", prefix, 0)
}

// startGoroutineSampler snapshots the daemon's goroutines every interval:
// merged, the counts show where goroutines spend wall-clock time, waiting
// included, which a CPU profile cannot.
func startGoroutineSampler(ctx context.Context, addr, prefix string, interval time.Duration) *profiler {
	return startSampler(ctx, "http://"+addr+"/debug/pprof/goroutine", prefix, interval)
}

func startSampler(ctx context.Context, url, prefix string, interval time.Duration) *profiler {
	ctx, cancel := context.WithCancel(ctx)
	p := &profiler{prefix: prefix, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for i := 0; ctx.Err() == nil; i++ {
			path := fmt.Sprintf("%s-%03d.pb.gz", prefix, i)
			if err := fetchProfile(context.WithoutCancel(ctx), url, path); err != nil {
				return
			}
			p.files = append(p.files, path)
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}()
	return p
}

// Stop ends collection (after the profile in flight) and returns the files.
func (p *profiler) Stop() []string {
	p.cancel()
	<-p.done
	return p.files
}

// fetchProfile saves one pprof answer to path.
func fetchProfile(ctx context.Context, url, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof answered %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// goTool finds the go command pprof runs under.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
		return "/usr/local/go/bin/go", nil
	}
	return "", fmt.Errorf("the go command is needed to summarise profiles")
}

// pprofTop summarises profiles with `go tool pprof -top` and returns the
// table lines (without pprof's preamble).
func pprofTop(files []string, args ...string) (string, error) {
	if len(files) == 0 {
		return "", fmt.Errorf("no profile was captured")
	}
	goBin, err := goTool()
	if err != nil {
		return "", err
	}
	cmdArgs := append(append([]string{"tool", "pprof", "-top"}, args...), files...)
	out, err := exec.Command(goBin, cmdArgs...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go tool pprof: %w: %s", err, out)
	}
	return trimPprof(string(out)), nil
}

// trimPprof keeps the sample totals line and the table of a `pprof -top`
// output, dropping file/type/time headers.
func trimPprof(out string) string {
	var keep []string
	sc := bufio.NewScanner(strings.NewReader(out))
	inTable := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Duration:") || strings.HasPrefix(line, "Showing nodes"):
			keep = append(keep, line)
		case strings.Contains(line, "flat%") && strings.Contains(line, "cum%"):
			inTable = true
			keep = append(keep, line)
		case inTable && strings.TrimSpace(line) != "":
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// topFunctions returns the function names of the first n rows of a
// trimmed pprof table with their cumulative share (their own share when
// flat is set), skipping runtime scaffolding that tops every -cum listing.
func topFunctions(table string, n int, flat bool) []string {
	var out []string
	for _, line := range strings.Split(table, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 6 || !strings.HasSuffix(fields[1], "%") || fields[0] == "flat" {
			continue
		}
		fn := strings.Join(fields[5:], " ")
		if boringFrame(fn) {
			continue
		}
		if flat {
			out = append(out, fmt.Sprintf("%s (%s)", fn, fields[1]))
		} else {
			out = append(out, fmt.Sprintf("%s (%s cum)", fn, fields[4]))
		}
		if len(out) == n {
			break
		}
	}
	return out
}

func boringFrame(fn string) bool {
	for _, p := range []string{"runtime.goexit", "runtime.main", "main.main", "net/http.(*conn).serve",
		"net/http.serverHandler.ServeHTTP", "net/http.HandlerFunc.ServeHTTP", "runtime.mcall", "runtime.park_m",
		"runtime.schedule", "runtime.findRunnable"} {
		if fn == p {
			return true
		}
	}
	return false
}

// profileDir makes a directory for one suite's profiles.
func profileDir(base string) (string, error) {
	dir := filepath.Join(base, "profiles")
	return dir, os.MkdirAll(dir, 0o755)
}

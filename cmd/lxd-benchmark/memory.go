package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// memoryBreakdown says what the daemon's resident memory is made of: the
// kernel's split of RSS (anonymous, file-backed such as the binary and
// libraries, shared) and the Go runtime's own accounting (heap in use,
// goroutine stacks, total obtained from the OS).
func memoryBreakdown(ctx context.Context, pid int, debugAddr string) string {
	var parts []string
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		st := kbFields(string(data), ":", "VmRSS", "RssAnon", "RssFile", "RssShmem")
		parts = append(parts, fmt.Sprintf("RSS %s MiB = anonymous %s + file-backed %s + shared %s MiB",
			mib(st["VmRSS"]), mib(st["RssAnon"]), mib(st["RssFile"]), mib(st["RssShmem"])))
	}
	if text, err := fetchText(ctx, "http://"+debugAddr+"/debug/pprof/heap?debug=1"); err == nil {
		ms := memStats(text)
		if ms["Sys"] > 0 {
			parts = append(parts, fmt.Sprintf("Go runtime: %s MiB obtained from the OS, heap in use %s MiB, stacks %s MiB",
				mib(ms["Sys"]/1024), mib(ms["HeapInuse"]/1024), mib(ms["StackInuse"]/1024)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "."
}

func mib(kb float64) string { return strconv.FormatFloat(kb/1024, 'f', 1, 64) }

// kbFields reads "Key:  123 kB" lines.
func kbFields(text, sep string, keys ...string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if !ok || !contains(keys, strings.TrimSpace(k)) {
			continue
		}
		if n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64); err == nil {
			out[strings.TrimSpace(k)] = n
		}
	}
	return out
}

// memStats reads the "# Name = value" runtime.MemStats lines that
// /debug/pprof/heap?debug=1 ends with (values in bytes; "Stack = a / b"
// gives in-use / obtained).
func memStats(text string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "# ")
		if !ok {
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		if !ok {
			continue
		}
		first := strings.Fields(v)
		if len(first) == 0 {
			continue
		}
		if n, err := strconv.ParseFloat(first[0], 64); err == nil {
			if k == "Stack" {
				k = "StackInuse"
			}
			out[k] = n
		}
	}
	return out
}

func fetchText(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return string(data), err
}

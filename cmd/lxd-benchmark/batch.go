package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/report"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/stats"
)

// batchResult is the outcome of running one function over many items.
type batchResult struct {
	Count     int
	Elapsed   time.Duration   // wall time of the whole batch
	Durations []time.Duration // of each successful item
	Errors    []error         // one per failed item, naming it
}

// runBatch runs fn for every item with at most parallel at once and times
// each call and the whole batch. It does not stop at failures: a benchmark
// reports how many failed.
func runBatch(ctx context.Context, items []string, parallel int, fn func(ctx context.Context, item string) error) batchResult {
	if parallel < 1 {
		parallel = 1
	}
	res := batchResult{Count: len(items)}
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < parallel && w < len(items); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for item := range work {
				t0 := time.Now()
				err := fn(ctx, item)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.Errors = append(res.Errors, fmt.Errorf("%s: %w", item, err))
				} else {
					res.Durations = append(res.Durations, d)
				}
				mu.Unlock()
			}
		}()
	}
	for _, item := range items {
		if ctx.Err() != nil {
			break
		}
		work <- item
	}
	close(work)
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// PerItem summarises the per-item durations in seconds.
func (b batchResult) PerItem() stats.Summary { return stats.Summarize(stats.Seconds(b.Durations)) }

// FirstError is the first failure (nil when none).
func (b batchResult) FirstError() error {
	if len(b.Errors) == 0 {
		return nil
	}
	return b.Errors[0]
}

// String is the one-line human summary.
func (b batchResult) String() string {
	s := b.PerItem()
	line := fmt.Sprintf("%d in %s", b.Count, report.FormatValue(b.Elapsed.Seconds(), report.Seconds))
	if s.Valid() {
		line += fmt.Sprintf(", each %s median (%s–%s)", report.FormatValue(s.Median, report.Seconds),
			report.FormatValue(s.Min, report.Seconds), report.FormatValue(s.Max, report.Seconds))
	}
	return line + fmt.Sprintf(", %d failed", len(b.Errors))
}

// CSVRow renders the batch as a report row.
func (b batchResult) CSVRow(label string) report.CSVRow {
	return report.CSVRow{Label: label, Count: b.Count, Elapsed: b.Elapsed, PerItem: b.PerItem(),
		Failures: len(b.Errors), At: time.Now()}
}

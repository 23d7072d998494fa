package report

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/stats"
)

// CSVHeader is the first line of a CSV report.
var CSVHeader = []string{"label", "count", "time_s", "median_s", "min_s", "max_s", "failures", "timestamp"}

// CSVRow is one measured command: the wall time of the whole batch and the
// per-item median and spread.
type CSVRow struct {
	Label    string
	Count    int
	Elapsed  time.Duration
	PerItem  stats.Summary // seconds
	Failures int
	At       time.Time
}

// Record renders the row as CSV fields.
func (r CSVRow) Record() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	return []string{
		r.Label, strconv.Itoa(r.Count), f(r.Elapsed.Seconds()),
		f(r.PerItem.Median), f(r.PerItem.Min), f(r.PerItem.Max),
		strconv.Itoa(r.Failures), r.At.UTC().Format(time.RFC3339),
	}
}

// AppendCSV appends rows to the CSV file at path, writing the header first
// when the file is new or empty, so successive runs accumulate in one file.
func AppendCSV(path string, rows ...CSVRow) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("Failed to open report file: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w := csv.NewWriter(f)
	if info.Size() == 0 {
		_ = w.Write(CSVHeader)
	}
	for _, r := range rows {
		_ = w.Write(r.Record())
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("Failed to write report file: %w", err)
	}
	return f.Close()
}

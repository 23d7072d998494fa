package stats

import (
	"math"
	"sort"
	"time"
)

// Summary describes a sample of one figure.
type Summary struct {
	N      int
	Median float64
	Min    float64
	Max    float64
}

// Valid reports whether the summary holds at least one value.
func (s Summary) Valid() bool { return s.N > 0 }

// Summarize returns the median and min-max of values; NaN entries (failed
// repeats) are ignored. The median of an even count is the mean of the two
// middle values.
func Summarize(values []float64) Summary {
	vs := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return Summary{}
	}
	sort.Float64s(vs)
	return Summary{N: len(vs), Median: median(vs), Min: vs[0], Max: vs[len(vs)-1]}
}

// Median returns the median of values (NaN for none).
func Median(values []float64) float64 {
	s := Summarize(values)
	if !s.Valid() {
		return math.NaN()
	}
	return s.Median
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Seconds converts durations to float seconds.
func Seconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

// Ratio returns a/b, or NaN when either is missing or b is zero.
func Ratio(a, b Summary) float64 {
	if !a.Valid() || !b.Valid() || b.Median == 0 {
		return math.NaN()
	}
	return a.Median / b.Median
}

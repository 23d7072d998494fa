package stats

import (
	"math"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		in   []float64
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []float64{2}, Summary{N: 1, Median: 2, Min: 2, Max: 2}},
		{"odd unsorted", []float64{3, 1, 2}, Summary{N: 3, Median: 2, Min: 1, Max: 3}},
		{"even takes the mean of the middle", []float64{4, 1, 3, 2}, Summary{N: 4, Median: 2.5, Min: 1, Max: 4}},
		{"NaN ignored", []float64{nan, 5, 1, nan}, Summary{N: 2, Median: 3, Min: 1, Max: 5}},
		{"only NaN", []float64{nan}, Summary{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.in); got != tt.want {
				t.Errorf("Summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSummarizeDoesNotReorderInput(t *testing.T) {
	in := []float64{3, 1, 2}
	Summarize(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("input reordered: %v", in)
	}
}

func TestMedianAndRatio(t *testing.T) {
	if m := Median([]float64{1, 9, 5}); m != 5 {
		t.Errorf("Median = %v", m)
	}
	if m := Median(nil); !math.IsNaN(m) {
		t.Errorf("Median(nil) = %v", m)
	}
	tests := []struct {
		name string
		a, b Summary
		want float64
	}{
		{"half", Summary{N: 1, Median: 1}, Summary{N: 1, Median: 2}, 0.5},
		{"missing ours", Summary{}, Summary{N: 1, Median: 2}, math.NaN()},
		{"zero reference", Summary{N: 1, Median: 1}, Summary{N: 1}, math.NaN()},
	}
	for _, tt := range tests {
		got := Ratio(tt.a, tt.b)
		if !(got == tt.want || math.IsNaN(got) && math.IsNaN(tt.want)) {
			t.Errorf("%s: Ratio = %v, want %v", tt.name, got, tt.want)
		}
	}
	if s := Seconds([]time.Duration{1500 * time.Millisecond}); s[0] != 1.5 {
		t.Errorf("Seconds = %v", s)
	}
}

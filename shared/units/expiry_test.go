package units

import (
	"testing"
	"time"
)

func TestAddExpiry(t *testing.T) {
	from := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		expr string
		want time.Time
		ok   bool
	}{
		{"30M", from.Add(30 * time.Minute), true},
		{"2H", from.Add(2 * time.Hour), true},
		{"1d", time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), true},
		{"2w", time.Date(2026, 2, 14, 10, 0, 0, 0, time.UTC), true},
		{"1m", time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), true}, // Feb 31 normalises, as time.AddDate does
		{"1y", time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC), true},
		{"1M 2H 3d", time.Date(2026, 2, 3, 12, 1, 0, 0, time.UTC), true},
		{"1w 1d", from.AddDate(0, 0, 8), true},
		{"1d 1w", from.AddDate(0, 0, 8), true},
		{"1y 2H", from.AddDate(1, 0, 0).Add(2 * time.Hour), true},
		{"1x", time.Time{}, false},
		{"", time.Time{}, false},
		{"   ", time.Time{}, false},
		{"3", time.Time{}, false},
		{"3s", time.Time{}, false},
		{"-1d", time.Time{}, false},
		{"1d x", time.Time{}, false},
		{"99999999999999999999d", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := AddExpiry(tt.expr, from)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("AddExpiry(%q) = %v, %v; want %v (ok %v)", tt.expr, got, err, tt.want, tt.ok)
		}
		if tt.ok != (IsExpiry(tt.expr) == nil) {
			t.Errorf("IsExpiry(%q) disagrees with AddExpiry", tt.expr)
		}
	}
}

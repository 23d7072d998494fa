package storage

import (
	"testing"
	"time"
)

func TestParseScheduleMatches(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04 Mon", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		expr    string
		when    string
		want    bool
		startup bool
	}{
		{"* * * * *", "2026-11-27 10:07 Fri", true, false},
		{"0 * * * *", "2026-11-27 10:00 Fri", true, false},
		{"0 * * * *", "2026-11-27 10:01 Fri", false, false},
		{"*/15 * * * *", "2026-11-27 10:45 Fri", true, false},
		{"*/15 * * * *", "2026-11-27 10:46 Fri", false, false},
		{"5-10/5 8 * * *", "2026-11-27 08:10 Fri", true, false},
		{"5-10/5 8 * * *", "2026-11-27 08:07 Fri", false, false},
		{"0 0 * * sun", "2026-11-29 00:00 Sun", true, false},
		{"0 0 * * 7", "2026-11-29 00:00 Sun", true, false},
		{"0 0 * * 1-5", "2026-11-29 00:00 Sun", false, false},
		{"0 0 1 jan *", "2027-01-01 00:00 Fri", true, false},
		// dom and dow both restricted: either matches.
		{"0 0 13 * 5", "2026-11-27 00:00 Fri", true, false},
		{"@hourly", "2026-11-27 10:00 Fri", true, false},
		{"@daily", "2026-11-27 10:00 Fri", false, false},
		{"@daily", "2026-11-27 00:00 Fri", true, false},
		{"@weekly", "2026-11-29 00:00 Sun", true, false},
		{"@monthly", "2026-12-01 00:00 Tue", true, false},
		{"@yearly", "2027-01-01 00:00 Fri", true, false},
		{"@startup", "2026-11-27 00:00 Fri", false, true},
		{"@startup, @hourly", "2026-11-27 03:00 Fri", true, true},
		{"@never", "2026-11-27 00:00 Fri", false, false},
		{"", "2026-11-27 00:00 Fri", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"@"+tt.when, func(t *testing.T) {
			s, err := ParseSchedule(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Matches(at(tt.when)); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
			if s.Startup() != tt.startup {
				t.Errorf("Startup = %v, want %v", s.Startup(), tt.startup)
			}
		})
	}
}

func TestParseScheduleErrors(t *testing.T) {
	for _, expr := range []string{"bad", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "*/0 * * * *", "@sometimes", "5-1 * * * *"} {
		if _, err := ParseSchedule(expr); err == nil {
			t.Errorf("%q: no error", expr)
		}
	}
}

func TestNextSnapshotName(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 7, 3, 0, time.UTC)
	tests := []struct {
		pattern string
		taken   []string
		want    string
	}{
		{"snap%d", nil, "snap0"},
		{"snap%d", []string{"snap0", "snap1", "other"}, "snap2"},
		{"snap%d", []string{"snap5"}, "snap6"},
		{"snap%d", []string{"snapx"}, "snap0"},
		{"backup", nil, "backup"},
		{"backup", []string{"backup"}, "backup-0"},
		{"{{ creation_date|date:'2006-01-02' }}", nil, "2026-11-27"},
		{"auto-{{ creation_date|date:\"15-04\" }}-%d", []string{"auto-10-07-0"}, "auto-10-07-1"},
	}
	for _, tt := range tests {
		taken := map[string]bool{}
		for _, n := range tt.taken {
			taken[n] = true
		}
		if got := nextSnapshotName(tt.pattern, now, taken); got != tt.want {
			t.Errorf("%q %v: got %q, want %q", tt.pattern, tt.taken, got, tt.want)
		}
	}
}

package instances

import (
	"testing"
	"time"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"plain", "c1", ""},
		{"hyphen", "web-1", ""},
		{"underscore", "bad_name!", "Invalid instance name: Name can only contain alphanumeric and hyphen characters"},
		{"leading digit", "1c", "Invalid instance name: Name must not start with a digit or hyphen"},
		{"trailing hyphen", "c-", "Invalid instance name: Name must not end with a hyphen"},
		{"too long", string(make([]byte, 64)), "Invalid instance name: Name must be 1-63 characters long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidName(tt.in)
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("ValidName(%q) = %v, want %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestInstanceTypeLimits(t *testing.T) {
	tests := []struct {
		in, cpu, mem, wantErr string
	}{
		{"t2.micro", "1", "1024MB", ""},
		{"aws:t2.medium", "2", "4096MB", ""},
		{"c2-m4", "2", "4096MB", ""},
		{"c1-m0.5", "1", "512MB", ""},
		{"nosuch.type", "", "", "Provided instance type doesn't exist: nosuch.type"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := instanceTypeLimits(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got["limits.cpu"] != tt.cpu || got["limits.memory"] != tt.mem {
				t.Fatalf("got %v %v", got, err)
			}
		})
	}
}

func TestNextSnapshotName(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, pattern string
		taken         []string
		want          string
	}{
		{"default first", "", nil, "snap0"},
		{"default gap", "", []string{"snap0", "snap2"}, "snap1"},
		{"custom", "auto%d", []string{"auto0"}, "auto1"},
		{"no counter free", "fixed", nil, "fixed"},
		{"no counter taken", "fixed", []string{"fixed"}, "fixed-0"},
		{"date", `{{ creation_date|date:"2006-01-02" }}-%d`, nil, "2026-11-27-0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nextSnapshotName(tt.pattern, tt.taken, now)
			if err != nil || got != tt.want {
				t.Fatalf("got %q %v, want %q", got, err, tt.want)
			}
		})
	}
}

func TestFormatSpeed(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{12, "12B"}, {12099956, "12.10MB"}, {560516817, "560.52MB"}, {112604810996, "112.60GB"},
	}
	for _, tt := range tests {
		if got := formatSpeed(tt.in); got != tt.want {
			t.Errorf("formatSpeed(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
